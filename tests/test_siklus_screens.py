"""Bappeda's cycle screens, as the planning office uses them: opening a cycle, moving and
extending windows, ceilings, the consolidated RKPD, setting it and the budget outcome."""

import io
from datetime import datetime

from openpyxl import load_workbook
from support.stages import ROAD, act_at_stage, at_kecamatan, at_rkpd, create_at
from support.web import csrf_token, post_confirmed, post_form

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.siklus import rkpd as plan
from eplanning_core.siklus.models import Pagu, Perpanjangan, Siklus, Tahapan
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Pengiriman, Usulan


# ---- building proposals through the operations (as tests/test_journey.py does) --------------


def _at_budget(siklus, region, clock):
    road, clinic = at_rkpd(siklus, region, clock)
    admin = region["users"]["admin"]
    act_at_stage(road, admin, "diterima")
    act_at_stage(clinic, admin, "diterima")
    assert plan.send_all(siklus, "musrenbang_rkpd", admin).ok
    clock.set_local("2026-05-10T09:00")
    assert plan.tetapkan(db.session.get(Siklus, siklus.id), admin).ok
    clock.set_local("2026-10-10T09:00")
    return db.session.get(Usulan, road.id), db.session.get(Usulan, clinic.id)


def _tahapan(siklus, kunci):
    db.session.expire_all()
    return db.session.scalar(db.select(Tahapan).where(Tahapan.siklus_id == siklus.id, Tahapan.kunci == kunci))


# ---- 1. opening a cycle ------------------------------------------------------------------------

def test_bappeda_opens_a_cycle_and_the_same_year_twice_is_refused(as_user, region, clock):
    client = as_user("admin")
    page = client.get("/siklus/").get_data(as_text=True)
    assert 'value="2027"' in page  # next year is suggested
    response = post_form(client, "/siklus/", {"tahun": "2027"})
    assert response.status_code == 302
    siklus = db.session.scalar(db.select(Siklus))
    assert (siklus.nama, siklus.status) == ("RKPD 2027", "berjalan")
    assert len(siklus.tahapan) == 8
    again = post_form(client, "/siklus/", {"tahun": "2027"})
    assert again.status_code == 422 and "invalid-feedback" in again.get_data(as_text=True)
    assert post_form(client, "/siklus/", {"tahun": "1990"}).status_code == 422
    assert post_form(client, "/siklus/", {"tahun": "dua ribu"}).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Siklus)) == 1
    assert "RKPD 2027" in client.get("/siklus/").get_data(as_text=True)


# ---- 2. the schedule ---------------------------------------------------------------------------

def test_moving_a_window_needs_a_reason_and_is_kept_in_the_history(as_user, siklus):
    client = as_user("admin")
    page = client.get(f"/siklus/{siklus.id}").get_data(as_text=True)
    assert 'data-stage="rembuk_warga" data-state="open"' in page
    assert 'data-stage="penganggaran" data-state="not_open"' in page
    assert "31 Jan 2026" in page and "value=\"2026-01-31\"" in page  # closes at the end of 31 January
    row = _tahapan(siklus, "rembuk_warga")
    url = f"/siklus/{siklus.id}/tahapan/rembuk_warga/jadwal"
    data = {"dibuka": "2026-01-15", "ditutup": "2026-02-03", "version": row.version, "alasan": ""}
    refused = post_form(client, url, data, token_from=f"/siklus/{siklus.id}")
    assert refused.status_code == 422
    assert _tahapan(siklus, "rembuk_warga").ditutup == datetime(2026, 2, 1)
    bad = post_form(client, url, dict(data, ditutup="3 Februari", alasan="Banjir di tiga kelurahan"),
                    token_from=f"/siklus/{siklus.id}")
    assert bad.status_code == 422 and "2026-01-31 16:00" in bad.get_data(as_text=True)

    saved = post_form(client, url, dict(data, alasan="Banjir di tiga kelurahan"), token_from=f"/siklus/{siklus.id}")
    assert saved.status_code == 302
    row = _tahapan(siklus, "rembuk_warga")
    assert row.ditutup == datetime(2026, 2, 4) and row.version == 2
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "tahapan.jadwal"))
    assert entry.reason == "Banjir di tiga kelurahan" and entry.object_id == row.id
    assert "3 Feb 2026" in client.get(f"/siklus/{siklus.id}").get_data(as_text=True)


def test_a_stale_schedule_form_is_refused(as_user, siklus):
    client = as_user("admin")
    url = f"/siklus/{siklus.id}/tahapan/rembuk_warga/jadwal"
    first = {"dibuka": "2026-01-15", "ditutup": "2026-02-03", "version": "1", "alasan": "Banjir"}
    assert post_form(client, url, first, token_from=f"/siklus/{siklus.id}").status_code == 302
    stale = post_form(client, url, dict(first, ditutup="2026-02-10", alasan="Rapat diundur"),
                      token_from=f"/siklus/{siklus.id}")
    assert stale.status_code == 303
    assert _tahapan(siklus, "rembuk_warga").ditutup == datetime(2026, 2, 4)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "tahapan.jadwal")) == 1


def test_an_extension_for_one_kelurahan_lets_only_that_kelurahan_act_late(as_user, region, siklus, clock):
    clock.set_local("2026-02-05T09:00")
    mine = create_at(siklus, region, "musrenbang_kelurahan", "kel1", "12.71.01.1001")
    other = create_at(siklus, region, "musrenbang_kelurahan", "kel2", "12.71.01.1002")
    client = as_user("admin")
    url = f"/siklus/{siklus.id}/tahapan/musrenbang_kelurahan/perpanjang"
    earlier = post_form(client, url, {"ditutup_baru": "2026-02-10", "alasan": "Salah ketik"},
                        token_from=f"/siklus/{siklus.id}")
    assert earlier.status_code == 422 and "2026-02-15 00:00" in earlier.get_data(as_text=True)
    unknown = post_form(client, url, {"ditutup_baru": "2026-02-20", "holder": "12.71.09.9999",
                                      "alasan": "Banjir"}, token_from=f"/siklus/{siklus.id}")
    assert unknown.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Perpanjangan)) == 0

    granted = post_form(client, url, {"ditutup_baru": "2026-02-20", "holder": "12.71.01.1001",
                                      "alasan": "Banjir, rapat diundur"}, token_from=f"/siklus/{siklus.id}")
    assert granted.status_code == 302
    page = client.get(f"/siklus/{siklus.id}").get_data(as_text=True)
    assert 'data-holder="12.71.01.1001"' in page and "Pasar Baru" in page and "Banjir, rapat diundur" in page

    db.session.expire_all()  # the extension was made by another request
    clock.set_local("2026-02-17T09:00")  # after the general close (end of 14 February)
    act_at_stage(mine, region["users"]["kel1"], "diterima")
    late = ops.act(other, region["users"]["kel2"], "diterima", expected_version=other.version,
                   stage_key="musrenbang_kelurahan")
    assert not late.ok and late.refusal.rule == "outside_window"


# ---- 3. ceilings and quotas ----------------------------------------------------------------------

def test_ceilings_are_saved_and_a_batch_over_the_new_ceiling_is_refused(as_user, region, siklus, clock, client):
    at_kecamatan(siklus, region, clock)
    as_user("admin")
    url = f"/siklus/{siklus.id}/pagu/musrenbang_kecamatan"
    page = client.get(url).get_data(as_text=True)
    assert "Rp 5.000.000.000" in page and "Rp 67.500.000" in page  # the default and what is in use
    kota, sunggal = region["units"]["12.71.01"].id, region["units"]["12.71.02"].id
    versi = 'name="versi" value=""'
    assert versi in page
    bad = post_form(client, url, {"versi": "", f"jumlah-{kota}": "10.000.000", f"kuota-{kota}": "3",
                                  f"jumlah-{sunggal}": "sepuluh juta"})
    assert bad.status_code == 422 and 'is-invalid" name="jumlah-%d"' % sunggal in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Pagu)) == 0
    saved = post_form(client, url, {"versi": "", f"jumlah-{kota}": "10.000.000", f"kuota-{kota}": "3",
                                    f"jumlah-{sunggal}": ""})
    assert saved.status_code == 302
    pagu = db.session.scalar(db.select(Pagu))
    assert (pagu.wilayah_id, pagu.jumlah, pagu.kuota) == (kota, 10_000_000, 3)
    stale = post_form(client, url, {"versi": "", f"jumlah-{kota}": "20.000.000"})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Pagu, pagu.id).jumlah == 10_000_000

    client.post("/keluar", data={"csrf_token": _token(client)})
    as_user("kec1")
    kirim = client.get("/usulan/kirim").get_data(as_text=True)
    assert "Rp 10.000.000" in kirim and "Rp 67.500.000" in kirim  # the ceiling refusal
    assert 'name="holder" value="12.71.01"' not in kirim


def _token(client):

    return csrf_token(client, "/")


# ---- who may see these pages ---------------------------------------------------------------------

def test_only_bappeda_reaches_the_cycle_pages(as_user, region, siklus, client):
    pages = ["/siklus/", f"/siklus/{siklus.id}", f"/siklus/{siklus.id}/pagu/musrenbang_kecamatan",
             f"/siklus/{siklus.id}/rkpd", f"/siklus/{siklus.id}/penetapan"]
    posts = [f"/siklus/{siklus.id}/tahapan/rembuk_warga/jadwal", f"/siklus/{siklus.id}/tahapan/rembuk_warga/perpanjang",
             f"/siklus/{siklus.id}/rkpd/kirim", f"/siklus/{siklus.id}/penetapan", f"/siklus/{siklus.id}/anggaran"]
    for username in ("kel1", "pu", "viewer"):
        as_user(username)
        for url in pages + ([] if username == "viewer" else [f"/siklus/{siklus.id}/anggaran"]):
            assert client.get(url).status_code == 403, (username, url)
        token = _token(client)
        for url in posts:
            assert client.post(url, data={"csrf_token": token}).status_code == 403, (username, url)
        client.post("/keluar", data={"csrf_token": token})
    as_user("viewer")
    assert client.get(f"/siklus/{siklus.id}/anggaran").status_code == 200
    client.post("/keluar", data={"csrf_token": _token(client)})
    as_user("admin")
    assert client.get("/siklus/999999").status_code == 404
    assert client.get(f"/siklus/{siklus.id}/pagu/penetapan_rkpd").status_code == 404
    assert 'href="/siklus/"' in client.get("/").get_data(as_text=True)


# ---- 4. and 5. the RKPD -------------------------------------------------------------------------------

def test_rkpd_page_shows_provenance_and_agency_totals_against_the_ceiling(as_user, region, siklus, clock):
    road, clinic = at_rkpd(siklus, region, clock)
    act_at_stage(road, region["users"]["admin"], "diterima")
    client = as_user("admin")
    pu = region["agencies"]["pu"].id
    saved = post_form(client, f"/siklus/{siklus.id}/pagu/musrenbang_rkpd", {"versi": "", f"jumlah-{pu}": "50.000.000"})
    assert saved.status_code == 302
    page = client.get(f"/siklus/{siklus.id}/rkpd").get_data(as_text=True)
    assert road.kode_lacak in page and clinic.kode_lacak in page
    assert "1.03.10.2.01.0005" in page and "150 m" in page and "Rp 60.000.000" in page
    assert "Pokir DPRD" in page and "Uji dprd1" in page and "Pasar Baru" in page
    assert f'<tr data-agency="{pu}" class="table-danger">' in page  # Rp 60 juta planned, ceiling Rp 50 juta
    filtered = client.get(f"/siklus/{siklus.id}/rkpd?sumber=pokir").get_data(as_text=True)
    assert clinic.kode_lacak in filtered and road.kode_lacak not in filtered

    export = client.get(f"/siklus/{siklus.id}/rkpd?format=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code[road.kode_lacak][8] == 60_000_000
    assert "Musrenbang Kelurahan" in by_code[road.kode_lacak][-1] and "Uji kel1" in by_code[road.kode_lacak][-1]
    assert "Uji dprd1" in by_code[clinic.kode_lacak][5]


def test_sending_the_rkpd_and_setting_it_lock_the_cycle(as_user, region, siklus, clock):
    road, clinic = at_rkpd(siklus, region, clock)
    admin = region["users"]["admin"]
    act_at_stage(road, admin, "diterima")
    client = as_user("admin")
    refused = post_form(client, f"/siklus/{siklus.id}/rkpd/kirim", {"holder": "semua"},
                        token_from=f"/siklus/{siklus.id}/rkpd")
    assert refused.status_code == 422 and 'id="refusals"' in refused.get_data(as_text=True)
    assert "Dinas Kesehatan" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).tahapan == "musrenbang_rkpd"  # nothing was sent
    assert db.session.scalar(db.select(db.func.count()).select_from(Pengiriman)
                             .where(Pengiriman.tahapan == "musrenbang_rkpd")) == 0

    one = post_confirmed(client, f"/siklus/{siklus.id}/rkpd/kirim", {"holder": region["agencies"]["pu"].id},
                         token_from=f"/siklus/{siklus.id}/rkpd")
    assert one.status_code == 302
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).tahapan == "penetapan_rkpd"
    act_at_stage(clinic, admin, "diterima")
    sent = post_confirmed(client, f"/siklus/{siklus.id}/rkpd/kirim", {"holder": "semua"},
                          token_from=f"/siklus/{siklus.id}/rkpd")
    assert sent.status_code == 302
    db.session.expire_all()
    assert {u.tahapan for u in db.session.scalars(db.select(Usulan))} == {"penetapan_rkpd"}
    content = dict(ROAD, volume="200", lokasi_wilayah_id=region["units"]["12.71.01.1001"].id)
    at_penetapan = db.session.get(Usulan, road.id)
    edit = ops.act(at_penetapan, admin, "ubah", expected_version=at_penetapan.version, stage_key="penetapan_rkpd",
                   reason="Revisi volume", content=content)
    assert not edit.ok and edit.refusal.rule == "stage_closed"
    assert db.session.scalar(db.select(db.func.count()).select_from(Pengiriman)
                             .where(Pengiriman.tahapan == "musrenbang_rkpd")) == 2

    early = client.get(f"/siklus/{siklus.id}/penetapan").get_data(as_text=True)
    assert 'id="refusals"' in early  # Penetapan opens on 1 May
    clock.set_local("2026-05-10T09:00")
    page = client.get(f"/siklus/{siklus.id}/penetapan").get_data(as_text=True)
    assert "Rp 135.000.000" in page and "Dinas Pekerjaan Umum" in page
    stray = post_form(client, f"/siklus/{siklus.id}/penetapan", {})  # no confirmation: nothing locked
    assert stray.status_code == 303
    db.session.expire_all()
    assert db.session.get(Siklus, siklus.id).status == "berjalan"
    locked = post_confirmed(client, f"/siklus/{siklus.id}/penetapan", {})
    assert locked.status_code == 302
    db.session.expire_all()
    siklus = db.session.get(Siklus, siklus.id)
    assert siklus.status == "rkpd_ditetapkan" and siklus.rkpd_ditetapkan_at == datetime(2026, 5, 10, 2, 0)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "siklus.tetapkan"))
    assert entry.object_id == siklus.id and entry.changes["usulan"] == [None, 2]
    road = db.session.get(Usulan, road.id)
    assert road.tahapan == "penganggaran"
    assert [k.keputusan for k in db.session.scalars(db.select(Keputusan).where(
        Keputusan.usulan_id == road.id).order_by(Keputusan.id))][-2:] == ["kirim", "tetapkan"]
    edit = ops.act(road, admin, "ubah", expected_version=road.version, stage_key="penganggaran",
                   reason="Revisi volume", content=content)
    assert not edit.ok and edit.refusal.rule == "stage_closed"
    again = post_form(client, f"/siklus/{siklus.id}/penetapan", {})
    assert again.status_code == 303
    assert 'id="rkpd-locked"' in client.get(f"/siklus/{siklus.id}/penetapan").get_data(as_text=True)


# ---- 6. the budget outcome ------------------------------------------------------------------------------

def test_budget_outcome_is_saved_all_or_nothing(as_user, region, siklus, clock, client):
    road, clinic = _at_budget(siklus, region, clock)
    as_user("admin")
    url = f"/siklus/{siklus.id}/anggaran"
    form = {"id": [str(road.id), str(clinic.id)], f"v-{road.id}": road.version, f"v-{clinic.id}": clinic.version,
            f"hasil-{road.id}": "didanai", f"jumlah-{road.id}": "58.000.000",
            f"hasil-{clinic.id}": "didanai", f"jumlah-{clinic.id}": "delapan puluh juta"}
    bad = post_form(client, url, form)
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count("row-error") == 1
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).status == "belum_dibahas"

    chosen = dict(form, **{f"hasil-{clinic.id}": "tidak_didanai", f"jumlah-{clinic.id}": ""})
    asked = post_form(client, url, chosen)  # two at once: it says what it records, saves nothing yet
    assert asked.status_code == 200
    assert ("Ini mencatat 1 usulan didanai (total Rp 58.000.000) dan 1 tidak didanai"
            in asked.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).status == "belum_dibahas"
    good = post_form(client, url, dict(chosen, konfirmasi="1"))
    assert good.status_code == 302
    db.session.expire_all()
    road, clinic = db.session.get(Usulan, road.id), db.session.get(Usulan, clinic.id)
    assert (road.status, road.anggaran_jumlah) == ("didanai", 58_000_000)
    assert (clinic.status, clinic.anggaran_jumlah) == ("tidak_didanai", None)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "usulan.didanai")).object_id == road.id

    stale = post_form(client, url, dict(form, konfirmasi="1", **{f"hasil-{clinic.id}": "tidak_didanai"}))
    assert stale.status_code == 422  # the versions on the form are old now
    client.post("/keluar", data={"csrf_token": _token(client)})
    as_user("viewer")
    page = client.get(url).get_data(as_text=True)
    assert "Rp 58.000.000" in page and 'name="hasil-' not in page

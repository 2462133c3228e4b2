"""e-Aspirasi (issue 16, point 1): a citizen proposes on the public portal without an account,
gets a tracking code at once, and the lowest unit's operator turns the aspiration into a
proposal (through usulan.operations.create), merges it, or declines it with a reason; the
citizen's tracking page shows which and follows the proposal to its funding. Abuse cases are
refused with a clear message and store nothing. On SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select
from support.smtp import SmtpServer
from support.snapshots import count_queries
from support.stages import act_at_stage
from support.web import browser, csrf_token, login

from eplanning_core.aspirasi import operations as aspirasi_ops
from eplanning_core.aspirasi.models import Aspirasi, AspirasiFoto
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.kamus.models import Nomenklatur
from eplanning_core.realisasi import operations as realisasi_ops
from eplanning_core.siklus import rkpd as plan
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Usulan

CHEAP_PASSWORD_HASHING = True
LING, KEL = "12.71.01.1001.01", "12.71.01.1001"
WORDS = {"permasalahan": "Gang Damai tergenang setiap hujan deras, anak-anak tidak bisa lewat",
         "usulan_kegiatan": "Perbaikan saluran drainase Gang Damai sepanjang 120 meter",
         "jalan": "Gang Damai", "nama": "Budi Santoso", "kontak": "0812 3456 7890"}
PROPOSAL = {"bidang": "fisik_prasarana", "volume": "120", "satuan": "m", "harga_satuan": "450.000"}


def _form(region, **changes) -> dict:
    return {**WORDS, "wilayah_id": str(region["units"][LING].id), **changes}


def _submit(client, region, files=None, **changes):
    page = client.get(f"/publik/aspirasi?induk={KEL}")
    data = dict(_form(region, **changes), induk=KEL, csrf_token=re.search(
        r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1))
    if files:
        data["foto"] = files
    return client.post("/publik/aspirasi", data=data, content_type="multipart/form-data")


def _code(response) -> str:
    return re.search(r"/publik/aspirasi/(ASP-[A-Z0-9]{4}-[A-Z0-9]{4})", response.headers["Location"]).group(1)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


# ---- the citizen's side ----------------------------------------------------------------------------

def test_a_citizen_chooses_the_kelurahan_then_the_lingkungan_and_gets_a_code_at_once(client, region, siklus):
    first = client.get("/publik/aspirasi").get_data(as_text=True)
    assert 'id="aspirasi-step-1"' in first and "Pasar Baru" in first and 'name="wilayah_id"' not in first
    second = client.get(f"/publik/aspirasi?induk={KEL}").get_data(as_text=True)
    assert 'name="wilayah_id"' in second and str(region["units"][LING].id) in second
    assert "tidak dapat ditemukan dari lokasi" in second or "cannot be found from a location" in second

    sent = _submit(client, region, files=[(io.BytesIO(_jpeg()), "genangan.jpg")])

    assert sent.status_code == 303
    code = _code(sent)
    aspirasi = db.session.scalar(select(Aspirasi).where(Aspirasi.kode == code))
    assert (aspirasi.status, aspirasi.terkonfirmasi, aspirasi.wilayah_kode) == ("masuk", False, LING)
    assert aspirasi.kontak == "081234567890" and aspirasi.kontak_jenis == "telepon"
    assert _count(AspirasiFoto, AspirasiFoto.aspirasi_id == aspirasi.id) == 1
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert code in page and 'id="aspirasi-unconfirmed"' in page and WORDS["usulan_kegiatan"] in page
    assert "0812" not in page and "081234567890" not in page and "Budi" not in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "aspirasi.masuk"))
    assert "0812" not in str(entry.changes) and entry.object_id == aspirasi.id


def test_whole_life_from_aspiration_to_funding_is_seen_on_the_tracking_page(client, region, siklus, clock):
    users, pu, admin = region["users"], region["agencies"]["pu"], region["users"]["admin"]
    db.session.add(Nomenklatur(tenant_id=siklus.tenant_id, tingkat="sub_kegiatan", kode="1.03.10.2.01.0005",
                               nama="Pembangunan Jalan"))
    db.session.commit()
    code = _code(_submit(client, region))
    track = f"/publik/aspirasi/{code}"
    assert "Diterima, menunggu Rembuk Warga" in client.get(track).get_data(as_text=True)

    operator = browser(client.application)
    login(operator, "ling1")
    inbox = operator.get("/aspirasi/").get_data(as_text=True)
    assert code in inbox and "Kontak belum dikonfirmasi" in inbox
    aspirasi = db.session.scalar(select(Aspirasi).where(Aspirasi.kode == code))
    detail = operator.get(f"/aspirasi/{aspirasi.id}").get_data(as_text=True)
    assert "081234567890" in detail and 'id="form-usulkan"' in detail
    made = operator.post(f"/aspirasi/{aspirasi.id}/tindak-lanjut", data=dict(
        PROPOSAL, tindakan="usulkan", tahapan="rembuk_warga", usulan_kegiatan=WORDS["usulan_kegiatan"],
        permasalahan="Drainase tersumbat (disederhanakan operator)",
        csrf_token=csrf_token(operator, f"/aspirasi/{aspirasi.id}")))
    assert made.status_code == 303 and "/usulan/" in made.headers["Location"]

    db.session.expire_all()
    aspirasi = db.session.get(Aspirasi, aspirasi.id)
    road = db.session.get(Usulan, aspirasi.usulan_id)
    assert aspirasi.status == "diusulkan" and aspirasi.oleh_id == users["ling1"].id
    assert aspirasi.permasalahan == WORDS["permasalahan"]  # the citizen's words, kept
    assert road.permasalahan == "Drainase tersumbat (disederhanakan operator)"
    assert (road.lokasi_kode, road.pengusul_nama, road.pengusul_telepon, road.sumber) == (
        LING, "Budi Santoso", "081234567890", "lingkungan")
    assert road.kode_lacak in client.get(track).get_data(as_text=True)

    act_at_stage(road, users["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", LING)
    assert ops.send(siklus, "rembuk_warga", LING, users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    act_at_stage(road, users["kel1"], "diterima")
    assert "Musrenbang Kelurahan" in client.get(track).get_data(as_text=True)
    hold_meeting(siklus, "musrenbang_kelurahan", KEL)
    assert ops.send(siklus, "musrenbang_kelurahan", KEL, users["kel1"]).ok
    clock.set_local("2026-02-20T09:00")
    points = {"keterdesakan": 5, "kemiskinan": 4, "pertumbuhan_ekonomi": 3, "potensi_lokasi": 3, "manfaat": 4,
              "partisipasi": 5}
    act_at_stage(road, users["kec1"], "skor", inputs={"points": points})
    act_at_stage(road, users["kec1"], "rute", inputs={"agency_id": pu.id})
    act_at_stage(road, users["kec1"], "diterima")
    hold_meeting(siklus, "musrenbang_kecamatan", "12.71.01")
    assert ops.send(siklus, "musrenbang_kecamatan", "12.71.01", users["kec1"]).ok
    clock.set_local("2026-03-10T09:00")
    act_at_stage(road, users["pu"], "diterima", inputs={"sub_kegiatan": "1.03.10.2.01.0005", "pagu": 54_000_000,
                                                "target": "120 m"})
    assert ops.send(siklus, "forum_pd", pu.id, users["pu"]).ok
    clock.set_local("2026-04-10T09:00")
    act_at_stage(road, admin, "diterima")
    assert plan.send_all(siklus, "musrenbang_rkpd", admin).ok
    clock.set_local("2026-05-10T09:00")
    assert plan.tetapkan(siklus, admin).ok
    clock.set_local("2026-10-10T09:00")
    act_at_stage(road, admin, "didanai", inputs={"amount": 54_000_000})

    page = client.get(track).get_data(as_text=True)
    assert "Didanai" in page and "Ditetapkan dalam RKPD" in page
    for stage in ("Rembuk Warga", "Musrenbang Kelurahan", "Musrenbang Kecamatan"):
        assert stage in page
    api = client.get(f"/api/v1/publik/aspirasi/{code}").get_json()
    assert api["status"] == "diusulkan" and api["usulan"]["status"] == "didanai"
    assert "kontak" not in api and "0812" not in str(api)

    # ... and executed: the agency reports two milestones; the citizen sees them to the end
    clock.set_local("2027-06-15T09:00")
    road = db.session.get(Usulan, road.id)
    realisasi_ops.record_milestone(road, users["pu"], realisasi_ops.read_milestone(
        {"tanggal": "2027-04-30", "progres": "35", "realisasi_jumlah": "18.000.000",
         "kontrak_nomor": "602/PU/DRN/2027", "kontrak_tanggal": "2027-03-01", "kontrak_nilai": "52.500.000"}))
    realisasi_ops.record_milestone(road, users["pu"], realisasi_ops.read_milestone(
        {"tanggal": "2027-06-14", "progres": "100", "realisasi_jumlah": "52.500.000", "status": "selesai"}))
    proposal_page = client.get(f"/publik/lacak?kode={road.kode_lacak}", follow_redirects=True).get_data(as_text=True)
    assert "602/PU/DRN/2027" in proposal_page and "100%" in proposal_page
    execution = client.get(f"/api/v1/publik/usulan/{road.kode_lacak}").get_json()["realisasi"]
    assert execution["progres"] == 100 and execution["status"] == "selesai"
    assert [m["progres"] for m in execution["tahap"]] == [100, 35]  # newest first
    assert road.kode_lacak in client.get(track).get_data(as_text=True)  # the aspiration leads there


def test_merged_and_declined_aspirations_show_which_on_the_tracking_page(client, region, siklus):
    road = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], dict(
        PROPOSAL, permasalahan="Drainase tersumbat", usulan_kegiatan="Normalisasi drainase Gang Damai",
        lokasi_wilayah_id=region["units"][LING].id)).usulan
    merged, declined = _code(_submit(client, region)), _code(_submit(client, region, kontak="warga@contoh.id"))
    operator = browser(client.application)
    login(operator, "ling1")
    ids = {c: db.session.scalar(select(Aspirasi.id).where(Aspirasi.kode == c)) for c in (merged, declined)}

    wrong = operator.post(f"/aspirasi/{ids[merged]}/tindak-lanjut", data=dict(
        tindakan="gabung", kode_lacak="MDN-2027-999999", csrf_token=csrf_token(operator, "/aspirasi/")))
    assert wrong.status_code == 422 and "Tidak ada usulan" in wrong.get_data(as_text=True)
    assert operator.post(f"/aspirasi/{ids[merged]}/tindak-lanjut", data=dict(
        tindakan="gabung", kode_lacak=road.kode_lacak.lower(),
        csrf_token=csrf_token(operator, "/aspirasi/"))).status_code == 303
    no_reason = operator.post(f"/aspirasi/{ids[declined]}/tindak-lanjut", data=dict(
        tindakan="tolak", alasan=" ", csrf_token=csrf_token(operator, "/aspirasi/")))
    assert no_reason.status_code == 422
    assert db.session.get(Aspirasi, ids[declined]).status == "masuk"
    assert operator.post(f"/aspirasi/{ids[declined]}/tindak-lanjut", data=dict(
        tindakan="tolak", alasan="Sudah dikerjakan kelurahan tahun ini",
        csrf_token=csrf_token(operator, "/aspirasi/"))).status_code == 303

    merged_page = client.get(f"/publik/aspirasi/{merged}").get_data(as_text=True)
    assert "Digabung ke dalam usulan" in merged_page and road.kode_lacak in merged_page
    declined_page = client.get(f"/publik/aspirasi/{declined}").get_data(as_text=True)
    assert "Ditolak" in declined_page and "Sudah dikerjakan kelurahan tahun ini" in declined_page
    again = operator.post(f"/aspirasi/{ids[declined]}/tindak-lanjut", data=dict(
        tindakan="spam", csrf_token=csrf_token(operator, "/aspirasi/")))
    assert again.status_code == 409 and db.session.get(Aspirasi, ids[declined]).status == "ditolak"


def test_operators_mark_spam_and_other_units_see_nothing(client, region, siklus):
    code = _code(_submit(client, region))
    aspirasi_id = db.session.scalar(select(Aspirasi.id).where(Aspirasi.kode == code))
    other = browser(client.application)
    login(other, "kel2")
    assert code not in other.get("/aspirasi/").get_data(as_text=True)
    assert other.get(f"/aspirasi/{aspirasi_id}").status_code == 404
    pd = browser(client.application)
    login(pd, "pu")
    assert pd.get("/aspirasi/").status_code == 403
    kelurahan = browser(client.application)
    login(kelurahan, "kel1")  # the unit above the lingkungan sees and may act
    assert code in kelurahan.get("/aspirasi/").get_data(as_text=True)
    assert kelurahan.post(f"/aspirasi/{aspirasi_id}/tindak-lanjut", data=dict(
        tindakan="spam", csrf_token=csrf_token(kelurahan, "/aspirasi/"))).status_code == 303
    assert db.session.get(Aspirasi, aspirasi_id).status == "spam"
    assert "Tidak ditindaklanjuti" in client.get(f"/publik/aspirasi/{code}").get_data(as_text=True)


# ---- abuse ------------------------------------------------------------------------------------------

def test_a_flood_from_one_address_is_refused_after_the_limit(client, region, siklus, app):
    app.config["ASPIRASI_LIMIT_ADDRESS"] = "3 per hour"
    for n in range(3):
        assert _submit(client, region, kontak=f"08123456{n:04d}").status_code == 303
    refused = _submit(client, region, kontak="081299990000")
    assert refused.status_code == 429 and "Terlalu banyak" in refused.get_data(as_text=True)
    assert _count(Aspirasi) == 3


def test_one_contact_from_many_addresses_is_refused_after_its_limit(client, region, siklus, app):
    app.config["ASPIRASI_LIMIT_CONTACT"] = "2 per day"
    for n in range(2):
        assert _submit(client, region, kontak="warga@contoh.id",
                       ).status_code == 303
    refused = _submit(client, region, kontak="WARGA@contoh.id")
    assert refused.status_code == 429 and _count(Aspirasi) == 2


def test_an_oversized_or_fake_photo_is_refused_and_nothing_is_stored(client, region, siklus, app):
    app.config["UPLOAD_MAX_IMAGE_BYTES"] = 2000
    big = _submit(client, region, files=[(io.BytesIO(_jpeg()), "a.jpg"), (io.BytesIO(_jpeg((800, 600))), "b.jpg")])
    assert big.status_code == 422 and "foto" in big.get_data(as_text=True).lower()
    fake = _submit(client, region, files=[(io.BytesIO(b"<script>alert(1)</script>"), "x.jpg")])
    assert fake.status_code == 422
    too_many = _submit(client, region, files=[(io.BytesIO(_jpeg()), f"{n}.jpg") for n in range(4)])
    assert too_many.status_code == 422 and "Paling banyak 3 foto" in too_many.get_data(as_text=True)
    assert _count(Aspirasi) == 0 and _count(AspirasiFoto) == 0
    import os

    folder = os.path.join(app.instance_path, "uploads")
    assert not any(files for _d, _s, files in os.walk(folder)) if os.path.isdir(folder) else True


def test_script_in_every_field_is_stored_as_text_and_shown_escaped(client, region, siklus):
    script = "<script>alert('x')</script> jalan rusak parah"
    sent = _submit(client, region, permasalahan=script, usulan_kegiatan=script, jalan=script, nama=script)
    code = _code(sent)
    page = client.get(f"/publik/aspirasi/{code}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    operator = browser(client.application)
    login(operator, "ling1")
    aspirasi_id = db.session.scalar(select(Aspirasi.id).where(Aspirasi.kode == code))
    detail = operator.get(f"/aspirasi/{aspirasi_id}").get_data(as_text=True)
    assert "<script>alert" not in detail
    bad = _submit(client, region, kontak="<script>@x")
    assert bad.status_code == 422 and "Nomor telepon" in bad.get_data(as_text=True)
    control = _submit(client, region, jalan="Gang\x1bDamai")
    assert control.status_code == 400
    assert _count(Aspirasi) == 1


def test_missing_fields_are_named_and_nothing_is_stored(client, region, siklus):
    refused = _submit(client, region, permasalahan="", usulan_kegiatan="pendek", kontak="", wilayah_id="99999")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for field in ("permasalahan-error", "usulan_kegiatan-error", "kontak-error", "wilayah_id-error"):
        assert f'id="{field}"' in html
    assert _count(Aspirasi) == 0


def test_with_mail_an_email_contact_confirms_before_operators_see_it(client, region, siklus, app):
    with SmtpServer() as smtp:
        app.config.update(smtp.config, SITE_URL="https://eplanning.medan.test")
        sent = _submit(client, region, kontak="Warga@Contoh.id")
        assert sent.status_code == 303 and sent.headers["Location"].split("?")[0].endswith("/konfirmasi")
        code = _code(sent)
        [message] = smtp.messages
        assert message.envelope_to == ["warga@contoh.id"] and code in message.body
        secret = re.search(r"\b(\d{6})\b", message.body).group(1)
    aspirasi = db.session.scalar(select(Aspirasi).where(Aspirasi.kode == code))
    assert aspirasi.status == "menunggu_konfirmasi" and secret not in (aspirasi.konfirmasi_hash or "")
    operator = browser(client.application)
    login(operator, "ling1")
    assert code not in operator.get("/aspirasi/").get_data(as_text=True)
    assert "Menunggu kode konfirmasi" in client.get(f"/publik/aspirasi/{code}").get_data(as_text=True)

    page = f"/publik/aspirasi/{code}/konfirmasi"
    wrong = client.post(page, data={"kode_konfirmasi": "000000" if secret != "000000" else "111111",
                                    "csrf_token": csrf_token(client, page)})
    assert wrong.status_code == 422 and "Bukan kode yang kami kirim" in wrong.get_data(as_text=True)
    right = client.post(page, data={"kode_konfirmasi": secret, "csrf_token": csrf_token(client, page)})
    assert right.status_code == 303
    db.session.expire_all()
    assert db.session.get(Aspirasi, aspirasi.id).status == "masuk" and db.session.get(Aspirasi, aspirasi.id).terkonfirmasi
    assert code in operator.get("/aspirasi/").get_data(as_text=True)


def test_wrong_codes_are_limited(client, region, siklus, app):
    with SmtpServer() as smtp:
        app.config.update(smtp.config, SITE_URL="https://eplanning.medan.test")
        code = _code(_submit(client, region, kontak="warga@contoh.id"))
        secret = re.search(r"\b(\d{6})\b", smtp.messages[0].body).group(1)
    page = f"/publik/aspirasi/{code}/konfirmasi"
    wrongs = [f"{(int(secret) + n) % 10**6:06d}" for n in range(1, 7)]
    answers = [client.post(page, data={"kode_konfirmasi": w, "csrf_token": csrf_token(client, page)}).status_code
               for w in wrongs]
    assert answers == [422] * 5 + [429]
    late = client.post(page, data={"kode_konfirmasi": secret, "csrf_token": csrf_token(client, page)})
    assert late.status_code == 429
    assert db.session.scalar(select(Aspirasi.status).where(Aspirasi.kode == code)) == "menunggu_konfirmasi"


def test_the_region_closes_e_aspirasi_or_limits_it_to_a_window(client, region, siklus, monkeypatch):
    from datetime import date

    from eplanning_core.tenancy.context import tenant_config

    config = tenant_config()
    monkeypatch.setattr(aspirasi_ops, "tenant_config", lambda: dataclasses.replace(config, aspirasi_open=False))
    closed = client.get("/publik/aspirasi")
    assert 'id="aspirasi-closed"' in closed.get_data(as_text=True) and 'id="aspirasi-form"' not in closed.get_data(
        as_text=True)
    assert _submit_raw(client, region).status_code == 403
    monkeypatch.setattr(aspirasi_ops, "tenant_config", lambda: dataclasses.replace(
        config, aspirasi_opens=date(2026, 2, 1), aspirasi_closes=date(2026, 2, 28)))
    assert "1-02-2026" in client.get("/publik/aspirasi").get_data(as_text=True).replace("01-02-2026", "1-02-2026")
    assert _submit_raw(client, region).status_code == 403
    api = client.post("/api/v1/publik/aspirasi", json=dict(WORDS, wilayah_kode=LING))
    assert api.status_code == 403 and api.get_json()["rule"] == "aspirasi_closed"
    assert _count(Aspirasi) == 0


def _submit_raw(client, region):
    data = dict(_form(region), csrf_token=csrf_token(client, "/masuk"))
    return client.post("/publik/aspirasi", data=data)


def test_the_tenant_toml_window_is_checked(tmp_path):
    from eplanning_core.tenancy.loader import TenantConfigError, load_tenant
    from support.env import TENANTS_DIR

    folder = tmp_path / "kota-uji"
    folder.mkdir()
    text = (TENANTS_DIR / "medan" / "tenant.toml").read_text(encoding="utf-8")
    (folder / "tenant.toml").write_text(text.replace('logo = "logo.svg"', "") +
                                        "\n[aspirasi]\nopen = true\nopens = 2027-01-10\ncloses = 2027-01-01\n",
                                        encoding="utf-8")
    with pytest.raises(TenantConfigError) as error:
        load_tenant(folder)
    assert "aspirasi.closes" in str(error.value)


# ---- the API ----------------------------------------------------------------------------------------

def test_the_api_submits_tracks_lists_and_follows_up(client, region, siklus):
    from eplanning_core.api import tokens

    created = client.post("/api/v1/publik/aspirasi", json=dict(WORDS, wilayah_kode=LING, lat="3.5952",
                                                                 lng="98.6722"))
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["kode"]
    assert client.get(f"/api/v1/publik/aspirasi/{code}").get_json()["status"] == "masuk"
    assert client.get("/api/v1/publik/aspirasi/ASP-AAAA-AAAA").status_code == 404
    bad = client.post("/api/v1/publik/aspirasi", json=dict(WORDS, wilayah_kode=KEL))
    assert bad.status_code == 404 and "wilayah_kode" in bad.get_json()["errors"]  # not a lowest unit
    invalid = client.post("/api/v1/publik/aspirasi", json=dict(WORDS, wilayah_kode=LING, kontak="<b>@x"))
    assert invalid.status_code == 422 and "kontak" in invalid.get_json()["errors"]

    secret = tokens.issue_user_token(region["users"]["ling1"]).secret
    other = tokens.issue_user_token(region["users"]["kel2"]).secret
    auth = {"Authorization": f"Bearer {secret}"}
    inbox = client.get("/api/v1/aspirasi", headers=auth).get_json()
    [item] = inbox["items"]
    assert item["kode"] == code and item["kontak"] == "081234567890"
    assert client.get("/api/v1/aspirasi", headers={"Authorization": f"Bearer {other}"}).get_json()["items"] == []
    assert client.post(f"/api/v1/aspirasi/{item['id']}/tindak-lanjut", json={"tindakan": "tolak"},
                       headers={"Authorization": f"Bearer {other}"}).status_code == 404
    short = client.post(f"/api/v1/aspirasi/{item['id']}/tindak-lanjut", json={"tindakan": "usulkan",
                        "tahapan": "rembuk_warga"}, headers=auth)
    assert short.status_code == 422 and "bidang" in short.get_json()["errors"]
    made = client.post(f"/api/v1/aspirasi/{item['id']}/tindak-lanjut", headers=auth, json=dict(
        PROPOSAL, tindakan="usulkan", tahapan="rembuk_warga", harga_satuan=450000))
    assert made.status_code == 200, made.get_json()
    assert made.get_json()["status"] == "diusulkan" and made.get_json()["usulan_kode_lacak"].startswith("MDN-2027-")
    assert client.get(f"/api/v1/publik/aspirasi/{code}").get_json()["usulan"]["tahapan"] == "rembuk_warga"


# ---- budgets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [2, 30])
def test_the_inbox_and_the_tracking_page_stay_within_the_query_budget(client, region, siklus, app, count):
    app.config["ASPIRASI_LIMIT_ADDRESS"] = "1000 per hour"
    app.config["ASPIRASI_LIMIT_CONTACT"] = "1000 per hour"
    codes = [_code(_submit(client, region)) for _n in range(count)]
    operator = browser(client.application)
    login(operator, "ling1")
    app.config["PUBLIC_PAGE_CACHE"] = False
    road = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], dict(
        PROPOSAL, permasalahan="Drainase tersumbat", usulan_kegiatan="Normalisasi drainase",
        lokasi_wilayah_id=region["units"][LING].id)).usulan
    for url in ("/aspirasi/", f"/aspirasi/{db.session.scalar(select(Aspirasi.id).limit(1))}",
                f"/publik/usulan/{road.kode_lacak}/ikuti", "/publik/ikuti/konfirmasi?t=x",
                f"/publik/aspirasi/{codes[0]}", f"/publik/aspirasi?induk={KEL}", "/publik/aspirasi"):
        who = operator if url.startswith("/aspirasi") else client
        with count_queries() as statements:
            assert who.get(url).status_code == 200
        assert len(statements) <= 12, (url, statements)


ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"')


def _weight(client, url) -> int:
    """A first visit: the HTML and every stylesheet, script and image it links (gzip accepted)."""
    gzip = {"Accept-Encoding": "gzip, deflate, br"}
    page = client.get(url, headers=gzip)
    assert page.status_code == 200, url
    total, html = len(page.get_data()), page.get_data(as_text=True)
    for path in dict.fromkeys(ASSET.findall(html)):
        response = client.get(path.replace("&amp;", "&"), headers=gzip)
        assert response.status_code == 200, path
        total += len(response.get_data())
    return total


def test_the_new_pages_stay_under_150_kb(client, region, siklus, app):
    app.config["ASPIRASI_LIMIT_ADDRESS"] = "1000 per hour"
    app.config["ASPIRASI_LIMIT_CONTACT"] = "1000 per hour"
    codes = [_code(_submit(client, region, permasalahan=f"{WORDS['permasalahan']} {n}" * 20))
             for n in range(30)]
    road = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], dict(
        PROPOSAL, permasalahan="Drainase tersumbat", usulan_kegiatan="Normalisasi drainase",
        lokasi_wilayah_id=region["units"][LING].id)).usulan
    for url in ("/publik/aspirasi", f"/publik/aspirasi?induk={KEL}", f"/publik/aspirasi/{codes[0]}",
                f"/publik/usulan/{road.kode_lacak}/ikuti", "/publik/ikuti/konfirmasi?t=x"):
        assert _weight(client, url) < 150 * 1024, url
    operator = browser(client.application)
    login(operator, "ling1")
    aspirasi_id = db.session.scalar(select(Aspirasi.id).where(Aspirasi.kode == codes[0]))
    for url in ("/aspirasi/", f"/aspirasi/{aspirasi_id}"):
        assert _weight(operator, url) < 150 * 1024, url


def test_the_tracking_page_is_kept_by_the_history_head_and_forms_never_are(client, region, siklus, app):
    app.config["PUBLIC_PAGE_CACHE"] = True
    code = _code(_submit(client, region))
    url = f"/publik/aspirasi/{code}"
    first = client.get(url)
    with count_queries() as statements:
        again = client.get(url)
    assert again.headers["ETag"] == first.headers["ETag"] and again.get_data() == first.get_data()
    assert len(statements) <= 1  # the head at most: the page itself is kept
    assert "public" in again.headers["Cache-Control"]
    operator = browser(client.application)
    login(operator, "ling1")
    aspirasi_id = db.session.scalar(select(Aspirasi.id).where(Aspirasi.kode == code))
    operator.post(f"/aspirasi/{aspirasi_id}/tindak-lanjut", data=dict(
        tindakan="tolak", alasan="Bukan kewenangan kota", csrf_token=csrf_token(operator, "/aspirasi/")))
    from eplanning_core.portal.pagecache import forget_heads

    forget_heads()
    after = client.get(url)
    assert after.headers["ETag"] != first.headers["ETag"] and "Bukan kewenangan kota" in after.get_data(as_text=True)
    for form in ("/publik/aspirasi", f"/publik/aspirasi?induk={KEL}"):
        assert client.get(form).headers["Cache-Control"] == "private, no-store"


def test_the_portals_tracking_box_takes_an_aspirations_code_too(client, region, siklus):
    code = _code(_submit(client, region))
    answer = client.get(f"/publik/lacak?kode={code.lower()}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/publik/aspirasi/{code}")
    assert client.get("/publik/lacak?kode=ASP-0000-0000").status_code in (302, 404)

"""Every refusal a person can meet on the proposal screens: shown in their language, nothing changed."""

from decimal import Decimal

from support.forms import ROAD, new_proposal
from support.web import post_form

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.siklus.operations import set_limits
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Pengiriman, Usulan
from eplanning_core.testing.meetings import hold_meeting


def _count(model=Usulan):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _survey(client, usulan):
    return post_form(client, f"/usulan/{usulan.id}/aksi", {"aksi": "survei_selesai", "tahapan": usulan.tahapan,
                                                          "version": usulan.version}, token_from=f"/usulan/{usulan.id}")


def _flash(client, url):
    return client.get(url).get_data(as_text=True)


def test_entering_after_the_window_closed_is_refused(as_user, region, siklus, clock):
    client = as_user("ling1")
    clock.set_local("2026-02-01T00:00")  # Rembuk Warga closed at the end of 31 January (WIB)
    response = client.get("/usulan/baru")
    assert response.status_code == 302
    assert "Saat ini tidak ada tahapan yang memungkinkan Anda memasukkan usulan." in _flash(client, "/usulan/")
    assert "/usulan/baru" not in _flash(client, "/usulan/")
    data = dict(ROAD, tahapan="rembuk_warga", lokasi_wilayah_id=str(region["units"]["12.71.01.1001.01"].id))
    forged = post_form(client, "/usulan/baru", data, token_from="/usulan/")
    assert forged.status_code == 302 and _count() == 0


def test_one_minute_before_midnight_wib_is_still_inside(as_user, region, siklus, clock):
    client = as_user("ling1")
    clock.set_local("2026-01-31T23:59")
    assert new_proposal(client, region).status_code == 302
    assert _count() == 1


def test_deciding_outside_the_window_names_the_window(as_user, region, siklus, clock):
    client = as_user("ling1")
    new_proposal(client, region)
    usulan = db.session.scalar(db.select(Usulan))
    clock.set_local("2026-02-03T08:00")
    _survey(client, usulan)
    page = _flash(client, f"/usulan/{usulan.id}")
    assert "dibuka dari 2026-01-15 00:00 sampai 2026-02-01 00:00" in page
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).survei_selesai is False


def test_sending_over_the_quota_is_refused_and_nothing_moves(as_user, region, siklus):
    lingkungan = region["units"]["12.71.01.1001.01"]
    assert set_limits(siklus, "rembuk_warga", region["users"]["admin"],
                      [{"wilayah_id": lingkungan.id, "kuota": 1}]).ok
    client = as_user("ling1")
    for _ in range(2):
        new_proposal(client, region)
    for usulan in db.session.scalars(db.select(Usulan)).all():
        _survey(client, usulan)
    page = client.get("/usulan/kirim").get_data(as_text=True)
    assert "paling banyak boleh mengirim 1 usulan" in page
    response = post_form(client, "/usulan/kirim", {"tahapan": "rembuk_warga", "holder": lingkungan.kode})
    assert "paling banyak boleh mengirim 1 usulan" in _flash(client, "/usulan/kirim")
    assert response.status_code == 303
    assert {u.tahapan for u in db.session.scalars(db.select(Usulan))} == {"rembuk_warga"}
    assert _count(Pengiriman) == 0


def test_sending_over_the_ceiling_is_refused_with_the_amounts(as_user, region, siklus, clock):
    users = region["users"]
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"],
                        dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
    ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version, stage_key="rembuk_warga")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    ops.act(usulan, users["kel1"], "diterima", expected_version=usulan.version, stage_key=usulan.tahapan)
    assert set_limits(siklus, "musrenbang_kelurahan", users["admin"],
                      [{"wilayah_id": region["units"]["12.71.01.1001"].id, "jumlah": 10_000_000}]).ok
    client = as_user("kel1")
    page = client.get("/usulan/kirim").get_data(as_text=True)
    assert "Rp 10.000.000" in page and "Rp 67.500.000" in page and "lebih Rp 57.500.000" in page
    post_form(client, "/usulan/kirim", {"tahapan": "musrenbang_kelurahan", "holder": "12.71.01.1001"})
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).tahapan == "musrenbang_kelurahan"


def test_accepting_with_changes_needs_a_reason(as_user, region, siklus, clock):
    users = region["users"]
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"],
                        dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
    ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version, stage_key="rembuk_warga")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"])
    clock.set_local("2026-02-05T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    client = as_user("kel1")
    post_form(client, f"/usulan/{usulan.id}/aksi", {"aksi": "diterima_dengan_perubahan", "tahapan": usulan.tahapan,
                                                   "version": usulan.version, "alasan": ""},
              token_from=f"/usulan/{usulan.id}")
    assert "memerlukan alasan" in _flash(client, f"/usulan/{usulan.id}")
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "belum_dibahas"


def test_editing_a_sent_proposal_needs_a_reason_and_keeps_it_in_history(as_user, region, siklus, clock):
    users = region["users"]
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"],
                        dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
    ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version, stage_key="rembuk_warga")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"])
    clock.set_local("2026-02-05T09:00")
    client = as_user("kel1")
    usulan = db.session.get(Usulan, usulan.id)
    form = dict(ROAD, lokasi_wilayah_id=str(usulan.lokasi_wilayah_id), volume="120", version=usulan.version,
                tahapan=usulan.tahapan, alasan="")
    response = post_form(client, f"/usulan/{usulan.id}/ubah", form)
    assert response.status_code == 422 and "terkunci" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).volume == Decimal("150")
    form["alasan"] = "Berita acara perubahan Musrenbang Kelurahan 5 Februari"
    assert post_form(client, f"/usulan/{usulan.id}/ubah", form).status_code == 302
    db.session.expire_all()
    changed = db.session.get(Usulan, usulan.id)
    assert changed.volume == Decimal("120") and changed.total == 120 * 450_000
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "usulan.ubah")).one()
    assert entry.reason.startswith("Berita acara") and entry.changes["volume"] == ["150.00", "120"]


def test_the_lingkungan_cannot_touch_what_it_sent(as_user, region, siklus):
    users = region["users"]
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"],
                        dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
    ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version, stage_key="rembuk_warga")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"])
    client = as_user("ling1")
    assert client.get(f"/usulan/{usulan.id}").status_code == 200  # still readable: it is theirs
    assert "data-action" not in client.get(f"/usulan/{usulan.id}").get_data(as_text=True)


def test_another_unit_cannot_decide_by_guessing_the_id(as_user, region, siklus):
    users = region["users"]
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"],
                        dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
    client = as_user("kel2")
    response = post_form(client, f"/usulan/{usulan.id}/aksi", {"aksi": "ditolak", "tahapan": "rembuk_warga",
                                                              "version": usulan.version, "alasan": "Iseng"},
                         token_from="/usulan/")
    assert response.status_code == 404
    assert _count(Keputusan) == 1  # only its creation


def test_a_batch_of_thousands_goes_up_in_one_transaction(app, region, siklus, clock):
    """3,000 accepted proposals of one agency sent to the Musrenbang RKPD at once."""
    from sqlalchemy import insert

    users, pu = region["users"], region["agencies"]["pu"]
    rows = [dict(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"MDN-2027-9{i:05d}", sumber="kecamatan",
                 bidang="fisik_prasarana", permasalahan="Drainase tersumbat", usulan_kegiatan=f"Normalisasi drainase {i}",
                 volume=Decimal("10"), satuan="m", harga_satuan=1_000_000, total=10_000_000,
                 lokasi_kode="12.71.01.1001", lokasi_wilayah_id=region["units"]["12.71.01.1001"].id,
                 tahapan="forum_pd", status="diterima", perangkat_daerah_id=pu.id, terkunci=True,
                 sub_kegiatan_kode="1.03.10.2.01.0005", pagu=9_000_000, version=1) for i in range(3000)]
    db.session.execute(insert(Usulan), rows)
    db.session.commit()
    clock.set_local("2026-03-20T10:00")
    outcome = ops.send(siklus, "forum_pd", pu.id, users["pu"])
    assert outcome.ok and len(outcome.batch.forwarded) == 3000
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan).where(
        Usulan.tahapan == "musrenbang_rkpd", Usulan.status == "belum_dibahas", Usulan.version == 2)) == 3000
    assert _count(Keputusan) == 3000 and _count(AuditEntry) >= 3000 and _count(Pengiriman) == 1
    # a second send of the same holder is refused: it already sent
    again = ops.send(siklus, "forum_pd", pu.id, users["pu"])
    assert not again.ok and again.refusal.rule == "already_sent"

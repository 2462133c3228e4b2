"""One proposal's whole journey through the operations: lingkungan to the budget."""

from eplanning_core.extensions import db
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan
from eplanning_core.testing.meetings import hold_meeting

ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "Rp 450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah",
        "pengusul_nik": "1271010101010001"}


def _create(siklus, region, **overrides):
    values = dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id, **overrides)
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], values)
    assert outcome.ok, (outcome.errors, outcome.refusal)
    return outcome.usulan


def _act(usulan, user, action, **kw):
    outcome = ops.act(usulan, user, action, expected_version=usulan.version, stage_key=usulan.tahapan, **kw)
    assert outcome.ok, (outcome.refusal, outcome.errors)
    return outcome.usulan


def test_a_proposal_travels_from_the_lingkungan_to_the_budget(siklus, region, clock):
    users = region["users"]
    usulan = _create(siklus, region)
    assert usulan.kode_lacak == "MDN-2027-000001"  # the region's first of the year, whatever its id
    assert usulan.total == 150 * 450_000
    _act(usulan, users["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    usulan = db.session.get(Usulan, usulan.id)
    assert (usulan.tahapan, usulan.status, usulan.terkunci) == ("musrenbang_kelurahan", "belum_dibahas", True)

    clock.set_local("2026-02-05T09:00")
    _act(usulan, users["kel1"], "diterima")
    hold_meeting(siklus, "musrenbang_kelurahan", "12.71.01.1001")
    assert ops.send(siklus, "musrenbang_kelurahan", "12.71.01.1001", users["kel1"]).ok
    usulan = db.session.get(Usulan, usulan.id)

    clock.set_local("2026-02-20T09:00")
    points = {"keterdesakan": 5, "kemiskinan": 4, "pertumbuhan_ekonomi": 3, "potensi_lokasi": 3,
              "manfaat": 4, "partisipasi": 5}
    _act(usulan, users["kec1"], "skor", inputs={"points": points})
    assert usulan.skor is not None and usulan.skor > 0
    _act(usulan, users["kec1"], "rute", inputs={"agency_id": region["agencies"]["pu"].id})
    _act(usulan, users["kec1"], "diterima")
    hold_meeting(siklus, "musrenbang_kecamatan", "12.71.01")
    assert ops.send(siklus, "musrenbang_kecamatan", "12.71.01", users["kec1"]).ok
    usulan = db.session.get(Usulan, usulan.id)
    assert usulan.tahapan == "forum_pd"

    clock.set_local("2026-03-10T09:00")
    _act(usulan, users["pu"], "diterima", inputs={"sub_kegiatan": "1.03.10.2.01.0005", "pagu": 60_000_000,
                                                  "target": "150 m"})
    assert ops.send(siklus, "forum_pd", region["agencies"]["pu"].id, users["pu"]).ok

    clock.set_local("2026-04-10T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    _act(usulan, users["admin"], "diterima")
    assert ops.send(siklus, "musrenbang_rkpd", region["agencies"]["pu"].id, users["admin"]).ok
    clock.set_local("2026-05-10T09:00")
    assert ops.send(siklus, "penetapan_rkpd", region["agencies"]["pu"].id, users["admin"]).ok

    clock.set_local("2026-10-10T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    _act(usulan, users["admin"], "didanai", inputs={"amount": 58_000_000})
    usulan = db.session.get(Usulan, usulan.id)
    assert (usulan.tahapan, usulan.status, usulan.anggaran_jumlah) == ("penganggaran", "didanai", 58_000_000)
    timeline = [k.keputusan for k in db.session.scalars(
        db.select(Keputusan).where(Keputusan.usulan_id == usulan.id).order_by(Keputusan.id))]
    assert timeline == ["buat", "survei_selesai", "kirim", "diterima", "kirim", "rute", "diterima",
                        "kirim", "diterima", "kirim", "diterima", "kirim", "tetapkan", "didanai"]


def test_rejection_without_reason_changes_nothing(siklus, region):
    usulan = _create(siklus, region)
    outcome = ops.act(usulan, region["users"]["ling1"], "ditolak", expected_version=usulan.version,
                      stage_key="rembuk_warga", reason="  ")
    assert not outcome.ok and outcome.refusal.rule == "reason_required"
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "belum_dibahas"


def test_another_kelurahan_cannot_create_in_my_lingkungan(siklus, region):
    values = dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["kel2"], values)
    assert not outcome.ok
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0


def test_stale_version_is_refused(siklus, region):
    usulan = _create(siklus, region)
    stale_version = usulan.version
    _act(usulan, region["users"]["ling1"], "survei_selesai")
    outcome = ops.act(usulan, region["users"]["ling1"], "ditolak", expected_version=stale_version,
                      stage_key="rembuk_warga", reason="Duplikat usulan lain")
    assert outcome.stale

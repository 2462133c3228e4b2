"""A road proposal (Dinas PU) and a Pokir clinic (Dinkes) walked through the stages by the
real operations, up to the Musrenbang RKPD: for the cycle screens and the fault tests."""

from __future__ import annotations

from eplanning_core.extensions import db
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Usulan


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "Rp 450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah"}


CLINIC = dict(ROAD, bidang="sosial_budaya", usulan_kegiatan="Rehabilitasi Posyandu Melati",
              permasalahan="Atap posyandu bocor", volume="1", satuan="unit", harga_satuan="Rp 80.000.000")


def create_at(siklus, region, stage, username, unit, values=ROAD):
    outcome = ops.create(siklus, stage, region["users"][username],
                         dict(values, lokasi_wilayah_id=region["units"][unit].id))
    assert outcome.ok, (outcome.errors, outcome.refusal)
    return outcome.usulan


def act_at_stage(usulan, user, action, **kw):
    usulan = db.session.get(Usulan, usulan.id)
    outcome = ops.act(usulan, user, action, expected_version=usulan.version, stage_key=usulan.tahapan, **kw)
    assert outcome.ok, (outcome.refusal, outcome.errors)
    return outcome.usulan


def send_on(siklus, stage, holder, user):
    hold_meeting(siklus, stage, holder)
    outcome = ops.send(siklus, stage, holder, user)
    assert outcome.ok, outcome.refusal


def at_kecamatan(siklus, region, clock):
    """A road proposal of Kelurahan Pasar Baru, accepted and routed at the kecamatan."""
    users = region["users"]
    clock.set_local("2026-02-05T09:00")
    road = create_at(siklus, region, "musrenbang_kelurahan", "kel1", "12.71.01.1001")
    act_at_stage(road, users["kel1"], "diterima")
    send_on(siklus, "musrenbang_kelurahan", "12.71.01.1001", users["kel1"])
    clock.set_local("2026-02-20T09:00")
    act_at_stage(road, users["kec1"], "rute", inputs={"agency_id": region["agencies"]["pu"].id})
    act_at_stage(road, users["kec1"], "diterima")
    return road


def at_rkpd(siklus, region, clock):
    """The road (musrenbang, Dinas PU) and a Pokir clinic (Dinkes), both at Musrenbang RKPD."""
    users, agencies = region["users"], region["agencies"]
    road = at_kecamatan(siklus, region, clock)
    send_on(siklus, "musrenbang_kecamatan", "12.71.01", users["kec1"])
    clinic = create_at(siklus, region, "pokir", "dprd1", "12.71.01.1001", CLINIC)
    for action, kw in (("periksa", {}), ("diterima", {}), ("rute", {"inputs": {"agency_id": agencies["dinkes"].id}})):
        act_at_stage(clinic, users["admin"], action, **kw)
    send_on(siklus, "pokir", users["dprd1"].id, users["admin"])
    clock.set_local("2026-03-10T09:00")
    act_at_stage(road, users["pu"], "diterima", inputs={"sub_kegiatan": "1.03.10.2.01.0005", "pagu": 60_000_000,
                                                "target": "150 m"})
    send_on(siklus, "forum_pd", agencies["pu"].id, users["pu"])
    act_at_stage(clinic, users["admin"], "diterima", inputs={"sub_kegiatan": "1.02.02.2.01.0014", "pagu": 75_000_000,
                                                     "target": "1 unit"})
    send_on(siklus, "forum_pd", agencies["dinkes"].id, users["admin"])
    clock.set_local("2026-04-10T09:00")
    return db.session.get(Usulan, road.id), db.session.get(Usulan, clinic.id)

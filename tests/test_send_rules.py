"""Sending needs the unit's meeting on record, whoever sends: the operation refuses, not a page.

The rule is data of the stage kind (``StageKind.meeting``); the send operation, Bappeda's
send-all and the API all answer with the same refusal, rule ``meeting_incomplete``.
"""

from eplanning_core import workflow
from eplanning_core.extensions import db
from eplanning_core.rapat import operations as rapat_ops
from eplanning_core.siklus import rkpd as plan
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Pengiriman, Usulan

ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah"}
LING, KEL_UNIT, KEL = "12.71.01.1001.01", "12.71.01.1001", "musrenbang_kelurahan"


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _accepted_at_the_village(siklus, region, clock):
    """One proposal sent up from Rembuk Warga and accepted by the kelurahan."""
    users = region["users"]
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"],
                        dict(ROAD, lokasi_wilayah_id=region["units"][LING].id)).usulan
    assert ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version,
                   stage_key="rembuk_warga").ok
    hold_meeting(siklus, "rembuk_warga", LING)
    assert ops.send(siklus, "rembuk_warga", LING, users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    assert ops.act(usulan, users["kel1"], "diterima", expected_version=usulan.version, stage_key=KEL).ok
    return db.session.get(Usulan, usulan.id)


def test_the_meeting_requirement_is_data_of_the_unit_meeting_kinds():
    needing = {key for key, kind in workflow.KINDS.items() if kind.needs_meeting}
    assert needing == {"rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan"}
    village = workflow.KINDS["musrenbang_desa"].meeting
    assert (village.berita_acara, village.delegates, village.delegates_to_send) == (True, (3, 3), True)
    assert not workflow.KINDS["rembuk_warga"].meeting.berita_acara  # made after sending (Medan's SOP)
    assert "meeting_incomplete" in workflow.RULES  # an engine rule: the caller tells what is missing


def test_a_village_batch_without_its_meeting_is_refused_by_the_send_operation(siklus, region, clock):
    usulan = _accepted_at_the_village(siklus, region, clock)
    sends, decisions = _count(Pengiriman), _count(Keputusan)

    outcome = ops.send(siklus, KEL, KEL_UNIT, region["users"]["kel1"])

    assert not outcome.ok and outcome.refusal.rule == "meeting_incomplete"
    assert outcome.refusal.params["missing"] == ["meeting"]
    assert outcome.refusal.params["holder"] == KEL_UNIT
    db.session.expire_all()
    moved = db.session.get(Usulan, usulan.id)
    assert (moved.tahapan, moved.status, moved.version) == (KEL, "diterima", usulan.version)
    assert (_count(Pengiriman), _count(Keputusan)) == (sends, decisions)
    dry = ops.send(siklus, KEL, KEL_UNIT, region["users"]["kel1"], dry_run=True)
    assert dry.refusal.rule == "meeting_incomplete" and dry.batch is None


def test_the_refusal_names_what_the_meeting_still_lacks_until_nothing_does(siklus, region, clock):
    _accepted_at_the_village(siklus, region, clock)
    kel1 = region["users"]["kel1"]
    hold_meeting(siklus, KEL, KEL_UNIT, berita_acara=False)
    refusal = ops.send(siklus, KEL, KEL_UNIT, kel1).refusal
    assert refusal.rule == "meeting_incomplete" and refusal.params["missing"] == ["berita_acara"]
    [sentence] = rapat_ops.send_blockers(siklus, KEL, KEL_UNIT)  # the meeting page's words
    assert "berita acara" in sentence and "Pasar Baru" in sentence

    hold_meeting(siklus, KEL, KEL_UNIT)
    outcome = ops.send(siklus, KEL, KEL_UNIT, kel1)
    assert outcome.ok and len(outcome.batch.forwarded) == 1
    assert _count(Pengiriman) == 2


def test_bappedas_send_all_refuses_a_unit_batch_without_its_meeting_too(siklus, region, clock):
    _accepted_at_the_village(siklus, region, clock)
    result = plan.send_all(siklus, KEL, region["users"]["admin"])
    assert not result.ok and [(h, r.rule) for h, r in result.refusals] == [(KEL_UNIT, "meeting_incomplete")]
    assert _count(Pengiriman) == 1  # only the Rembuk Warga's send


def test_stages_of_agencies_need_no_meeting(siklus, region, clock):
    assert not workflow.KINDS["forum_pd"].needs_meeting
    assert rapat_ops.meeting_missing(siklus, "forum_pd", region["agencies"]["pu"].id) is None

"""The small region the workflow engine tests share: no database, no Flask.

Kota Medan in miniature: kecamatan 12.71.01 (kelurahan 1001 with lingkungan 01 and 02,
kelurahan 1002 with lingkungan 01) and 12.71.02 (kelurahan 1001 with lingkungan 01); two
agencies (PU, KES); two DPRD members; one account of every other role.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from eplanning_core.workflow import (Actor, ProposalState, cycle_from_config,
                                     default_stage_config)
from eplanning_core.workflow.moves import BAPPEDA, DECIDER, SETWAN, move_for
from eplanning_core.workflow.units import ancestor

WIB = ZoneInfo("Asia/Jakarta")
UTC = ZoneInfo("UTC")

KEC1, KEC2 = "12.71.01", "12.71.02"
KEL1, KEL2, KEL3 = "12.71.01.1001", "12.71.01.1002", "12.71.02.1001"
LING1, LING2, LING3, LING4 = (KEL1 + ".01", KEL1 + ".02", KEL2 + ".01", KEL3 + ".01")
PU, KES = "pu", "kes"

ACTORS = {
    "bappeda": Actor(1, "bappeda"),
    "ling1": Actor(2, "operator", unit_code=LING1),
    "ling2": Actor(3, "operator", unit_code=LING2),
    "ling4": Actor(4, "operator", unit_code=LING4),
    "kel1": Actor(5, "operator", unit_code=KEL1),
    "kel2": Actor(6, "operator", unit_code=KEL2),
    "kel3": Actor(7, "operator", unit_code=KEL3),
    "kec1": Actor(8, "operator", unit_code=KEC1),
    "kec2": Actor(9, "operator", unit_code=KEC2),
    "pu": Actor(10, "operator_pd", agency_id=PU),
    "kes": Actor(11, "operator_pd", agency_id=KES),
    "dprd1": Actor(20, "dprd", dapil=(KEC1,)),
    "dprd2": Actor(21, "dprd", dapil=(KEC2,)),
    "setwan": Actor(30, "setwan"),
    "viewer": Actor(40, "viewer"),
}

#: A moment inside each default stage window of the RKPD 2027 cycle (planned in 2026).
DURING = {
    "rembuk_warga": datetime(2026, 1, 20, 10, tzinfo=WIB),
    "musrenbang_desa": datetime(2026, 2, 5, 10, tzinfo=WIB),
    "musrenbang_kecamatan": datetime(2026, 2, 20, 10, tzinfo=WIB),
    "pokir": datetime(2026, 2, 18, 10, tzinfo=WIB),       # entry still open
    "forum_pd": datetime(2026, 3, 10, 10, tzinfo=WIB),
    "musrenbang_rkpd": datetime(2026, 4, 10, 10, tzinfo=WIB),
    "penetapan_rkpd": datetime(2026, 5, 10, 10, tzinfo=WIB),
    "penganggaran": datetime(2026, 8, 1, 10, tzinfo=WIB),
}

GOOD_SUB = "1.03.10.2.01.05"


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def item(ident, stage_key, **fields) -> ProposalState:
    """A proposal at ``stage_key`` with sensible defaults for that stage."""
    defaults = {"unit_code": LING1, "total": 10_000_000}
    if stage_key in ("forum_pd", "musrenbang_rkpd", "penetapan_rkpd", "penganggaran"):
        defaults.update(agency_id=PU)
    if stage_key in ("musrenbang_rkpd", "penetapan_rkpd", "penganggaran"):
        defaults.update(sub_kegiatan=GOOD_SUB, pagu=9_000_000)
    if stage_key != "rembuk_warga" and stage_key != "pokir":
        defaults.update(locked=True, surveyed=True)
    defaults.update(fields)
    return ProposalState(ident, stage_key, **defaults)


# ---- a cycle whose windows are all open, for the property-based tests ----------------------

# Every window open through 2026 so random walks can reach the end; limits small so
# random batches hit them.
_LIMITS = {
    "rembuk_warga": {"quota": 1},
    "musrenbang_desa": {"quota": 2, "ceiling": 40},
    "musrenbang_kecamatan": {"quota": 2, "ceiling": {"default": 60, "overrides": {KEC2: 30}}},
    "pokir": {"ceiling": 80, "entry_closes": date(2026, 6, 30)},
    "forum_pd": {"ceiling": 150},
    "musrenbang_rkpd": {"ceiling": {"overrides": {PU: 90}}},
}


def open_cycle():
    """The default stages, all open through 2026, with small quotas and ceilings."""
    config = default_stage_config(2027)
    for stage in config:
        stage.update(opens=date(2026, 1, 1), closes=date(2026, 12, 31))
        stage.pop("entry_closes", None)
        stage.update(_LIMITS.get(stage["key"], {}))
    return cycle_from_config(2027, config, "Asia/Jakarta")


OPEN_CYCLE = open_cycle()
STAGES = [s.key for s in OPEN_CYCLE.stages]
IN = wib(2026, 5, 1, 10)
TIMES = [IN, IN, IN, IN, wib(2025, 12, 31, 23, 59), wib(2027, 1, 1, 0, 0),
         wib(2026, 7, 15, 9)]  # the last: pokir entry closed, its window still open
UNIT_ACTOR = {a.unit_code: name for name, a in ACTORS.items() if a.unit_code}
AGENCY_ACTOR = {a.agency_id: name for name, a in ACTORS.items() if a.agency_id}
USER_ACTOR = {a.user_id: name for name, a in ACTORS.items()}
REASON = "Alasan dicatat di berita acara"
STATIC_RULES = {"unknown_stage", "decision_not_allowed", "stage_closed", "wrong_role",
                "out_of_scope", "outside_window", "already_sent", "wrong_status", "already_done",
                "sent_reopen", "plan_set"}
POINTS = {c.key: c.max for c in OPEN_CYCLE.stage("musrenbang_kecamatan").criteria}


def decider_name(state: ProposalState, action: str) -> str:
    """The actor who would normally do ``action`` on ``state``."""
    stage = OPEN_CYCLE.stage(state.stage_key)
    move = move_for(stage.kind, action)
    who = move.who if move else (DECIDER, BAPPEDA)
    if DECIDER not in who:
        return "setwan" if SETWAN in who else "bappeda"
    level = stage.level
    if level.is_unit:
        return UNIT_ACTOR.get(ancestor(state.unit_code, level.depth), "bappeda")
    if level.is_pd:
        return AGENCY_ACTOR.get(state.agency_id, "bappeda")
    if level.is_member:
        return USER_ACTOR.get(state.owner_id, "bappeda")
    return "bappeda"


def good_inputs(state: ProposalState, action: str) -> dict:
    """Inputs that satisfy every input guard of ``action`` on ``state``."""
    stage = OPEN_CYCLE.stage(state.stage_key)
    move = move_for(stage.kind, action)
    if move is None:
        return {}
    wanted = {
        "sub_kegiatan": GOOD_SUB, "pagu": max(1, state.total // 2), "target": "100 m",
        "agency_id": KES if state.agency_id == PU else PU, "priority": 1,
        "amount": max(1, state.amount), "fields": ["permasalahan"], "points": POINTS,
    }
    return {n: wanted[n] for n in move.needs + move.accepts if n in wanted}

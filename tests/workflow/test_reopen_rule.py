"""Reopening a decision ("buka_kembali"): who may, when, and what it writes (issue 14, point 3).

The rule is data in the move table: the decider while its holder has not sent, Bappeda
afterwards while the stage's window is open, never once the RKPD is set, always with a reason.
"""

from __future__ import annotations

import dataclasses

import pytest

from eplanning_core.workflow import Refused, allowed, apply, check, default_cycle
from eplanning_core.workflow.moves import BAPPEDA, SETWAN, move_for
from workflow_region import ACTORS, DURING, KEL1, KEL2, LING1, PU, item, wib

A = ACTORS
CYCLE = default_cycle(2027)
FIXED = dataclasses.replace(CYCLE, fixed=True)
REOPEN = "buka_kembali"
WHY = "Salah klik: usulan ini tidak ditolak oleh forum"

# (case, cycle, item, actor, moment, reason, expected rule or None)
CASES = [
    ("kelurahan corrects its own rejection", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak"), "kel1", "musrenbang_desa", WHY, None),
    ("kelurahan corrects an acceptance", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="diterima"), "kel1", "musrenbang_desa", WHY, None),
    ("village funds decision reopened", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="dana_desa"), "kel1", "musrenbang_desa", WHY, None),
    ("a reason is mandatory", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak"), "kel1", "musrenbang_desa", "  ",
     "reason_required"),
    ("no reason at all", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak"), "kel1", "musrenbang_desa", None,
     "reason_required"),
    ("the decider, once its holder sent", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak", closed=True), "kel1",
     "musrenbang_desa", WHY, "sent_reopen"),
    ("Bappeda, once the holder sent, inside the window", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak", closed=True), "bappeda",
     "musrenbang_desa", WHY, None),
    ("Bappeda, once the window closed", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak", closed=True), "bappeda",
     wib(2026, 2, 15, 0, 0), WHY, "outside_window"),
    ("the decider, once the window closed", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak"), "kel1",
     wib(2026, 2, 15, 0, 0), WHY, "outside_window"),
    ("the RKPD is set: the decider", FIXED,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak"), "kel1", "musrenbang_desa", WHY,
     "plan_set"),
    ("the RKPD is set: Bappeda", FIXED,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak", closed=True), "bappeda",
     "musrenbang_desa", WHY, "plan_set"),
    ("another kelurahan", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak"), "kel2", "musrenbang_desa", WHY,
     "out_of_scope"),
    ("nothing decided yet", CYCLE,
     item(1, "musrenbang_desa", unit_code=KEL1), "kel1", "musrenbang_desa", WHY, "wrong_status"),
    ("a lingkungan corrects its rejection", CYCLE,
     item(1, "rembuk_warga", unit_code=LING1, status="ditolak"), "ling1", "rembuk_warga", WHY, None),
    ("Setwan corrects its rejection of a Pokir", CYCLE,
     item(1, "pokir", unit_code=KEL1, owner_id=20, status="ditolak"), "setwan", "pokir", WHY, None),
    ("Setwan corrects its check of a Pokir", CYCLE,
     item(1, "pokir", unit_code=KEL1, owner_id=20, status="diperiksa"), "setwan", "pokir", WHY, None),
    ("the member may not undo Setwan's rejection", CYCLE,
     item(1, "pokir", unit_code=KEL1, owner_id=20, status="ditolak"), "dprd1", "pokir", WHY,
     "wrong_role"),
    ("Setwan, once the member sent", CYCLE,
     item(1, "pokir", unit_code=KEL1, owner_id=20, status="ditolak", closed=True), "setwan", "pokir",
     WHY, "sent_reopen"),
    ("an agency corrects its rejection", CYCLE,
     item(1, "forum_pd", agency_id=PU, status="ditolak"), "pu", "forum_pd", WHY, None),
    ("another agency", CYCLE,
     item(1, "forum_pd", agency_id=PU, status="ditolak"), "kes", "forum_pd", WHY, "out_of_scope"),
    ("Bappeda at the Musrenbang RKPD", CYCLE,
     item(1, "musrenbang_rkpd", status="ditolak"), "bappeda", "musrenbang_rkpd", WHY, None),
    ("the budget outcome is not reopened", CYCLE,
     item(1, "penganggaran", status="didanai", funded_amount=5), "bappeda", "penganggaran", WHY,
     "decision_not_allowed"),
]


@pytest.mark.parametrize("case, cycle, state, who, when, reason, rule", CASES,
                         ids=[c[0] for c in CASES])
def test_who_may_reopen_and_when(case, cycle, state, who, when, reason, rule):
    now = DURING[when] if isinstance(when, str) else when
    refusal = check(cycle, state, A[who], REOPEN, now, reason=reason)
    assert (refusal.rule if refusal else None) == rule, (case, refusal)
    listed = REOPEN in [a.name for a in allowed(cycle, state, A[who], now)]
    if rule is None:
        assert listed
        transition = apply(cycle, state, A[who], REOPEN, now, reason=reason)
        new = transition.applied_to(state)
        assert (new.stage_key, new.status, new.closed) == (state.stage_key, "belum_dibahas", False)
        event = transition.event
        assert (event.type, event.from_status, event.to_status) == (REOPEN, state.status,
                                                                    "belum_dibahas")
        assert event.reason == reason.strip() and event.from_stage == event.to_stage
        # everything else the proposal carries is kept: its total, mapping, lock
        assert dataclasses.replace(new, status=state.status, closed=state.closed) == state
    else:
        with pytest.raises(Refused) as exc:
            apply(cycle, state, A[who], REOPEN, now, reason=reason)
        assert exc.value.refusal == refusal
        if rule in ("sent_reopen", "plan_set", "out_of_scope", "wrong_status", "outside_window",
                    "wrong_role", "decision_not_allowed"):
            assert not listed


def test_the_rule_is_data_in_the_move_table():
    for kind in ("rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan", "forum_pd",
                 "musrenbang_rkpd", "pokir"):
        move = move_for(kind, REOPEN)
        assert move.reason and move.to_status == "belum_dibahas"
        assert move.after_send == (BAPPEDA,)
        assert "plan_open" in move.guards
        assert "belum_dibahas" not in move.from_status
    assert move_for("pokir", REOPEN).who == (SETWAN, BAPPEDA)
    assert move_for("penganggaran", REOPEN) is None and move_for("penetapan_rkpd", REOPEN) is None


def test_reopened_proposal_can_be_decided_again():
    state = item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak")
    now = DURING["musrenbang_desa"]
    reopened = apply(CYCLE, state, A["kel1"], REOPEN, now, reason=WHY).applied_to(state)
    accepted = apply(CYCLE, reopened, A["kel1"], "diterima", now).applied_to(reopened)
    assert accepted.status == "diterima"
    assert check(CYCLE, reopened, A["kel2"], "diterima", now).rule == "out_of_scope"
    assert KEL2 != KEL1

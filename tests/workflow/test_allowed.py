"""``allowed`` and ``check`` agree on any proposal, actor and moment, reachable or not."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from eplanning_core.workflow import STATUSES, ProposalState, Refused, allowed, apply, check
from eplanning_core.workflow.moves import ACTIONS
from workflow_region import (ACTORS, GOOD_SUB, KEL1, KES, LING1, LING2, LING3, LING4, OPEN_CYCLE,
                             PU, REASON, STAGES, STATIC_RULES, TIMES, good_inputs)

CYCLE = OPEN_CYCLE

states = st.builds(
    ProposalState,
    id=st.integers(1, 99),
    stage_key=st.sampled_from(STAGES),
    status=st.sampled_from(STATUSES),
    unit_code=st.sampled_from([LING1, LING2, LING3, LING4, KEL1, None]),
    agency_id=st.sampled_from([PU, KES, None]),
    owner_id=st.sampled_from([20, 21, None]),
    total=st.integers(0, 10**12),
    surveyed=st.booleans(), locked=st.booleans(), closed=st.booleans(),
    score=st.sampled_from([None, Decimal("12.5")]),
    sub_kegiatan=st.sampled_from([None, GOOD_SUB]),
    pagu=st.sampled_from([None, 1, 5_000_000]),
)


@settings(max_examples=200, deadline=None)
@given(states, st.sampled_from(sorted(ACTORS)), st.sampled_from(TIMES))
def test_allowed_lists_exactly_what_good_inputs_make_pass(state, who, now):
    actor = ACTORS[who]
    names = {a.name for a in allowed(CYCLE, state, actor, now)}
    for action in ACTIONS:
        inputs = good_inputs(state, action)
        refusal = check(CYCLE, state, actor, action, now, reason=REASON, **inputs)
        if action in names:
            assert refusal is None, (action, refusal)
        else:
            assert refusal is not None and refusal.rule in STATIC_RULES, (action, refusal)
            try:
                apply(CYCLE, state, actor, action, now, reason=REASON, **inputs)
            except Refused as exc:
                assert exc.refusal == refusal
            else:
                raise AssertionError(f"{action} applied although not allowed")


def test_allowed_tells_the_form_what_to_ask(cycle):
    from workflow_region import DURING, item

    specs = {a.name: a for a in allowed(cycle, item(1, "forum_pd"), ACTORS["pu"],
                                        DURING["forum_pd"])}
    assert set(specs) == {"diterima", "diterima_dengan_perubahan", "ditolak", "ubah", "skor",
                          "alihkan"}
    assert specs["ditolak"].needs_reason and not specs["diterima"].needs_reason
    assert specs["diterima"].optional == ("sub_kegiatan", "pagu", "target")
    assert specs["alihkan"].inputs == ("agency_id",)
    assert specs["ubah"].needs_reason, "sent up: editing needs a reason"
    assert allowed(cycle, item(1, "forum_pd"), ACTORS["kes"], DURING["forum_pd"]) == []

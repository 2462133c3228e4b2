"""Random sequences of actions by random actors on proposals of a small region.

The machine plays the database: it keeps every proposal and every history event, and after
each step checks the invariants the planning cycle promises to citizens and auditors.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from eplanning_core.workflow import (ProposalState, Refused, allowed, apply, check,
                                     check_create, check_send, create, send)
from eplanning_core.workflow.moves import ACTIONS as MOVE_ACTIONS
from eplanning_core.workflow.moves import move_for
from eplanning_core.workflow.units import ancestor
from workflow_region import (ACTORS, GOOD_SUB, IN, KEC1, KEC2, KEL1, KEL2, KEL3, KES, LING1,
                             LING2, LING3, LING4, OPEN_CYCLE, POINTS, PU, REASON, STAGES,
                             STATIC_RULES, TIMES, UNIT_ACTOR, decider_name, good_inputs)

CYCLE = OPEN_CYCLE
UNITS = [LING1, LING2, LING3, LING4, KEL1, KEL2, KEL3, KEC1, KEC2]
ACTOR_NAMES = sorted(ACTORS)
ACTIONS = sorted(set(MOVE_ACTIONS) | {"kirim"})  # "kirim" is a batch, never one proposal
SAMPLES = {
    "total": [None, 0, 3, 25, 1.5],
    "sub_kegiatan": [None, GOOD_SUB, "1.03"],
    "pagu": [None, 1, 20, 70, 0],
    "target": [None, "100 m", ""],
    "agency_id": [None, PU, KES],
    "priority": [None, 0, 1, 2],
    "amount": [None, 0, 10],
    "fields": [None, ["permasalahan"], ["volume"], []],
    "points": [None, POINTS, {**POINTS, "manfaat": 9}, {}],
}


class PlanningCycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.items: dict[int, ProposalState] = {}
        self.history: dict[int, list] = {}
        self.sent: dict[tuple[str, object], tuple[int, int]] = {}
        self.created = 0

    # ---- helpers ------------------------------------------------------------------------

    def _holder_for_new(self, stage_key, actor, unit):
        stage = CYCLE.stage(stage_key)
        if stage.level.is_unit:
            return ancestor(unit, stage.level.depth) if unit else None
        return actor.agency_id if stage.level.is_pd else actor.user_id

    def _do(self, state, actor_name, action, inputs, reason, now):
        actor = ACTORS[actor_name]
        refusal = check(CYCLE, state, actor, action, now, reason=reason, **inputs)
        names = [a.name for a in allowed(CYCLE, state, actor, now)]
        if refusal is None or refusal.rule not in STATIC_RULES:
            assert action in names, (action, refusal)
        else:
            assert action not in names, (action, refusal)
        if refusal is not None:
            try:
                apply(CYCLE, state, actor, action, now, reason=reason, **inputs)
            except Refused as exc:
                assert exc.refusal == refusal
            else:
                raise AssertionError("apply did what check refused")
            return
        t = apply(CYCLE, state, actor, action, now, reason=reason, **inputs)
        new = t.applied_to(state)
        e = t.event
        assert t.proposal_id == state.id == e.proposal_id
        assert e.type == action and e.at == now and e.actor_id == actor.user_id
        assert e.from_stage == e.to_stage == state.stage_key == new.stage_key, \
            "only sending moves a proposal between stages"
        assert (e.from_status, e.to_status) == (state.status, new.status)
        assert set(t.changes) <= {f.name for f in dataclasses.fields(ProposalState)}
        if action == "buka_kembali":
            assert state.status != "belum_dibahas" and new.status == "belum_dibahas"
            assert not new.closed and new.locked == state.locked
            assert not state.closed or actor.role == "bappeda", \
                "after sending only Bappeda reopens a decision"
        self.items[state.id] = new
        self.history[state.id].append(e)

    # ---- rules --------------------------------------------------------------------------

    @rule(stage=st.sampled_from(STAGES), who=st.sampled_from(ACTOR_NAMES),
          unit=st.sampled_from(UNITS + [None]), total=st.integers(0, 50),
          now=st.sampled_from(TIMES))
    def enter(self, stage, who, unit, total, now):
        actor = ACTORS[who]
        holder = self._holder_for_new(stage, actor, unit)
        sent = (stage, holder) in self.sent
        refusal = check_create(CYCLE, stage, actor, now, unit_code=unit, total=total,
                               already_sent=sent)
        if refusal is not None:
            try:
                create(CYCLE, stage, actor, now, unit_code=unit, total=total, already_sent=sent)
            except Refused as exc:
                assert exc.refusal == refusal
            else:
                raise AssertionError("create did what check_create refused")
            return
        creation = create(CYCLE, stage, actor, now, unit_code=unit, total=total,
                          already_sent=sent)
        self.created += 1
        ident = self.created
        state = dataclasses.replace(creation.state, id=ident)
        assert CYCLE.holder_of(state) == holder
        assert creation.event.type == "buat" and creation.event.to_stage == stage
        self.items[ident] = state
        self.history[ident] = [dataclasses.replace(creation.event, proposal_id=ident)]

    @precondition(lambda self: self.items)
    @rule(pick=st.integers(0, 10_000), who=st.sampled_from(ACTOR_NAMES),
          action=st.sampled_from(ACTIONS), data=st.data(),
          reason=st.sampled_from([None, "", "ok", REASON]), now=st.sampled_from(TIMES))
    def anyone_does_anything(self, pick, who, action, data, reason, now):
        state = self.items[sorted(self.items)[pick % len(self.items)]]
        move = move_for(CYCLE.stage(state.stage_key).kind, action)
        names = (move.needs + move.accepts) if move else ()
        inputs = {n: data.draw(st.sampled_from(SAMPLES[n]), label=n) for n in names}
        self._do(state, who, action, inputs, reason, now)

    @precondition(lambda self: self.items)
    @rule(pick=st.integers(0, 10_000), data=st.data())
    def the_right_actor_decides(self, pick, data):
        state = self.items[sorted(self.items)[pick % len(self.items)]]
        options = [a.name for a in allowed(CYCLE, state, ACTORS["bappeda"], IN)]
        if not options:
            return
        action = data.draw(st.sampled_from(options), label="action")
        # once its holder sent, only Bappeda acts on what stayed behind (a reopen)
        who = "bappeda" if state.closed else decider_name(state, action)
        names = [a.name for a in allowed(CYCLE, state, ACTORS[who], IN)]
        assert action in names, f"{who} should be able to {action} at {state.stage_key}"
        inputs = good_inputs(state, action)
        assert check(CYCLE, state, ACTORS[who], action, IN, reason=REASON, **inputs) is None
        self._do(state, who, action, inputs, REASON, IN)

    @precondition(lambda self: any(s.status != "belum_dibahas" for s in self.items.values()))
    @rule(pick=st.integers(0, 10_000))
    def a_mistake_is_corrected(self, pick):
        """A decided proposal is reopened by whoever may (its decider, or Bappeda once sent)."""
        decided = sorted(i for i, s in self.items.items() if s.status != "belum_dibahas")
        state = self.items[decided[pick % len(decided)]]
        who = "bappeda" if state.closed else decider_name(state, "buka_kembali")
        refusal = check(CYCLE, state, ACTORS[who], "buka_kembali", IN, reason=REASON)
        if move_for(CYCLE.stage(state.stage_key).kind, "buka_kembali") is None or \
                state.status in ("didanai", "tidak_didanai"):
            assert refusal is not None
            return
        assert refusal is None, (who, state, refusal)
        self._do(state, who, "buka_kembali", {}, REASON, IN)

    @rule(unit=st.sampled_from([LING1, LING2, LING4, KEL1, KEL3, KEC1, KEC2]),
          totals=st.lists(st.integers(0, 40), min_size=1, max_size=3), pokir=st.booleans())
    def the_right_actor_enters(self, unit, totals, pokir):
        """A meeting enters one to three proposals of one unit (or one member's Pokir)."""
        for total in totals:
            if pokir:
                who = "dprd1" if unit.startswith(KEC1) else "dprd2"
                self.enter("pokir", who, unit, total, IN)
            else:
                stage = {3: "rembuk_warga", 2: "musrenbang_desa", 1: "musrenbang_kecamatan"}[
                    unit.count(".") - 1]
                self.enter(stage, UNIT_ACTOR[unit], unit, total, IN)

    @precondition(lambda self: self.items)
    @rule(pick=st.integers(0, 10_000), data=st.data())
    def the_holder_holds_its_meeting_and_sends(self, pick, data):
        """Decide every open proposal of one holder the usual way, then send."""
        first = self.items[sorted(self.items)[pick % len(self.items)]]
        stage = CYCLE.stage(first.stage_key)
        holder = CYCLE.holder_of(first)
        group = [i for i, s in self.items.items()
                 if s.stage_key == stage.key and CYCLE.holder_of(s) == holder and not s.closed]
        decisions = [d for d in stage.decisions if d != "ditolak"] or list(stage.decisions)
        for ident in group:
            steps = {"rembuk_warga": ["survei_selesai"], "pokir": ["periksa", "diterima", "rute"],
                     "musrenbang_kecamatan": ["skor", None, "rute"]}.get(stage.kind, [None])
            for action in steps:
                state = self.items[ident]
                if action is None:
                    if not decisions:
                        continue
                    action = data.draw(st.sampled_from(decisions + ["ditolak"] * (
                        "ditolak" in stage.decisions)), label="decision")
                if action not in [a.name for a in allowed(CYCLE, state, ACTORS["bappeda"], IN)]:
                    continue
                self._do(state, decider_name(state, action), action, good_inputs(state, action),
                         REASON, IN)
        if stage.next:
            self._send(stage.key, holder, decider_name(first, "kirim"), IN)

    def _send(self, stage_key, holder, who, now, to_stage=None):
        actor = ACTORS[who]
        stage = CYCLE.stage(stage_key)
        batch_items = [s for s in self.items.values()
                       if s.stage_key == stage_key and CYCLE.holder_of(s, stage) == holder]
        sent = (stage_key, holder) in self.sent
        refusal = check_send(CYCLE, stage_key, holder, batch_items, actor, now,
                             already_sent=sent, to_stage=to_stage)
        if refusal is not None:
            try:
                send(CYCLE, stage_key, holder, batch_items, actor, now, already_sent=sent,
                     to_stage=to_stage)
            except Refused as exc:
                assert exc.refusal == refusal
            else:
                raise AssertionError("send did what check_send refused")
            return
        batch = send(CYCLE, stage_key, holder, batch_items, actor, now, already_sent=sent,
                     to_stage=to_stage)
        assert sorted(t.proposal_id for t in batch.transitions) == \
            sorted(s.id for s in batch_items), "every item of the batch gets one transition"
        nxt = CYCLE.next_stage(stage_key).key
        for t in batch.transitions:
            old = self.items[t.proposal_id]
            new = t.applied_to(old)
            assert new.stage_key in (stage_key, nxt)
            self.items[t.proposal_id] = new
            self.history[t.proposal_id].append(t.event)
        assert batch.count == sum(1 for t in batch.forwarded)
        self.sent[(stage_key, holder)] = (batch.count, batch.total)

    @precondition(lambda self: self.items)
    @rule(stage=st.sampled_from(STAGES), pick=st.integers(0, 10_000),
          who=st.sampled_from(ACTOR_NAMES), now=st.sampled_from(TIMES),
          to_stage=st.sampled_from([None] * 4 + STAGES))
    def anyone_sends(self, stage, pick, who, now, to_stage):
        holders = sorted({str(CYCLE.holder_of(s)) for s in self.items.values()})
        by_text = {str(CYCLE.holder_of(s)): CYCLE.holder_of(s) for s in self.items.values()}
        self._send(stage, by_text[holders[pick % len(holders)]], who, now, to_stage)

    @precondition(lambda self: self.items)
    @rule(pick=st.integers(0, 10_000), now=st.sampled_from(TIMES))
    def the_holder_sends(self, pick, now):
        state = self.items[sorted(self.items)[pick % len(self.items)]]
        holder = CYCLE.holder_of(state)
        self._send(state.stage_key, holder, decider_name(state, "kirim"), now)

    @precondition(lambda self: self.items)
    @rule(pick=st.integers(0, 10_000), action=st.sampled_from(ACTIONS),
          now=st.sampled_from(TIMES), reason=st.sampled_from([None, REASON]))
    def the_right_actor_at_any_time(self, pick, action, now, reason):
        state = self.items[sorted(self.items)[pick % len(self.items)]]
        self._do(state, decider_name(state, action), action, good_inputs(state, action), reason,
                 now)

    # ---- invariants ---------------------------------------------------------------------

    @invariant()
    def every_proposal_is_in_exactly_one_place(self):
        assert len(self.items) == self.created == len(self.history)
        places = {}
        for state in self.items.values():
            assert CYCLE.stage(state.stage_key) is not None
            places.setdefault((state.stage_key, str(CYCLE.holder_of(state))), []).append(state.id)
        assert sum(len(v) for v in places.values()) == self.created

    @invariant()
    def history_replays_to_the_current_state_without_skipping(self):
        for ident, events in self.history.items():
            first, *rest = events
            assert first.type == "buat" and first.from_stage is None
            stage, status = first.to_stage, first.to_status
            for e in rest:
                assert e.proposal_id == ident
                assert (e.from_stage, e.from_status) == (stage, status), \
                    "a change happened without its history event"
                if e.to_stage != e.from_stage:
                    assert CYCLE.next_stage(e.from_stage).key == e.to_stage, "a stage was skipped"
                stage, status = e.to_stage, e.to_status
            state = self.items[ident]
            assert (state.stage_key, state.status) == (stage, status)

    @invariant()
    def every_rejection_or_change_has_a_reason(self):
        for events in self.history.values():
            for e in events:
                if e.type in ("ditolak", "diterima_dengan_perubahan", "alihkan", "buka_kembali"):
                    assert e.reason and len(e.reason.strip()) >= 3

    @invariant()
    def nothing_sent_exceeds_its_quota_or_ceiling(self):
        for (stage_key, holder), (count, total) in self.sent.items():
            stage = CYCLE.stage(stage_key)
            quota = stage.quota.for_holder(holder) if stage.quota else None
            ceiling = stage.ceiling.for_holder(holder) if stage.ceiling else None
            assert quota is None or count <= quota
            assert ceiling is None or total <= ceiling

    @invariant()
    def only_a_sent_holder_has_closed_items_and_sent_items_are_locked(self):
        for state in self.items.values():
            if state.closed:
                assert (state.stage_key, CYCLE.holder_of(state)) in self.sent
            moved = any(e.from_stage != e.to_stage for e in self.history[state.id][1:])
            assert state.locked == moved


PlanningCycle.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestPlanningCycle = PlanningCycle.TestCase

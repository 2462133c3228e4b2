"""Sending up ("kirim"): one holder sends its accepted proposals to the next stage at once.

The holder is the unit at the stage's level, the agency (PD) or the DPRD member. The batch
passes or is refused as a whole: every item must be decided, surveyed where a survey
applies, routed or mapped where the next stage needs it, and what goes up must fit the
quota (count) and ceiling (pagu, rupiah) of the holder. One pass over the items: O(n).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Hashable, Iterable

from .actors import Actor
from .cycle import Cycle
from .events import HistoryEvent, SendBatch, Transition
from .guards import who_refusal
from .moves import BAPPEDA, DECIDER, SETWAN
from .refusals import Refusal, Refused
from .stages import StageDef
from .state import BELUM_DIBAHAS, ProposalState
from .units import same_holder
from .windows import require_aware, window_refusal

SEND = "kirim"
KEPT = "tidak_diteruskan"  # history event of a proposal that stays behind
MAX_IDS = 20               # ids listed in a refusal; ``count`` gives the full number


def _send_who(stage: StageDef) -> tuple[str, ...]:
    return (DECIDER, SETWAN, BAPPEDA) if stage.kind == "pokir" else (DECIDER, BAPPEDA)


@dataclass(frozen=True)
class Usage:
    """How much of its quota and ceiling a holder would use by sending now."""

    count: int
    total: int
    quota: int | None
    ceiling: int | None

    @property
    def fits(self) -> bool:
        return ((self.quota is None or self.count <= self.quota)
                and (self.ceiling is None or self.total <= self.ceiling))


def _limits(stage: StageDef, holder) -> tuple[int | None, int | None]:
    quota = stage.quota.for_holder(holder) if stage.quota else None
    ceiling = stage.ceiling.for_holder(holder) if stage.ceiling else None
    return quota, ceiling


def usage(cycle: Cycle, stage_key: str, holder: Hashable, items: Iterable[ProposalState]) -> Usage:
    stage = cycle.stage(stage_key)
    forwards = stage.spec.forwards
    count = total = 0
    for item in items:
        if item.status in forwards and not item.closed:
            count += 1
            total += item.amount
    return Usage(count, total, *_limits(stage, holder))


class _Ids:
    """Offending proposal ids: counted in full, listed up to MAX_IDS."""

    def __init__(self):
        self.count, self.ids = 0, []

    def add(self, ident):
        self.count += 1
        if len(self.ids) < MAX_IDS:
            self.ids.append(ident)


@dataclass
class _Plan:
    stage: StageDef
    next: StageDef
    forwarded: list
    kept: list
    count: int
    total: int
    quota: int | None
    ceiling: int | None


def _plan(cycle: Cycle, stage_key: str, holder: Hashable, items: Iterable[ProposalState],
          actor: Actor, now: datetime, already_sent: bool, to_stage: str | None,
          meeting_missing: Iterable[str] | None = None) -> tuple[Refusal | None, _Plan | None]:
    require_aware(now)
    stage = cycle.stage(stage_key)
    if stage is None:
        return Refusal("unknown_stage", {"stage": stage_key}), None
    nxt = cycle.next_stage(stage_key)
    if not stage.spec.sends or nxt is None:
        return Refusal("stage_closed", {"stage": stage_key,
                                        "why": "nothing is sent on from this stage"}), None
    if to_stage is not None and to_stage != nxt.key:
        return Refusal("stage_skip", {"from": stage_key, "to": to_stage, "next": nxt.key}), None
    refusal = (who_refusal(_send_who(stage), stage, holder, actor, SEND)
               or window_refusal(stage, cycle.extensions, cycle.timezone, holder, now))
    if refusal:
        return refusal, None
    if already_sent:
        return Refusal("already_sent", {"stage": stage_key, "holder": str(holder)}), None

    spec = stage.spec
    needs_agency = nxt.level.is_agency
    undecided, unsurveyed, unrouted, unmapped = _Ids(), _Ids(), _Ids(), _Ids()
    forwarded, kept, seen = [], [], set()
    total = 0
    for item in items:
        if item.id in seen:
            raise ValueError(f"proposal {item.id!r} appears twice in the batch")
        seen.add(item.id)
        if item.stage_key != stage_key:
            return Refusal("wrong_stage", {"expected": stage_key, "actual": item.stage_key}), None
        item_holder = cycle.holder_of(item, stage)
        if not same_holder(item_holder, holder):
            return Refusal("out_of_scope", {"action": SEND, "holder": str(item_holder),
                                            "scope": f"the batch of {holder}"}), None
        if item.closed:
            return Refusal("already_sent", {"stage": stage_key, "holder": str(holder)}), None
        if item.status in spec.pending:
            undecided.add(item.id)
        elif item.status in spec.forwards:
            forwarded.append(item)
            total += item.amount
            if stage.survey and not item.surveyed:
                unsurveyed.add(item.id)
            if needs_agency and item.agency_id is None:
                unrouted.add(item.id)
            if spec.needs_mapping and (item.sub_kegiatan is None or item.pagu is None):
                unmapped.add(item.id)
        else:
            kept.append(item)

    base = {"stage": stage_key, "holder": str(holder)}
    if undecided.count:
        return Refusal("undecided", {**base, "count": undecided.count, "ids": undecided.ids}), None
    if unsurveyed.count:
        return Refusal("not_surveyed", {**base, "count": unsurveyed.count,
                                        "ids": unsurveyed.ids}), None
    for missing, fields in ((unrouted, ["agency_id"]), (unmapped, ["sub_kegiatan", "pagu"])):
        if missing.count:
            return Refusal("missing_field", {"action": SEND, "fields": fields,
                                             "count": missing.count, "ids": missing.ids}), None
    quota, ceiling = _limits(stage, holder)
    if quota is not None and len(forwarded) > quota:
        return Refusal("quota_exceeded", {**base, "count": len(forwarded), "quota": quota}), None
    if ceiling is not None and total > ceiling:
        return Refusal("ceiling_exceeded", {**base, "total": total, "ceiling": ceiling,
                                            "excess": total - ceiling}), None
    missing = list(meeting_missing or ())
    if spec.needs_meeting and missing:
        rule = spec.meeting
        return Refusal("meeting_incomplete", {
            **base, "missing": missing, "delegates": rule.delegates[0] if rule.delegates else 0}), None
    return None, _Plan(stage, nxt, forwarded, kept, len(forwarded), total, quota, ceiling)


def check_send(cycle: Cycle, stage_key: str, holder: Hashable, items: Iterable[ProposalState],
               actor: Actor, now: datetime, *, already_sent: bool = False,
               to_stage: str | None = None, meeting_missing: Iterable[str] | None = None
               ) -> Refusal | None:
    """None when ``holder`` may send now; ``items``: all its proposals at the stage.

    ``already_sent``: a submission of this holder at this stage is on record.
    ``to_stage``: where the user means to send; anything but the next stage is refused.
    ``meeting_missing``: at a stage whose kind needs a meeting (``StageKind.meeting``), what
    the holder's meeting record still lacks (``meeting``, ``start``, ``delegates``,
    ``berita_acara``): anything listed refuses with ``meeting_incomplete``. None: not checked
    (the operations layer always tells).
    """
    return _plan(cycle, stage_key, holder, items, actor, now, already_sent, to_stage,
                 meeting_missing)[0]


def send(cycle: Cycle, stage_key: str, holder: Hashable, items: Iterable[ProposalState],
         actor: Actor, now: datetime, *, already_sent: bool = False,
         to_stage: str | None = None, meeting_missing: Iterable[str] | None = None) -> SendBatch:
    """Per-item transitions for the whole batch; raises Refused when the batch is refused
    (the arguments as for :func:`check_send`)."""
    refusal, plan = _plan(cycle, stage_key, holder, items, actor, now, already_sent, to_stage,
                          meeting_missing)
    if refusal:
        raise Refused(refusal)
    stage, nxt = plan.stage, plan.next

    def event(item, kind, to_stage_key, to_status):
        return HistoryEvent(type=kind, proposal_id=item.id, actor_id=actor.user_id,
                            actor_role=actor.role, at=now, stage_key=stage.key,
                            from_stage=stage.key, to_stage=to_stage_key,
                            from_status=item.status, to_status=to_status,
                            data={"holder": str(holder)})

    up = {"stage_key": nxt.key, "status": BELUM_DIBAHAS, "locked": True}
    forwarded = tuple(Transition(i.id, up, event(i, stage.spec.send_event, nxt.key, BELUM_DIBAHAS))
                      for i in plan.forwarded)
    stay = {"closed": True}
    kept = tuple(Transition(i.id, stay, event(i, KEPT, stage.key, i.status)) for i in plan.kept)
    return SendBatch(stage.key, nxt.key, holder, actor.user_id, now, forwarded, kept,
                     plan.count, plan.total, plan.quota, plan.ceiling)

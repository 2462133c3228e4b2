"""Bappeda (the regional planning agency) extending a stage window, always with a reason.

The result is an :class:`.windows.Extension` record: store it, and build the Cycle with it
(``cycle.with_extension``) so the engine honours it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Hashable

from .actors import BAPPEDA, Actor
from .cycle import Cycle
from .guards import has_reason, reason_refusal
from .refusals import Refusal, Refused
from .windows import Extension, effective_close, local_text, require_aware


def local_close(value: date | datetime) -> datetime:
    """A closing as naive local time: a date means the end of that day."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("give the closing as local time without an offset")
        return value
    return datetime.combine(value + timedelta(days=1), time())


def check_extend(cycle: Cycle, actor: Actor, stage_key: str, closes: date | datetime,
                 reason: str | None, now: datetime, *, holder: Hashable | None = None,
                 entry: bool = False) -> Refusal | None:
    require_aware(now)
    stage = cycle.stage(stage_key)
    if stage is None:
        return Refusal("unknown_stage", {"stage": stage_key})
    if actor.role != BAPPEDA:
        return Refusal("wrong_role", {"action": "perpanjang", "role": actor.role,
                                      "allowed": [BAPPEDA], "level": None, "actor_level": None})
    if not has_reason(reason):
        return reason_refusal("perpanjang")
    current = effective_close(stage, cycle.extensions, holder, entry)
    if local_close(closes) <= current:
        return Refusal("invalid_extension", {
            "stage": stage_key, "closes": local_text(local_close(closes), cycle.timezone),
            "current": local_text(current, cycle.timezone)})
    return None


def extend(cycle: Cycle, actor: Actor, stage_key: str, closes: date | datetime,
           reason: str | None, now: datetime, *, holder: Hashable | None = None,
           entry: bool = False) -> Extension:
    """The Extension to store; raises Refused. ``holder`` limits it to one unit/agency/member;
    ``entry`` extends the entry deadline of a stage that has one (and the window with it)."""
    refusal = check_extend(cycle, actor, stage_key, closes, reason, now, holder=holder,
                           entry=entry)
    if refusal:
        raise Refused(refusal)
    return Extension(stage_key, local_close(closes), reason.strip(), holder=holder, entry=entry,
                     granted_by=actor.user_id, granted_at=now)

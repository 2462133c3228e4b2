"""Windows opening and closing soon, for one person: computed from the running cycle's
schedule and Bappeda's extensions in the region's time zone when asked, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..accounts.models import Role, User
from ..workflow.windows import effective_close, localize

#: How far ahead "soon" looks.
SOON = timedelta(days=7)
OPENING, CLOSING = "opening", "closing"


@dataclass(frozen=True)
class Window:
    """A stage window of interest: ``kind`` OPENING (at ``at``) or CLOSING (at ``at``)."""

    kind: str
    stage_key: str
    stage_name: str
    at: datetime  # aware, in the region's time zone


def _concerns(user: User, level) -> bool:
    if user.role == Role.BAPPEDA.value:
        return True
    if user.role == Role.OPERATOR.value:
        return user.wilayah is not None and level.depth == user.wilayah.tingkat
    if user.role == Role.OPERATOR_PD.value:
        return level.is_pd
    if user.role in (Role.DPRD.value, Role.SETWAN.value):
        return level.is_member
    return False


def _holder(user: User):
    if user.role == Role.OPERATOR.value and user.wilayah is not None:
        return user.wilayah.kode
    if user.role == Role.OPERATOR_PD.value:
        return user.perangkat_daerah_id
    if user.role == Role.DPRD.value:
        return user.id
    return None


def soon(cycle, user: User, now: datetime) -> list[Window]:
    """The windows of the stages ``user`` works at that open or close within :data:`SOON`
    of ``now`` (aware); a closing moved by an extension for everyone or for the user's own
    unit or agency counts as moved."""
    if cycle is None:
        return []
    tz = ZoneInfo(cycle.timezone) if isinstance(cycle.timezone, str) else cycle.timezone
    found = []
    for stage in cycle.stages:
        if not _concerns(user, stage.level):
            continue
        opens = localize(stage.opens, tz)
        closes = localize(effective_close(stage, cycle.extensions, _holder(user)), tz)
        if now < opens <= now + SOON:
            found.append(Window(OPENING, stage.key, stage.name, opens))
        elif opens <= now < closes <= now + SOON:
            found.append(Window(CLOSING, stage.key, stage.name, closes))
    return sorted(found, key=lambda w: w.at)

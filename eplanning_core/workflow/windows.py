"""Stage windows in the region's local time, and Bappeda's extensions of them.

Windows are written as naive local date-times (Asia/Jakarta is WIB, Asia/Makassar WITA,
Asia/Jayapura WIT); ``opens`` is inclusive, ``closes`` exclusive. ``now`` is always passed in
as an aware datetime. An :class:`Extension` moves a stage's closing (for all holders or for
one) and always carries a reason, so a late change is on record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Hashable
from zoneinfo import ZoneInfo

from .refusals import Refusal
from .stages import StageDef
from .units import same_holder


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=tz)


def require_aware(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime (the engine never guesses the clock)")
    return now


def local_text(moment: datetime, tz: ZoneInfo) -> str:
    """'2027-01-31 23:59' in the region's time: how refusals show times."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Extension:
    """Bappeda moved the closing of a stage (``entry``: the entry deadline) with a reason."""

    stage_key: str
    closes: datetime               # naive local, exclusive
    reason: str
    holder: Hashable | None = None  # None: every holder of the stage
    entry: bool = False
    granted_by: Hashable | None = None
    granted_at: datetime | None = None

    def applies(self, stage_key: str, holder: Hashable | None, entry: bool) -> bool:
        return (self.stage_key == stage_key
                and (self.holder is None or same_holder(self.holder, holder))
                and (self.entry or not entry))


def effective_close(stage: StageDef, extensions, holder: Hashable | None, entry: bool = False
                    ) -> datetime:
    """The closing that applies to ``holder``: the configured one or a later extension."""
    entry = entry and stage.entry_closes is not None  # no entry deadline: the window rules
    base = stage.entry_closes if entry else stage.closes
    later = [e.closes for e in extensions if e.applies(stage.key, holder, entry)]
    return max([base, *later])


def window_refusal(stage: StageDef, extensions, tz: ZoneInfo, holder: Hashable | None,
                   now: datetime, entry: bool = False) -> Refusal | None:
    """None when ``now`` is inside the stage window (or its entry window) for ``holder``."""
    require_aware(now)
    closes = effective_close(stage, extensions, holder, entry)
    if localize(stage.opens, tz) <= now < localize(closes, tz):
        return None
    params = {"stage": stage.key, "opens": local_text(stage.opens, tz),
              "closes": local_text(closes, tz), "now": local_text(now, tz),
              "timezone": tz.key}
    if entry and stage.entry_closes is not None and now >= localize(stage.opens, tz):
        return Refusal("entry_closed", params)
    return Refusal("outside_window", params)

"""Stage definitions: one step of the planning cycle, as immutable data.

A stage has a kind (see :mod:`.kinds`), the level that decides there, a window in the
region's local time, who may enter proposals, the decisions it allows, the quota (most
proposals one holder may send up) and ceiling (pagu: most rupiah one holder may send up),
scoring criteria and the next stage. Build them with :func:`.config.stages_from_config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Hashable, Mapping

from .kinds import KINDS, StageKind
from .levels import Level


@dataclass(frozen=True)
class Limit:
    """A quota or ceiling: a default plus overrides keyed by holder (unit code, agency id...)."""

    default: int | None = None
    overrides: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def for_holder(self, holder: Hashable) -> int | None:
        """The limit of one holder; None means unlimited."""
        return self.overrides.get(str(holder), self.default)

    __hash__ = None


@dataclass(frozen=True)
class Criterion:
    """One scoring criterion: points from 0 to ``max`` times ``weight``."""

    key: str
    name: str
    weight: Decimal
    max: int = 5


@dataclass(frozen=True)
class StageDef:
    key: str
    name: str
    kind: str
    level: Level                     # given as 1, 2, 3, "pd", "dprd" or "bappeda" too
    opens: datetime                  # naive, region-local, inclusive
    closes: datetime                 # naive, region-local, exclusive
    entry_closes: datetime | None = None  # last moment to enter new proposals (exclusive)
    creators: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    quota: Limit | None = None
    ceiling: Limit | None = None
    criteria: tuple[Criterion, ...] = ()
    survey: bool = False
    next: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "level", Level.of(self.level))

    @property
    def spec(self) -> StageKind:
        return KINDS[self.kind]

    def enables(self, action: str) -> bool:
        """Whether this stage (not just its kind) offers ``action`` on a proposal.

        Scoring ("skor") also needs criteria: see ``Cycle.criteria_for``."""
        spec = self.spec
        if action in spec.decisions:
            return action in self.decisions
        if action == "survei_selesai":
            return self.survey and action in spec.actions
        return action in spec.actions

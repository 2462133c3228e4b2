"""A planning cycle: the ordered stages of one RKPD year in one region.

RKPD (Rencana Kerja Pemerintah Daerah) is the regional government's annual work plan.
``year`` is the plan year: the cycle "RKPD 2027" runs in 2026 for the 2027 budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable
from zoneinfo import ZoneInfo

from .stages import Criterion, StageDef
from .state import ProposalState
from .units import ancestor
from .windows import Extension


@dataclass(frozen=True)
class Cycle:
    year: int
    stages: tuple[StageDef, ...]
    timezone: ZoneInfo
    extensions: tuple[Extension, ...] = ()
    #: The RKPD is set (penetapan): the decisions of the cycle are locked, none is reopened.
    fixed: bool = False
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if isinstance(self.timezone, str):
            object.__setattr__(self, "timezone", ZoneInfo(self.timezone))
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "extensions", tuple(self.extensions))
        index = {}
        for position, stage in enumerate(self.stages):
            if stage.key in index:
                raise ValueError(f"stage key {stage.key!r} is used twice")
            index[stage.key] = position
        for stage in self.stages:
            if stage.next is None:
                continue
            target = index.get(stage.next)
            if target is None or target <= index[stage.key]:
                raise ValueError(f"stage {stage.key!r}: next stage {stage.next!r} is not a later "
                                 "stage of this cycle")
        object.__setattr__(self, "_index", index)

    @property
    def name(self) -> str:
        return f"RKPD {self.year}"

    def stage(self, key: str) -> StageDef | None:
        position = self._index.get(key)
        return None if position is None else self.stages[position]

    def position(self, key: str) -> int:
        return self._index[key]

    def next_stage(self, key: str) -> StageDef | None:
        """Where proposals sent up from stage ``key`` go; None at the end of the cycle."""
        stage = self.stage(key)
        return self.stage(stage.next) if stage is not None and stage.next else None

    def criteria_for(self, key: str) -> tuple[Criterion, ...]:
        """A stage's own criteria, else those of the nearest earlier stage that scores."""
        for stage in reversed(self.stages[: self._index[key] + 1]):
            if stage.criteria:
                return stage.criteria
        return ()

    def with_extension(self, extension: Extension) -> "Cycle":
        if self.stage(extension.stage_key) is None:
            raise ValueError(f"no stage {extension.stage_key!r} in this cycle")
        return Cycle(self.year, self.stages, self.timezone, self.extensions + (extension,),
                     fixed=self.fixed)

    def holder_of(self, state: ProposalState, stage: StageDef | None = None) -> Hashable | None:
        """Who holds a proposal at a stage: the unit at the stage's level, the agency (PD),
        or the DPRD member who entered it."""
        stage = stage or self.stage(state.stage_key)
        level = stage.level
        if level.is_unit:
            return ancestor(state.unit_code, level.depth)
        if level.is_agency:
            return state.agency_id
        return state.owner_id

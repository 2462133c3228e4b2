"""What the engine hands back: transitions and the history events to write with them.

The database layer persists a :class:`Transition` (the field changes) and its
:class:`HistoryEvent` in one transaction; a :class:`Creation` is a new proposal plus its
first event; a :class:`SendBatch` is everything one holder sends up at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Hashable, Mapping

from .state import ProposalState


def _frozen(mapping) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class HistoryEvent:
    """One line of a proposal's history: who did what, when, from where to where, and why."""

    type: str                    # the action: "diterima", "ubah", "kirim", "buat" ...
    proposal_id: Hashable | None
    actor_id: Hashable
    actor_role: str
    at: datetime                 # aware, as passed in as ``now``
    stage_key: str               # the stage the action happened at
    from_stage: str | None
    to_stage: str
    from_status: str | None
    to_status: str
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)  # JSON-ready details

    def __post_init__(self):
        object.__setattr__(self, "data", _frozen(self.data))

    __hash__ = None


@dataclass(frozen=True)
class Transition:
    """The change to one proposal: new field values plus exactly one history event."""

    proposal_id: Hashable
    changes: Mapping[str, Any]   # ProposalState field -> new value
    event: HistoryEvent

    def __post_init__(self):
        object.__setattr__(self, "changes", _frozen(self.changes))

    __hash__ = None

    def applied_to(self, state: ProposalState) -> ProposalState:
        if state.id != self.proposal_id:
            raise ValueError(f"transition for {self.proposal_id!r} applied to {state.id!r}")
        return state.with_changes(self.changes)


@dataclass(frozen=True)
class Creation:
    """A new proposal (id None until stored) and its first history event."""

    state: ProposalState
    event: HistoryEvent


@dataclass(frozen=True)
class SendBatch:
    """One holder sends up from a stage: what goes up, what stays behind, and the totals.

    Store one submission row per (cycle, stage, holder) from it: a holder sends once.
    """

    stage_key: str
    to_stage: str
    holder: Hashable
    actor_id: Hashable
    at: datetime
    forwarded: tuple[Transition, ...]
    kept: tuple[Transition, ...]
    count: int
    total: int
    quota: int | None
    ceiling: int | None

    @property
    def transitions(self) -> tuple[Transition, ...]:
        return self.forwarded + self.kept

"""The kecamatan ranking's bulk actions: all of a submission is kept, or none of it.

The kecamatan ranking page scores a whole list at once, accepts what fits the quota and
ceiling (pagu) while rejecting the rest, and routes items to the agency the catalogue
suggests. Every item goes through the one writer (:func:`.transitions.decide`) with
``all_or_nothing=True``: the cut by quota and ceiling only makes sense as a whole, so one
refused row refuses the whole submission and every refused row is reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Hashable, Iterable

from .. import workflow
from ..accounts.models import User
from ..extensions import db
from ..siklus.models import Siklus
from . import operations as ops
from . import transitions
from .engine_adapter import state_of
from .models import Usulan


@dataclass(frozen=True)
class Step:
    """One action on one proposal, at the version the user saw."""

    usulan: Usulan
    action: str
    expected_version: object
    reason: str | None = None
    inputs: dict | None = None


@dataclass(frozen=True)
class RowProblem:
    usulan_id: int
    kode_lacak: str
    outcome: ops.Outcome


@dataclass
class BulkOutcome:
    ok: bool
    done: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def apply_many(user: User, stage_key: str, steps: Iterable[Step]) -> BulkOutcome:
    """Apply every step in one transaction when all pass; else write nothing and list each refused row."""
    steps = list(steps)
    if not steps:
        return BulkOutcome(True, 0)
    by_id = {step.usulan.id: step.usulan for step in steps}
    if len(by_id) != len(steps):
        raise ValueError("a proposal appears twice in one bulk action")
    siklus = db.session.get(Siklus, steps[0].usulan.siklus_id)
    codes = {ident: usulan.kode_lacak for ident, usulan in by_id.items()}
    written = transitions.decide(siklus, user, stage_key, [
        transitions.Step(step.usulan.id, step.action, step.expected_version, reason=step.reason,
                         inputs=step.inputs) for step in steps], all_or_nothing=True)
    if written.stale:
        return BulkOutcome(False, 0, [RowProblem(0, "", ops.Outcome(False, stale=True))])
    if written.refused:
        return BulkOutcome(False, 0, [
            RowProblem(r.usulan_id, codes[r.usulan_id],
                       ops.Outcome(False, refusal=r.refusal, stale=r.refusal is None))
            for r in written.refused])
    return BulkOutcome(True, len(written.changed))


def fingerprint(items: Iterable[Usulan]) -> str:
    """One short value for "these proposals, at these versions": what a paged list's bulk
    form posts instead of one version per row, so the form stays small whatever the list's
    length. Any proposal arriving, leaving or changing gives another value."""
    text = ";".join(f"{u.id}:{u.version}" for u in sorted(items, key=lambda u: u.id))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---- scoring ---------------------------------------------------------------------------------

def score_many(user: User, stage_key: str, rows: Iterable[tuple[Usulan, object, dict]]) -> BulkOutcome:
    """Score many proposals: rows of (usulan, version seen, {criterion key: points})."""
    return apply_many(user, stage_key, [Step(u, "skor", version, inputs={"points": dict(points)})
                                        for u, version, points in rows])


# ---- the cut of a ranking by quota and ceiling -------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    """A holder's ranking and what of it fits the quota and ceiling: a suggestion only."""

    ranked: list[Usulan]            # every proposal, best first
    taken: frozenset[int]           # ids that fit
    left: frozenset[int]            # candidate ids that do not fit
    quota: int | None
    ceiling: int | None

    @property
    def cut_before(self) -> int | None:
        """Id of the first ranked candidate that does not fit: where the line is drawn."""
        return next((u.id for u in self.ranked if u.id in self.left), None)


def suggestion(cycle: workflow.Cycle, stage_key: str, holder: Hashable, items: Iterable[Usulan],
               limit: int | None = None) -> Suggestion:
    """Rank ``items`` (workflow.rank) and cut the candidates with workflow.fit_within.

    Candidates: undecided or accepted and not closed; rejected ones are ranked but never
    taken. ``limit``: take at most this many, below the quota.
    """
    stage = cycle.stage(stage_key)
    by_id = {u.id: u for u in items}
    states = workflow.rank(state_of(u) for u in by_id.values())
    spec = stage.spec
    candidates = [s for s in states if not s.closed and s.status in spec.pending | spec.forwards]
    quota = stage.quota.for_holder(holder) if stage.quota else None
    ceiling = stage.ceiling.for_holder(holder) if stage.ceiling else None
    cap = quota if limit is None else (limit if quota is None else min(limit, quota))
    taken, left = workflow.fit_within(candidates, cap, ceiling)
    return Suggestion([by_id[s.id] for s in states], frozenset(s.id for s in taken),
                      frozenset(s.id for s in left), quota, ceiling)


def accept_top(user: User, cycle: workflow.Cycle, stage_key: str, holder: Hashable,
               items: list[Usulan], versions: dict[int, object], reason: str | None,
               limit: int | None = None) -> BulkOutcome:
    """Accept the best-ranked proposals that fit, reject the other candidates with ``reason``.

    ``versions``: id -> version the user saw; a proposal missing there (it arrived since)
    counts as changed, so the whole decision is refused rather than taken blind.
    """
    plan = suggestion(cycle, stage_key, holder, items, limit)
    pending = cycle.stage(stage_key).spec.pending
    steps = []
    for usulan in plan.ranked:
        if usulan.id in plan.taken and usulan.status in pending:
            steps.append(Step(usulan, "diterima", versions.get(usulan.id)))
        elif usulan.id in plan.left:
            steps.append(Step(usulan, "ditolak", versions.get(usulan.id), reason=reason))
    return apply_many(user, stage_key, steps)


# ---- routing ---------------------------------------------------------------------------------

def suggested_agency(usulan: Usulan) -> int | None:
    """The agency the catalogue item names, when it is active."""
    kamus = usulan.kamus
    if kamus is None or kamus.perangkat_daerah is None or not kamus.perangkat_daerah.aktif:
        return None
    return kamus.perangkat_daerah_id


def route_suggested(user: User, stage_key: str, items: Iterable[Usulan],
                    versions: dict[int, object]) -> BulkOutcome:
    """Route every open, not rejected item to its catalogue's agency where it differs."""
    steps = [Step(u, "rute", versions.get(u.id), inputs={"agency_id": suggested_agency(u)})
             for u in items
             if suggested_agency(u) is not None and u.perangkat_daerah_id != suggested_agency(u)
             and not u.tertutup and u.status != "ditolak"]
    return apply_many(user, stage_key, steps)

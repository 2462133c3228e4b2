"""Weighted scoring and ranking, as at the Musrenbang kecamatan.

A score is the sum of weight x points over the criteria (Decimal arithmetic, exact and
deterministic). Ranking orders by score (high first), then the priority the forum set
(low first), then total (cheaper first), then id: no two proposals ever share a rank.
:func:`fit_within` suggests which ranked proposals fit a quota and ceiling (pagu).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Iterable, Mapping, Sequence

from .stages import Criterion
from .state import ProposalState


class ScoreError(ValueError):
    """Points that do not fit the criteria; ``field`` and ``expected`` explain."""

    def __init__(self, field: str, value, expected: str):
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"{field} must be {expected} (got {value!r})")


def score(criteria: Sequence[Criterion], points: Mapping[str, int]) -> Decimal:
    """Sum of weight x points; every criterion needs whole points between 0 and its max."""
    if not criteria:
        raise ScoreError("criteria", None, "configured for this stage")
    known = {c.key for c in criteria}
    unknown = sorted(set(points) - known)
    if unknown:
        raise ScoreError(f"points[{unknown[0]}]", points[unknown[0]],
                         "one of the criteria " + ", ".join(sorted(known)))
    with localcontext() as ctx:
        ctx.prec = 60
        total = Decimal(0)
        for criterion in criteria:
            if criterion.key not in points:
                raise ScoreError(f"points[{criterion.key}]", None, "given")
            value = points[criterion.key]
            if type(value) is not int or not 0 <= value <= criterion.max:
                raise ScoreError(f"points[{criterion.key}]", value,
                                 f"a whole number from 0 to {criterion.max}")
            total += criterion.weight * value
    return total


def max_score(criteria: Sequence[Criterion]) -> Decimal:
    return sum((c.weight * c.max for c in criteria), Decimal(0))


def _rank_key(state: ProposalState):
    missing_score = state.score is None
    return (missing_score, -(state.score or Decimal(0)), state.priority is None,
            state.priority or 0, state.total, state.id)


def rank(states: Iterable[ProposalState]) -> list[ProposalState]:
    """Best first; the order does not depend on the input order."""
    return sorted(states, key=_rank_key)


def fit_within(ranked: Iterable[ProposalState], quota: int | None, ceiling: int | None
               ) -> tuple[list[ProposalState], list[ProposalState]]:
    """Walk the ranking and take each proposal that still fits; return (taken, left out).

    A proposal too expensive for what is left of the ceiling is passed over, so a cheaper
    one further down may still fit. A suggestion for the forum, never a decision.
    """
    taken, left = [], []
    spent = 0
    for state in ranked:
        full = quota is not None and len(taken) >= quota
        too_dear = ceiling is not None and spent + state.amount > ceiling
        if full or too_dear:
            left.append(state)
        else:
            taken.append(state)
            spent += state.amount
    return taken, left

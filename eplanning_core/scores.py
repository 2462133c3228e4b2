"""A score is shown as the number it is: 500, or 87,5; never in money notation (issue 14)."""

from __future__ import annotations

from decimal import Decimal

from .money import format_volume


def format_score(score) -> str:
    """Decimal('500.000') -> "500"; Decimal('87.250') -> "87,25"; None -> "—"."""
    if score is None or isinstance(score, bool):
        return "—"
    if isinstance(score, float):
        score = Decimal(str(score))
    if not isinstance(score, (int, Decimal)):
        return str(score)
    return format_volume(Decimal(score).quantize(Decimal("0.01")))

"""Personal data rules of the public side (UU 27/2022)."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """'Siti Aminah' -> 'S*** A*****': enough to recognise one's own proposal, not to identify."""
    if not name:
        return ""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def without_personal_columns():
    """Loader options for public queries of Usulan: phone and NIK are not even loaded, and
    a template that tried to show them would fail loudly instead of leaking them."""
    from sqlalchemy.orm import defer

    from ..usulan.models import Usulan

    return (defer(Usulan.pengusul_telepon, raiseload=True), defer(Usulan.pengusul_nik, raiseload=True))

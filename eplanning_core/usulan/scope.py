"""Which proposals a user may read: the single place that decides, used by every list and page.

Changing is decided by the engine (role, holder, window); reading is decided here.
"""

from __future__ import annotations

from sqlalchemy import false, or_, select, true

from ..accounts.models import Role, User
from ..extensions import db
from ..tenancy.context import current_tenant_id
from .models import Usulan


def _in_unit(code: str):
    return or_(Usulan.lokasi_kode == code, Usulan.lokasi_kode.startswith(code + ".", autoescape=True))


def usulan_clause(user: User):
    if user.role in (Role.BAPPEDA.value, Role.VIEWER.value):
        return true()
    if user.role == Role.SETWAN.value:
        return Usulan.sumber == "pokir"
    if user.role == Role.OPERATOR.value and user.wilayah is not None:
        return _in_unit(user.wilayah.kode)
    if user.role == Role.OPERATOR_PD.value:
        return Usulan.perangkat_daerah_id == user.perangkat_daerah_id
    if user.role == Role.DPRD.value:
        # Their own Pokir only (least privilege). The Musrenbang proposals of their dapil, which
        # they align their Pokir with, are on the public portal with the proposer masked; these
        # screens would also show proposers' names, phone numbers and NIK (UU 27/2022) and
        # other members' drafts, which no task of a council member needs.
        return Usulan.dprd_user_id == user.id
    return false()


def scoped_usulan(user: User, siklus_id: int | None = None):
    """``select(Usulan)`` of this tenant that ``user`` may read (optionally one cycle)."""
    query = select(Usulan).where(Usulan.tenant_id == current_tenant_id(), usulan_clause(user))
    if siklus_id is not None:
        query = query.where(Usulan.siklus_id == siklus_id)
    return query


def get_usulan(user: User, usulan_id) -> Usulan | None:
    try:
        ident = int(usulan_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(scoped_usulan(user).where(Usulan.id == ident))

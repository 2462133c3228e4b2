"""What an API caller may read: the screens' scope rules applied to an ApiActor.

A user token reads exactly what its user reads on the screens (usulan/scope.py,
accounts/scope.py); a client token reads the whole region, but never proposers' phone or NIK.
"""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.scope import wilayah_clause
from ..extensions import db
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id, tenant_select
from ..usulan.models import Usulan
from ..usulan.scope import scoped_usulan
from ..wilayah.models import Wilayah
from .auth import ApiActor
from .schemas import MAX_PER_PAGE


def usulan_query(actor: ApiActor, siklus_id: int | None = None):
    if actor.user is not None:
        return scoped_usulan(actor.user, siklus_id)
    query = select(Usulan).where(Usulan.tenant_id == current_tenant_id())
    return query if siklus_id is None else query.where(Usulan.siklus_id == siklus_id)


def get_usulan(actor: ApiActor, usulan_id: int) -> Usulan | None:
    return db.session.scalar(usulan_query(actor).where(Usulan.id == usulan_id))


def wilayah_query(actor: ApiActor):
    query = tenant_select(Wilayah)
    return query if actor.user is None else query.where(wilayah_clause(actor.user))


def sees_personal_data(actor: ApiActor, usulan: Usulan) -> bool:
    """Phone and NIK: Bappeda and the operators of the proposal's units, as on the screens."""
    user = actor.user
    if user is None:
        return False
    if user.role == Role.BAPPEDA.value:
        return True
    return user.role == Role.OPERATOR.value and user.wilayah is not None and bool(usulan.lokasi_kode) and (
        usulan.lokasi_kode == user.wilayah.kode or usulan.lokasi_kode.startswith(user.wilayah.kode + "."))


def cycle_or_none(siklus_id: int | None) -> Siklus | None:
    """The cycle asked for, else the newest running one of the region."""
    query = select(Siklus).where(Siklus.tenant_id == current_tenant_id())
    if siklus_id is not None:
        return db.session.scalar(query.where(Siklus.id == siklus_id))
    return db.session.scalar(query.order_by((Siklus.status == "berjalan").desc(),
                                            Siklus.tahun.desc()).limit(1))


def paged(statement, args: dict, present) -> dict:
    """The list envelope of ``statement`` for ``args`` (page, per_page), items through ``present``."""
    per_page = min(int(args.get("per_page") or 25), MAX_PER_PAGE)
    pagination = db.paginate(statement, page=int(args.get("page") or 1), per_page=per_page,
                             error_out=False)
    return {"items": [present(row) for row in pagination.items], "page": pagination.page,
            "per_page": per_page, "total": pagination.total, "pages": pagination.pages}


def empty_page(args: dict) -> dict:
    return {"items": [], "page": int(args.get("page") or 1), "per_page": int(args.get("per_page") or 25),
            "total": 0, "pages": 0}

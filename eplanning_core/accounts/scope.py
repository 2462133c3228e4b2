"""What a user may read and change: the one place that decides, used by every query.

Views never filter by hand: they ask these functions for the SQL condition or the verdict.
Out-of-scope rows are reported as missing (404), so ids of other units leak nothing.
"""

from __future__ import annotations

from sqlalchemy import false, or_, true

from ..wilayah.models import KECAMATAN, Wilayah
from .models import Role, User

SEE_WHOLE_REGION = {Role.BAPPEDA.value, Role.VIEWER.value, Role.OPERATOR_PD.value, Role.SETWAN.value}


def dapil_kecamatan_codes(user: User) -> tuple[str, ...]:
    from ..tenancy.context import tenant_config

    dapil = tenant_config().dapil_by_code(user.dapil or "")
    return dapil.kecamatan if dapil else ()


def wilayah_clause(user: User):
    """SQL condition on Wilayah rows this user may read (tenant scoping comes on top)."""
    if user.role in SEE_WHOLE_REGION:
        return true()
    if user.role == Role.OPERATOR.value and user.wilayah is not None:
        return user.wilayah.subtree_clause()
    if user.role == Role.DPRD.value:
        codes = dapil_kecamatan_codes(user)
        if not codes:
            return false()
        return or_(*[or_(Wilayah.kode == c, Wilayah.kode.startswith(c + ".", autoescape=True))
                     for c in codes])
    return false()


def can_edit_wilayah(user: User, unit: Wilayah) -> bool:
    """Bappeda edits any unit profile; an operator only the profile of its own unit."""
    if user.role == Role.BAPPEDA.value:
        return unit.tenant_id == user.tenant_id
    return user.role == Role.OPERATOR.value and user.wilayah_id == unit.id


def role_label(user: User) -> str:
    """'Operator Kelurahan', 'Operator Dinas PUPR', 'Anggota DPRD (Medan 1)' ..."""
    from flask_babel import gettext as _

    from ..tenancy.context import tenant_config

    if user.role == Role.OPERATOR.value and user.wilayah is not None:
        return _("Operator %(level)s", level=tenant_config().level_name(user.wilayah.tingkat))
    if user.role == Role.OPERATOR_PD.value and user.perangkat_daerah is not None:
        return _("Agency operator (%(pd)s)",
                 pd=user.perangkat_daerah.singkatan or user.perangkat_daerah.nama)
    if user.role == Role.DPRD.value:
        dapil = tenant_config().dapil_by_code(user.dapil or "")
        return _("DPRD member (%(dapil)s)", dapil=dapil.name if dapil else user.dapil)
    return role_names()[user.role]


def role_names() -> dict[str, str]:
    from flask_babel import gettext as _

    return {
        Role.BAPPEDA.value: _("Bappeda administrator"),
        Role.OPERATOR.value: _("Unit operator"),
        Role.OPERATOR_PD.value: _("Agency (Perangkat Daerah) operator"),
        Role.DPRD.value: _("DPRD member"),
        Role.SETWAN.value: _("DPRD secretariat (Setwan)"),
        Role.VIEWER.value: _("Read-only viewer"),
    }


__all__ = ["wilayah_clause", "can_edit_wilayah", "role_label", "role_names", "KECAMATAN"]

"""Changes to units, each one transaction with its history entry."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..audit.operations import diff, record
from ..extensions import db
from .models import Wilayah

PROFILE_FIELDS = ["nama_kepala", "alamat_kantor", "telepon_kantor"]


@dataclass
class Result:
    ok: bool
    message: str = ""


def _clean(value):
    value = (value or "").strip()
    return value or None


def update_profile(unit: Wilayah, actor, expected_version, values: dict) -> Result:
    """Save a unit's profile unless someone else saved it since the form was opened."""
    if str(unit.version) != str(expected_version):
        return Result(False, _("Someone else changed this profile while you were editing. "
                               "Your changes were not saved; the form now shows the current values."))
    values = {k: _clean(values.get(k)) for k in PROFILE_FIELDS}
    changes = diff(unit, PROFILE_FIELDS, values)
    if not changes:
        return Result(True)
    # Compare-and-set on the version: a concurrent save in between updates no row.
    updated = db.session.execute(
        db.update(Wilayah).where(Wilayah.id == unit.id, Wilayah.version == unit.version)
        .values(**values, version=unit.version + 1))
    if updated.rowcount != 1:
        db.session.rollback()
        return Result(False, _("Someone else changed this profile while you were editing. "
                               "Your changes were not saved."))
    record(tenant_id=unit.tenant_id, actor=actor, action="wilayah.profil", obj=unit, changes=changes)
    db.session.commit()
    db.session.refresh(unit)
    return Result(True)

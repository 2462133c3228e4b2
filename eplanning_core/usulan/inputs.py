"""The checks of an action's inputs that need the region's data: the agency a proposal is
routed or handed to (it must be an active agency of the region) and the sub kegiatan it is
mapped to (a code of the region's Permendagri 90/2019 nomenclature, once one is loaded).

The screens and the API only read the values from their form or body; ``operations.act``
checks them here, once, for every caller.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import PerangkatDaerah
from ..extensions import db
from ..kamus.models import Nomenklatur
from ..kamus.nomenclature import normalize_sub_kegiatan

MAX_ID = 2**63 - 1


def check_references(tenant_id: int, inputs: dict) -> tuple[dict, dict[str, str]]:
    """(inputs with the sub kegiatan code normalised, {field: message}) for ``agency_id`` and
    ``sub_kegiatan``; other inputs pass unchanged (the engine checks them)."""
    clean, errors = dict(inputs), {}
    if "agency_id" in clean:
        value = clean["agency_id"]
        agency = None
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
            agency = db.session.scalar(select(PerangkatDaerah.id).where(
                PerangkatDaerah.tenant_id == tenant_id, PerangkatDaerah.id == value,
                PerangkatDaerah.aktif.is_(True)))
        if agency is None:
            errors["agency_id"] = _("Choose an agency of this region.")
    if "sub_kegiatan" in clean:
        code = normalize_sub_kegiatan(str(clean["sub_kegiatan"] or "").strip())
        in_region = select(Nomenklatur.id).where(Nomenklatur.tenant_id == tenant_id)
        has_list = db.session.scalar(in_region.limit(1)) is not None
        if has_list and db.session.scalar(in_region.where(
                Nomenklatur.kode == code, Nomenklatur.tingkat == "sub_kegiatan")) is None:
            errors["sub_kegiatan"] = _("Not a sub kegiatan of the nomenclature (Permendagri 90/2019).")
        clean["sub_kegiatan"] = code
    return clean, errors

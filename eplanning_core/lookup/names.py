"""Names of programme codes for the pages that show them: a sub kegiatan is shown as its code
and its name ("1.03.10.2.01.0005 Pembangunan Jalan"), never the bare code. One query for
every code of a page."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..kamus.models import Nomenklatur
from ..kamus.nomenclature import normalize_sub_kegiatan


def nomenclature_names(codes) -> dict[str, str]:
    """{code as stored on the proposal: name} for the region's nomenclature; unknown codes
    are left out (the page shows the code alone)."""
    from ..tenancy.context import current_tenant_id

    wanted = {}
    for code in codes or ():
        if code:
            wanted[code] = normalize_sub_kegiatan(str(code))
    if not wanted:
        return {}
    names = dict(db.session.execute(select(Nomenklatur.kode, Nomenklatur.nama).where(
        Nomenklatur.tenant_id == current_tenant_id(), Nomenklatur.kode.in_(sorted(set(wanted.values()))))).all())
    return {code: names[norm] for code, norm in wanted.items() if norm in names}

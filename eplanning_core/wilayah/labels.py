"""How a unit is named to a person: always with its parent (issue 14).

Medan has dozens of units called "Lingkungan I"; a name alone says nothing. So:

- ``unit_label(w)``: "Lingkungan I, Pasar Baru", "Kelurahan Pasar Baru, Medan Kota",
  "Kecamatan Medan Kota" (detail pages, titles, forms);
- ``unit_label(w, compact=True)``: "Lingkungan I, Pasar Baru", "Pasar Baru, Medan Kota",
  "Medan Kota" (lists and exports: the level is the column's, the parent keeps it unambiguous).

The parent's name is read without one query per row: when a label needs a parent that is
not loaded, the names of the parents of every unit the session holds are read in one query
and kept for the rest of the request (``flask.g``). Queries of rows without ORM objects
(exports) join the parent themselves and call :func:`compose`.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import inspect, select
from sqlalchemy.orm import aliased

from ..extensions import db
from .models import Wilayah

_CACHE = "_eplanning_unit_names"


def _config():
    from ..tenancy.context import tenant_config

    return tenant_config()


def compose(nama: str | None, tingkat: int | None, parent_nama: str | None = None,
            compact: bool = False, config=None) -> str:
    """The label from its parts: a unit's name and level, and its parent's name."""
    if not nama:
        return "—"
    if compact or not tingkat:
        own = nama
    else:
        own = (config or _config()).unit_label(tingkat, nama)
    return f"{own}, {parent_nama}" if parent_nama else own


def _names() -> dict[int, str]:
    if not has_app_context():
        return {}
    cache = g.get(_CACHE)
    if cache is None:
        cache = {}
        setattr(g, _CACHE, cache)
    return cache


def _loaded(obj, key: str):
    """An attribute's value when it is loaded, else None, never a query."""
    return inspect(obj).dict.get(key)


def parent_name(unit: Wilayah) -> str | None:
    """The name of the unit's parent: loaded with every other missing parent in one query."""
    parent_id = unit.parent_id  # list queries load it with the name (load_only)
    if parent_id is None:
        return None
    parent = _loaded(unit, "parent")
    if parent is not None and "nama" in inspect(parent).dict:
        return parent.nama
    names = _names()
    if parent_id not in names:
        wanted = {parent_id}
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Wilayah):
                state = inspect(obj).dict
                if "nama" in state and state.get("id") is not None:
                    names.setdefault(state["id"], state["nama"])
                if state.get("parent_id") is not None:
                    wanted.add(state["parent_id"])
        wanted -= names.keys()
        wanted.add(parent_id)
        for row_id, nama in db.session.execute(
                select(Wilayah.id, Wilayah.nama).where(Wilayah.id.in_(sorted(wanted)))):
            names[row_id] = nama
    return names.get(parent_id)


def unit_label(unit: Wilayah | None, compact: bool = False) -> str:
    """'Lingkungan I, Pasar Baru' (see the module's text); '—' for no unit."""
    if unit is None:
        return "—"
    tingkat = unit.tingkat
    return compose(unit.nama, tingkat, parent_name(unit) if tingkat and tingkat > 1 else None,
                   compact=compact)


def labels_for_codes(tenant_id: int, codes, compact: bool = True) -> dict[str, str]:
    """{unit code: label} for many codes in one query (exports and recaps)."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    parent = aliased(Wilayah)
    rows = db.session.execute(
        select(Wilayah.kode, Wilayah.nama, Wilayah.tingkat, parent.nama)
        .outerjoin(parent, parent.id == Wilayah.parent_id)
        .where(Wilayah.tenant_id == tenant_id, Wilayah.kode.in_(sorted(codes))))
    config = _config()
    return {kode: compose(nama, tingkat, parent_nama, compact=compact, config=config)
            for kode, nama, tingkat, parent_nama in rows}


def labels_for_ids(tenant_id: int, ids, compact: bool = True) -> dict[int, str]:
    """{unit id: label} for many ids in one query."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    parent = aliased(Wilayah)
    rows = db.session.execute(
        select(Wilayah.id, Wilayah.nama, Wilayah.tingkat, parent.nama)
        .outerjoin(parent, parent.id == Wilayah.parent_id)
        .where(Wilayah.tenant_id == tenant_id, Wilayah.id.in_(sorted(ids))))
    config = _config()
    return {row_id: compose(nama, tingkat, parent_nama, compact=compact, config=config)
            for row_id, nama, tingkat, parent_nama in rows}


def parent_alias():
    """An alias of the unit table for a query that joins a unit's parent (exports)."""
    return aliased(Wilayah)


def code_filter(code: str | None) -> dict:
    """For a filter that takes a unit's code (a picker submits it; a person may paste it):
    ``{"label": "Kelurahan Pasar Baru, Medan Kota", "error": None}``, or the precise error
    "No unit with code X in this region." for a code that names none. One query; none
    without a code."""
    from flask_babel import gettext as _

    from ..tenancy.context import current_tenant_id

    code = (code or "").strip()[:40]
    if not code:
        return {"label": "", "error": None}
    label = labels_for_codes(current_tenant_id(), [code], compact=False).get(code)
    if label is None:
        return {"label": "", "error": _("No unit with code %(code)s in this region.", code=code)}
    return {"label": label, "error": None}

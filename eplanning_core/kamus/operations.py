"""Changing the catalogue (kamus usulan) and the nomenklatur: each one transaction with its
history entry. A stale edit (the item changed since the form was opened) is refused and
nothing is overwritten; an import writes everything or nothing, with one summary entry.

Also the read-only look-ups other modules use: :func:`find_nomenklatur` (a code as typed,
either sub kegiatan form), :func:`search_kamus` and :func:`search_nomenklatur`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..accounts.models import PerangkatDaerah
from ..accounts.operations import STALE, Outcome
from ..audit.operations import diff, record
from ..conflicts import claim_version
from ..extensions import db
from ..importing import ImportReport
from . import importer, nomenklatur_importer
from .importer import KAMUS_CODE, MAX_KAMUS_CODE, HargaError, normalize_bidang, read_harga
from .nomenclature import is_sub_kegiatan, normalize_sub_kegiatan
from .models import KamusUsulan, Nomenklatur

__all__ = ["STALE", "Outcome", "save_kamus", "set_kamus_aktif", "import_kamus", "import_nomenklatur",
           "find_nomenklatur", "search_kamus", "search_nomenklatur", "normalize_sub_kegiatan"]

KAMUS_FIELDS = ["kode", "nama", "bidang", "satuan", "harga_satuan", "perangkat_daerah_id",
                "sub_kegiatan_kode"]


# ---- one catalogue item ------------------------------------------------------------------

def _clean_kamus(tenant_id: int, values: dict, item: KamusUsulan | None) -> tuple[dict, dict]:
    """The values as stored, and {field: message} for those that cannot be."""
    errors: dict = {}

    def plain(name):  # no NUL: PostgreSQL refuses it in text
        return (values.get(name) or "").replace("\x00", "").strip()

    clean = {
        "kode": plain("kode"),
        "nama": plain("nama"),
        "satuan": plain("satuan"),
        "bidang": normalize_bidang(values.get("bidang")),
    }
    if not clean["kode"] or len(clean["kode"]) > MAX_KAMUS_CODE or not KAMUS_CODE.match(clean["kode"]):
        errors["kode"] = _l("Letters, digits, '.', '-', '_' and '/' only (at most 40 characters).")
    else:
        clash = select(KamusUsulan.id).where(KamusUsulan.tenant_id == tenant_id,
                                             KamusUsulan.kode == clean["kode"])
        if item is not None:
            clash = clash.where(KamusUsulan.id != item.id)
        if db.session.scalar(clash) is not None:
            errors["kode"] = _l("Another catalogue item already has this code.")
    if not clean["nama"]:
        errors["nama"] = _l("Give the item a name.")
    if not clean["satuan"]:
        errors["satuan"] = _l("Give the unit of measure, e.g. m, unit, paket.")
    if clean["bidang"] is None:
        errors["bidang"] = _l("Choose a development field.")
    try:
        clean["harga_satuan"] = read_harga(values.get("harga_satuan"))
    except HargaError as error:
        errors["harga_satuan"] = error.message
    pd_id = values.get("perangkat_daerah_id")
    try:
        pd_id = int(pd_id) if pd_id not in (None, "") else None
    except (TypeError, ValueError):
        pd_id = -1
    if pd_id is not None:
        pd = db.session.get(PerangkatDaerah, pd_id) if pd_id > 0 else None
        if pd is None or pd.tenant_id != tenant_id:
            errors["perangkat_daerah_id"] = _l("Choose an agency of this region.")
    clean["perangkat_daerah_id"] = pd_id
    sub = normalize_sub_kegiatan(values.get("sub_kegiatan_kode")) or None
    if sub is not None:
        if not is_sub_kegiatan(sub):
            errors["sub_kegiatan_kode"] = _l(
                "Not a sub kegiatan code: write for example 1.03.10.2.01.0005 or 1.03.10.2.01.05.")
        elif find_nomenklatur(tenant_id, sub, "sub_kegiatan") is None:
            errors["sub_kegiatan_kode"] = _l("This sub kegiatan is not in the region's nomenklatur.")
    clean["sub_kegiatan_kode"] = sub
    return clean, errors


def save_kamus(tenant_id: int, actor, values: dict, *, item: KamusUsulan | None = None,
               expected_version=None) -> Outcome:
    """Create (``item`` None) or change a catalogue item.

    ``values``: kode, nama, bidang, satuan, harga_satuan (int or text such as "Rp 1.250.000"),
    perangkat_daerah_id, sub_kegiatan_kode (either code form). Refused as STALE when
    ``expected_version`` is not the item's current version.
    """
    if item is not None and str(item.version) != str(expected_version):
        return Outcome(False, item, {}, STALE)
    clean, errors = _clean_kamus(tenant_id, values, item)
    if errors:
        return Outcome(False, item, errors)
    if item is None:
        item = KamusUsulan(tenant_id=tenant_id, aktif=True, version=1, **clean)
        db.session.add(item)
        db.session.flush()
        record(tenant_id=tenant_id, actor=actor, action="kamus.create", obj=item,
               changes={k: [None, v] for k, v in clean.items() if v is not None})
    else:
        changes = diff(item, KAMUS_FIELDS, clean)
        if changes:
            if not claim_version(item, expected_version):   # a concurrent save came first
                db.session.rollback()
                return Outcome(False, item, {}, STALE)
            for key, value in clean.items():
                setattr(item, key, value)
            record(tenant_id=tenant_id, actor=actor, action="kamus.update", obj=item, changes=changes)
    db.session.commit()
    return Outcome(True, item)


def set_kamus_aktif(tenant_id: int, actor, item: KamusUsulan, aktif: bool,
                    expected_version) -> Outcome:
    """Deactivate (or reactivate) an item: proposals keep it, new proposals cannot pick it."""
    if item.tenant_id != tenant_id:
        raise ValueError("item of another region")
    if str(item.version) != str(expected_version):
        return Outcome(False, item, {}, STALE)
    if item.aktif != aktif:
        if not claim_version(item, expected_version):
            db.session.rollback()
            return Outcome(False, item, {}, STALE)
        record(tenant_id=tenant_id, actor=actor, action="kamus.activate" if aktif else "kamus.deactivate",
               obj=item, changes={"aktif": [item.aktif, aktif]})
        item.aktif = aktif
    db.session.commit()
    return Outcome(True, item)


# ---- imports -----------------------------------------------------------------------------

def _commit_import(tenant_id: int, actor, report: ImportReport, action: str, object_type: str,
                   extra: dict | None = None) -> ImportReport:
    if not report.ok:
        db.session.rollback()
        return report
    if report.changed:
        changes = {"file": [None, report.file], "created": [None, report.created],
                   "updated": [None, report.updated], **(extra or {}), **report.changes}
        record(tenant_id=tenant_id, actor=actor, action=action, object_type=object_type,
               changes=changes)
    db.session.commit()
    return report


def import_nomenklatur(tenant_id: int, actor, data: bytes, filename: str, *,
                       allow_missing_parents: bool = False, progress=None) -> ImportReport:
    """Import Permendagri 90/2019 codes (CSV or .xlsx) for the region; all or nothing.

    ``allow_missing_parents``: accept rows whose parent code is in neither the file nor the
    database (the published lists have such gaps); they come back as ``report.warnings``.
    ``progress``: wraps the rows read (a background job counts them as they are applied).
    """
    try:
        report, rows = nomenklatur_importer.parse_nomenklatur(data, filename)
        rows = progress(rows) if progress is not None else rows
        nomenklatur_importer.apply_nomenklatur(tenant_id, report, rows, allow_missing_parents=allow_missing_parents)
        return _commit_import(tenant_id, actor, report, "nomenklatur.import", Nomenklatur.__tablename__)
    except Exception:
        db.session.rollback()
        raise


def import_kamus(tenant_id: int, actor, data: bytes, filename: str, *, progress=None) -> ImportReport:
    """Import catalogue items (CSV or .xlsx); all or nothing; changed prices are in the entry.
    ``progress``: as for :func:`import_nomenklatur`."""
    try:
        report, rows = importer.parse_kamus(data, filename)
        rows = progress(rows) if progress is not None else rows
        importer.apply_kamus(tenant_id, report, rows)
        return _commit_import(tenant_id, actor, report, "kamus.import", KamusUsulan.__tablename__)
    except Exception:
        db.session.rollback()
        raise


# ---- look-ups (read only) ----------------------------------------------------------------

def find_nomenklatur(tenant_id: int, code: str, tingkat: str | None = None) -> Nomenklatur | None:
    """The region's row for a code as typed; a sub kegiatan is found by either code form."""
    query = select(Nomenklatur).where(Nomenklatur.tenant_id == tenant_id,
                                      Nomenklatur.kode == normalize_sub_kegiatan(code))
    if tingkat is not None:
        query = query.where(Nomenklatur.tingkat == tingkat)
    return db.session.scalar(query)


def kamus_text_clause(text: str):
    """Catalogue items whose code starts with, or whose name contains, ``text``."""
    text = text.strip()
    return or_(KamusUsulan.kode.startswith(text, autoescape=True),
               KamusUsulan.nama.icontains(text, autoescape=True))


def nomenklatur_text_clause(text: str):
    """Codes starting with ``text`` (a sub kegiatan in either form) or names containing it."""
    text = text.strip()
    return or_(Nomenklatur.kode.startswith(normalize_sub_kegiatan(text), autoescape=True),
               Nomenklatur.nama.icontains(text, autoescape=True))


def search_kamus(tenant_id: int, text: str = "", *, bidang: str | None = None,
                 limit: int = 20) -> list[KamusUsulan]:
    """Active catalogue items for a pick list, by name; the agency is loaded with them."""
    query = (select(KamusUsulan).where(KamusUsulan.tenant_id == tenant_id,
                                       KamusUsulan.aktif.is_(True))
             .order_by(KamusUsulan.nama, KamusUsulan.kode).limit(limit))
    if text.strip():
        query = query.where(kamus_text_clause(text))
    if bidang:
        query = query.where(KamusUsulan.bidang == bidang)
    return list(db.session.scalars(query))


def search_nomenklatur(tenant_id: int, text: str = "", *, tingkat: str | None = None,
                       limit: int = 20) -> list[Nomenklatur]:
    """Nomenklatur rows for a pick list, in code order."""
    query = (select(Nomenklatur).where(Nomenklatur.tenant_id == tenant_id)
             .order_by(Nomenklatur.kode).limit(limit))
    if text.strip():
        query = query.where(nomenklatur_text_clause(text))
    if tingkat:
        query = query.where(Nomenklatur.tingkat == tingkat)
    return list(db.session.scalars(query))

"""Importing the proposal catalogue (kamus usulan), all or nothing.

File: CSV or .xlsx (see :mod:`eplanning_core.importing.reader`), columns
``kode,nama,bidang,satuan,harga_satuan[,perangkat_daerah,sub_kegiatan]``. The price is whole
rupiah, read by :func:`eplanning_core.money.parse_rupiah` and worded here
(:func:`read_harga`); a sub kegiatan code may come in either form (:mod:`.nomenclature`).
Every row is checked against the file and the database before anything is written; each
problem names its line (CSV) or row (Excel). Re-running the same file changes nothing.

This module checks and writes (flush only); :mod:`.operations` commits with the history entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from ..accounts.models import PerangkatDaerah
from ..extensions import db
from ..importing import ImportReport, read_rows
from ..money import RupiahError, RupiahProblem, parse_rupiah
from .models import BIDANG, KamusUsulan, Nomenklatur
from .nomenclature import is_sub_kegiatan, normalize_sub_kegiatan

MAX_KAMUS_CODE, MAX_KAMUS_NAME, MAX_SATUAN = 40, 250, 40
KAMUS_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_/]*$")


# ---- the unit price and the bidang -------------------------------------------------------

class HargaError(ValueError):
    """A unit price that is not whole rupiah: ``kind`` for programs, ``message`` for people."""

    def __init__(self, kind: str, message):
        self.kind = kind
        self.message = message
        super().__init__(kind)


_HARGA_KINDS = {RupiahProblem.EMPTY: "harga_empty", RupiahProblem.NEGATIVE: "harga_negative",
                RupiahProblem.FRACTION: "harga_decimal", RupiahProblem.TOO_LARGE: "harga_too_large",
                RupiahProblem.SEPARATORS: "harga_invalid", RupiahProblem.NOT_AN_AMOUNT: "harga_invalid"}


def _harga_message(code: RupiahProblem, shown: str):
    if code is RupiahProblem.EMPTY:
        return _l("the unit price (harga_satuan) is empty")
    if code is RupiahProblem.FRACTION:
        return _l("unit price %(value)s has a fraction: write whole rupiah, for example 1.250.000",
                  value=shown)
    if code is RupiahProblem.NEGATIVE:
        return _l("unit price %(value)s is negative: a price is zero or more", value=shown)
    if code is RupiahProblem.TOO_LARGE:
        return _l("unit price %(value)s is too large", value=shown)
    return _l("unit price %(value)s is not an amount in whole rupiah (write for example 1.250.000 "
              "or 1250000)", value=shown)


def read_harga(value) -> int:
    """A unit price as stored: an ``int`` as it is, text as ``money.parse_rupiah`` reads it.

    Raises :class:`HargaError` worded for the catalogue (file, form and API alike).
    """
    if value is None or isinstance(value, str):
        text = value or ""
    elif type(value) is int:
        text = str(value)
    else:  # a float, a bool, ...: never a price (Excel numbers arrive as text)
        raise HargaError("harga_invalid", _harga_message(RupiahProblem.NOT_AN_AMOUNT, str(value)))
    try:
        return parse_rupiah(text)
    except RupiahError as error:
        raise HargaError(_HARGA_KINDS[error.code], _harga_message(error.code, text.strip())) from None


_BIDANG_ALIASES = {"sosial_dan_budaya": "sosial_budaya", "fisik_dan_prasarana": "fisik_prasarana",
                   "sosbud": "sosial_budaya", "fispra": "fisik_prasarana"}


def normalize_bidang(value) -> str | None:
    """``ekonomi``, ``sosial_budaya`` or ``fisik_prasarana`` from a key or a human label."""
    key = re.sub(r"[\s\-/]+", "_", str(value or "").strip().lower())
    key = _BIDANG_ALIASES.get(key, key)
    return key if key in BIDANG else None


# ---- the catalogue ------------------------------------------------------------------------

@dataclass(frozen=True)
class KamusRow:
    line: int
    kode: str
    nama: str
    bidang: str
    satuan: str
    harga_satuan: int
    perangkat_daerah: str | None   # agency code; None when the file has no such column
    sub_kegiatan: str | None       # 4-digit code; None when the file has no such column


KAMUS_COLUMNS = ("kode", "nama", "bidang", "satuan", "harga_satuan")
KAMUS_IMPORT_FIELDS = ("nama", "bidang", "satuan", "harga_satuan", "perangkat_daerah_id",
                       "sub_kegiatan_kode")


def parse_kamus(data: bytes, filename: str) -> tuple[ImportReport, list[KamusRow]]:
    """Check every row on its own and against the file; database checks come in apply."""
    report = ImportReport(file=filename)
    header, records = read_rows(data, filename, KAMUS_COLUMNS, report)
    has_pd, has_sub = "perangkat_daerah" in header, "sub_kegiatan" in header
    rows: list[KamusRow] = []
    first_line: dict[str, int] = {}
    for line, rec in records:
        kode, nama, satuan = rec.get("kode", ""), rec.get("nama", ""), rec.get("satuan", "")
        before = len(report.problems)
        if not kode:
            report.problem(line, "kode_empty", _l("the code (kode) is empty"))
        elif len(kode) > MAX_KAMUS_CODE or not KAMUS_CODE.match(kode):
            report.problem(line, "kode_shape", _l(
                "code %(kode)s may hold only letters, digits, '.', '-', '_' and '/' (at most "
                "%(max)s characters)", kode=kode, max=MAX_KAMUS_CODE))
        elif kode in first_line:
            report.problem(line, "duplicate", _l(
                "code %(kode)s appears twice in the file (first at %(first)s)",
                kode=kode, first=report.at(first_line[kode])))
        else:
            first_line[kode] = line
        if not nama:
            report.problem(line, "nama_empty", _l("the name (nama) is empty"))
        elif len(nama) > MAX_KAMUS_NAME:
            report.problem(line, "nama_long", _l(
                "the name is longer than %(max)s characters", max=MAX_KAMUS_NAME))
        bidang = normalize_bidang(rec.get("bidang"))
        if bidang is None:
            report.problem(line, "bidang", _l(
                "bidang %(value)s is not one of ekonomi, sosial_budaya, fisik_prasarana",
                value=rec.get("bidang", "")))
        if not satuan:
            report.problem(line, "satuan_empty", _l("the unit of measure (satuan) is empty"))
        elif len(satuan) > MAX_SATUAN:
            report.problem(line, "satuan_long", _l(
                "the unit of measure is longer than %(max)s characters", max=MAX_SATUAN))
        try:
            harga = read_harga(rec.get("harga_satuan"))
        except HargaError as error:
            report.problem(line, error.kind, error.message)
            harga = None
        pd_kode = rec.get("perangkat_daerah", "") if has_pd else None
        sub = normalize_sub_kegiatan(rec.get("sub_kegiatan")) if has_sub else None
        if sub and not is_sub_kegiatan(sub):
            report.problem(line, "sub_kegiatan_shape", _l(
                "%(kode)s is not a sub kegiatan code (for example 1.03.10.2.01.0005 or "
                "1.03.10.2.01.05)", kode=rec.get("sub_kegiatan", "")))
        if len(report.problems) == before:
            rows.append(KamusRow(line, kode, nama, bidang, satuan, harga, pd_kode, sub))
    if not records and not report.problems:
        report.problem(0, "empty", _l("the file holds no catalogue item"))
    report.columns = {c for c in ("perangkat_daerah", "sub_kegiatan") if c in header}
    return report, rows


def apply_kamus(tenant_id: int, report: ImportReport, rows: list[KamusRow]) -> ImportReport:
    """Resolve agencies and sub kegiatan (one query each), then insert and update in bulk.

    A column missing from the file leaves that field of existing items as it is; an empty
    cell clears it. Whether an item is active is not the import's business.
    """
    columns = report.columns
    agencies = {kode: (ident, aktif) for ident, kode, aktif in db.session.execute(
        select(PerangkatDaerah.id, PerangkatDaerah.kode, PerangkatDaerah.aktif)
        .where(PerangkatDaerah.tenant_id == tenant_id))}
    sub_codes: set[str] = set()
    if any(r.sub_kegiatan for r in rows):
        sub_codes = set(db.session.scalars(select(Nomenklatur.kode).where(
            Nomenklatur.tenant_id == tenant_id, Nomenklatur.tingkat == "sub_kegiatan")))
    resolved = []
    for row in rows:
        values = {"nama": row.nama, "bidang": row.bidang, "satuan": row.satuan,
                  "harga_satuan": row.harga_satuan}
        if "perangkat_daerah" in columns:
            agency = agencies.get(row.perangkat_daerah) if row.perangkat_daerah else None
            if row.perangkat_daerah and agency is None:
                report.problem(row.line, "perangkat_daerah_unknown", _l(
                    "no Perangkat Daerah of this region has the code %(kode)s",
                    kode=row.perangkat_daerah))
            elif agency is not None and not agency[1]:
                report.problem(row.line, "perangkat_daerah_disabled", _l(
                    "Perangkat Daerah %(kode)s is disabled", kode=row.perangkat_daerah))
            values["perangkat_daerah_id"] = agency[0] if agency else None
        if "sub_kegiatan" in columns:
            if row.sub_kegiatan and row.sub_kegiatan not in sub_codes:
                report.problem(row.line, "sub_kegiatan_unknown", _l(
                    "sub kegiatan %(kode)s is not in the region's nomenklatur (import the "
                    "nomenklatur first)", kode=row.sub_kegiatan))
            values["sub_kegiatan_kode"] = row.sub_kegiatan or None
        resolved.append((row, values))
    report.sort()
    if report.problems:
        return report
    existing = {item.kode: item for item in db.session.execute(
        select(KamusUsulan.id, KamusUsulan.kode, KamusUsulan.version,
               *[getattr(KamusUsulan, f) for f in KAMUS_IMPORT_FIELDS])
        .where(KamusUsulan.tenant_id == tenant_id))}
    new, changed = [], []
    for row, values in resolved:
        item = existing.get(row.kode)
        if item is None:
            new.append({"tenant_id": tenant_id, "kode": row.kode, "aktif": True, "version": 1,
                        "perangkat_daerah_id": None, "sub_kegiatan_kode": None, **values})
            continue
        diff = {k: [getattr(item, k), v] for k, v in values.items() if getattr(item, k) != v}
        if not diff:
            report.unchanged += 1
            continue
        changed.append({"id": item.id, "version": item.version + 1, **values})
        for key, pair in diff.items():
            report.changes[f"{row.kode}.{key}"] = pair
    if new:
        db.session.execute(insert(KamusUsulan), new)
    if changed:
        db.session.execute(update(KamusUsulan), changed)
    report.created, report.updated = len(new), len(changed)
    return report

"""Importing the Permendagri 90/2019 nomenclature and the proposal catalogue, all or nothing.

Both imports read CSV (UTF-8, ``,`` or ``;``) or an Excel workbook (.xlsx, first sheet, first
row the header). Every row is checked against the file and the database before anything is
written; one bad row refuses the whole file, and each problem names its line (CSV) or row
(Excel). Re-running the same file changes nothing.

- Nomenklatur: ``tingkat,kode,nama[,jenis_pemda]``. Only ``kabupaten_kota`` rows are taken
  (a file without ``jenis_pemda`` is taken whole). Sub kegiatan codes come in the 2019 form
  (``1.03.10.2.01.05``) or the later 4-digit form (``1.03.10.2.01.0005``) and are stored in
  the 4-digit form: :func:`normalize_sub_kegiatan` is the one place that decides.
- Kamus usulan: ``kode,nama,bidang,satuan,harga_satuan[,perangkat_daerah,sub_kegiatan]``;
  the price is whole rupiah (:func:`parse_rupiah`), never a float.

Problem messages are lazy strings: they are rendered in the reader's language where shown.
This module checks and writes (flush only); :mod:`.operations` commits with the audit entry.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from ..accounts.models import PerangkatDaerah
from ..extensions import db
from ..money import MAX_RUPIAH
from ..money import parse_rupiah as money_parse_rupiah
from .models import BIDANG, NOMENKLATUR_LEVELS, KamusUsulan, Nomenklatur

# ---- codes -------------------------------------------------------------------------------

_U = r"[0-9X]"          # urusan: 1..8, or X for the supporting programmes (penunjang)
_B = r"(?:\d{2}|XX)"    # bidang urusan
CODE_SHAPES = {
    "urusan": re.compile(rf"^{_U}$"),
    "bidang_urusan": re.compile(rf"^{_U}\.{_B}$"),
    "program": re.compile(rf"^{_U}\.{_B}\.\d{{2}}$"),
    "kegiatan": re.compile(rf"^{_U}\.{_B}\.\d{{2}}\.\d\.\d{{2}}$"),
    "sub_kegiatan": re.compile(rf"^{_U}\.{_B}\.\d{{2}}\.\d\.\d{{2}}\.\d{{4}}$"),
}
CODE_EXAMPLES = {"urusan": "1", "bidang_urusan": "1.03", "program": "1.03.10",
                 "kegiatan": "1.03.10.2.01", "sub_kegiatan": "1.03.10.2.01.0005"}
_SUB_KEGIATAN_2019 = re.compile(rf"^({_U}\.{_B}\.\d{{2}}\.\d\.\d{{2}})\.(\d{{2}})$")
_PARENT_LEVEL = dict(zip(NOMENKLATUR_LEVELS[1:], NOMENKLATUR_LEVELS[:-1]))

MAX_NOMENKLATUR_NAME = 400
MAX_KAMUS_CODE, MAX_KAMUS_NAME, MAX_SATUAN = 40, 250, 40
MAX_ROWS = 100_000  # the national nomenklatur has about 6,500; a catalogue a few thousand
KAMUS_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_/]*$")


def normalize_code(code) -> str:
    """A nomenclature code as typed, tidied: no spaces, an upper-case X."""
    return re.sub(r"\s+", "", str(code or "")).upper()


def normalize_sub_kegiatan(code) -> str:
    """The stored form of a sub kegiatan code: ``1.03.10.2.01.05`` -> ``1.03.10.2.01.0005``.

    The 4-digit form is kept as it is; any other text is returned tidied but unchanged, so
    callers can use it on everything a user types into a sub kegiatan field or search box.
    """
    code = normalize_code(code)
    match = _SUB_KEGIATAN_2019.match(code)
    return f"{match[1]}.{int(match[2]):04d}" if match else code


def tingkat_of(code) -> str | None:
    """The level whose code shape ``code`` has (after normalising), or None."""
    code = normalize_sub_kegiatan(code)
    for tingkat, shape in CODE_SHAPES.items():
        if shape.match(code):
            return tingkat
    return None


def level_word(tingkat: str) -> str:
    """``bidang_urusan`` -> ``bidang urusan``: the domain's own words, the same in every language."""
    return tingkat.replace("_", " ")


def parent_code(kode: str, tingkat: str) -> str | None:
    """The code one level up: a kegiatan ``1.03.10.2.01`` belongs to program ``1.03.10``."""
    if tingkat == "urusan":
        return None
    if tingkat == "kegiatan":
        return ".".join(kode.split(".")[:3])
    return kode.rsplit(".", 1)[0]


# ---- money and bidang --------------------------------------------------------------------

class RupiahError(ValueError):
    def __init__(self, kind: str, message):
        self.kind = kind
        self.message = message
        super().__init__(kind)


_FRACTION = re.compile(r"^(?:\d+\.\d{1,2}|[\d.]*,\d+)$")


def parse_rupiah(value) -> int:
    """Whole rupiah from ``1250000``, ``"1.250.000"`` or ``"Rp 1.250.000"``; RupiahError otherwise.

    Fractions (``1.250.000,50``, ``12.5``), negative amounts and anything else are refused.
    An Excel number cell arrives as int (or as a float with no fraction) and is accepted.
    """
    shown = "" if value is None else str(value).strip()
    if not shown:
        raise RupiahError("harga_empty", _l("the unit price (harga_satuan) is empty"))
    fraction = RupiahError("harga_decimal", _l(
        "unit price %(value)s has a fraction: write whole rupiah, for example 1.250.000",
        value=shown))
    negative = RupiahError("harga_negative", _l(
        "unit price %(value)s is negative: a price is zero or more", value=shown))
    invalid = RupiahError("harga_invalid", _l(
        "unit price %(value)s is not an amount in whole rupiah (write for example 1.250.000 "
        "or 1250000)", value=shown))
    if isinstance(value, bool):
        raise invalid
    if isinstance(value, int):
        amount = value
    elif isinstance(value, (float, Decimal)):
        try:
            number = Decimal(str(value))
            whole = number.is_finite() and number == number.to_integral_value()
        except InvalidOperation:
            whole = False
        if not whole:
            raise fraction
        amount = int(number)
    else:
        # The text forms are money.parse_rupiah's; only its refusals are classified here.
        try:
            amount = money_parse_rupiah(shown)
        except (TypeError, ValueError) as exc:
            reason = str(exc)
            if "negative" in reason or (shown.startswith("(") and shown.endswith(")")):
                raise negative from None
            if "cents" in reason or _FRACTION.match(shown.replace(" ", "")):
                raise fraction from None
            if "too large" in reason or "too long" in reason:
                raise RupiahError("harga_too_large", _l("unit price %(value)s is too large", value=shown)) from None
            raise invalid from None
    if amount < 0:
        raise negative
    if amount > MAX_RUPIAH:
        raise RupiahError("harga_too_large", _l("unit price %(value)s is too large", value=shown))
    return amount


_BIDANG_ALIASES = {"sosial_dan_budaya": "sosial_budaya", "fisik_dan_prasarana": "fisik_prasarana",
                   "sosbud": "sosial_budaya", "fispra": "fisik_prasarana"}


def normalize_bidang(value) -> str | None:
    """``ekonomi``, ``sosial_budaya`` or ``fisik_prasarana`` from a key or a human label."""
    key = re.sub(r"[\s\-/]+", "_", str(value or "").strip().lower())
    key = _BIDANG_ALIASES.get(key, key)
    return key if key in BIDANG else None


# ---- problems and the report -------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    line: int          # CSV line or Excel row, counting the header as 1; 0 = the whole file
    kind: str          # a stable key for programs and tests, e.g. "parent_missing"
    message: object = field(repr=False)  # lazy string, rendered in the reader's language
    excel: bool = False

    @property
    def where(self):
        if not self.line:
            return _l("File")
        return _l("Row %(num)s", num=self.line) if self.excel else _l("Line %(num)s", num=self.line)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did. ``problems`` non-empty: nothing was written."""

    file: str
    excel: bool = False
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0   # rows for another kind of region (jenis_pemda provinsi)
    changes: dict = field(default_factory=dict)  # per-item changes, for the audit entry
    #: Filled by the parser for the database checks: well-formed codes seen in the file (even
    #: on rows refused for another reason) and the optional columns the file has.
    seen_codes: set = field(default_factory=set, repr=False)
    columns: set = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def problem(self, line: int, kind: str, message) -> None:
        self.problems.append(ImportProblem(line, kind, message, self.excel))

    def warning(self, line: int, kind: str, message) -> None:
        self.warnings.append(ImportProblem(line, kind, message, self.excel))

    def sort(self) -> None:
        self.problems.sort(key=lambda p: p.line)
        self.warnings.sort(key=lambda p: p.line)

    def at(self, line: int):
        """``line 4`` or ``row 4``, for messages that point at another row."""
        return _l("row %(num)s", num=line) if self.excel else _l("line %(num)s", num=line)


# ---- reading CSV and Excel ---------------------------------------------------------------

def _header_key(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())


def is_excel(data: bytes, filename: str) -> bool:
    return filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def read_rows(data: bytes, filename: str, required: tuple[str, ...],
              report: ImportReport) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and the non-empty rows ``(line, {column: value})`` of a CSV or .xlsx file.

    Excel cells keep their type (numbers stay numbers); CSV values are stripped strings.
    Problems with the file as a whole go to ``report``; then no rows are returned.
    """
    report.excel = is_excel(data, filename)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(".xls"):
        report.problem(0, "file_format", _l(
            "the old Excel format (.xls) cannot be read: save the file as .xlsx or as CSV UTF-8"))
        return [], []
    try:
        header, records = _read_excel(data) if report.excel else _read_csv(data)
    except _TooManyRows:
        report.problem(0, "too_many_rows", _l(
            "the file has more than %(max)s rows (empty rows that carry formatting count too)",
            max=MAX_ROWS))
        return [], []
    except UnicodeDecodeError:
        report.problem(0, "file_encoding", _l("the file is not UTF-8 text: save it as CSV UTF-8"))
        return [], []
    except Exception:  # openpyxl and csv raise many kinds of error for a damaged or foreign file
        if report.excel:
            report.problem(0, "file_format", _l("the file cannot be read as an Excel workbook (.xlsx)"))
        else:
            report.problem(0, "file_format", _l("the file cannot be read as CSV text"))
        return [], []
    missing = [c for c in required if c not in header]
    if missing:
        report.problem(1, "header", _l(
            "the first row must name the columns %(columns)s (missing: %(missing)s)",
            columns=",".join(required), missing=", ".join(missing)))
        return header, []
    rows = []
    for line, values in records:
        if len(values) > len(header) and any(not _blank(v) for v in values[len(header):]):
            report.problem(line, "extra_values", _l(
                "this row has more values than the header has columns"))
            continue
        record = {name: values[i] if i < len(values) else None
                  for i, name in enumerate(header) if name}
        if all(_blank(v) for v in record.values()):
            continue
        rows.append((line, record))
    return header, rows


class _TooManyRows(Exception):
    pass


def _capped(rows):
    """The rows, numbered from 2 (the header is 1), refusing absurdly long files early."""
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise _TooManyRows
        yield number, values


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_csv(data: bytes):
    text = data.decode("utf-8-sig").lstrip("\ufeff")
    if "\x00" in text:  # a binary file with a .csv name; PostgreSQL refuses NUL in text anyway
        raise ValueError("NUL byte in CSV")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [_header_key(h) for h in next(reader, [])]
    records = [(reader.line_num, [v.strip() for v in row]) for _n, row in _capped(reader)]
    return header, records


def _read_excel(data: bytes):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size: never drop rows silently
        rows = sheet.iter_rows(values_only=True)
        header = [_header_key(h) for h in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        records = [(number, list(values)) for number, values in _capped(rows)]
    finally:
        workbook.close()
    return header, records


def text(value) -> str:
    """A cell as text: Excel numbers without a spurious ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


# ---- nomenklatur -------------------------------------------------------------------------

@dataclass(frozen=True)
class NomenklaturRow:
    line: int
    tingkat: str
    kode: str
    nama: str


NOMENKLATUR_COLUMNS = ("tingkat", "kode", "nama")
KEPT_JENIS = {"", "kabupaten_kota"}
SKIPPED_JENIS = {"provinsi"}


def parse_nomenklatur(data: bytes, filename: str) -> tuple[ImportReport, list[NomenklaturRow]]:
    """Check every row on its own and against the file; database checks come in apply."""
    report = ImportReport(file=filename)
    header, records = read_rows(data, filename, NOMENKLATUR_COLUMNS, report)
    has_jenis = "jenis_pemda" in header
    rows: list[NomenklaturRow] = []
    first_line: dict[str, int] = {}
    for line, rec in records:
        if has_jenis:
            jenis = _header_key(text(rec.get("jenis_pemda")))
            if jenis in SKIPPED_JENIS:
                report.skipped += 1
                continue
            if jenis not in KEPT_JENIS:
                report.problem(line, "jenis_pemda", _l(
                    "jenis_pemda %(value)s is neither kabupaten_kota nor provinsi",
                    value=text(rec.get("jenis_pemda"))))
                continue
        tingkat = _header_key(text(rec.get("tingkat")))
        raw_kode = text(rec.get("kode"))
        kode = normalize_sub_kegiatan(raw_kode)
        nama = text(rec.get("nama"))
        if tingkat not in CODE_SHAPES:
            report.problem(line, "tingkat", _l(
                "tingkat %(value)s is not one of urusan, bidang_urusan, program, kegiatan, "
                "sub_kegiatan", value=text(rec.get("tingkat"))))
            continue
        if not kode:
            report.problem(line, "kode_empty", _l("the code (kode) is empty"))
            continue
        if not CODE_SHAPES[tingkat].match(kode):
            report.problem(line, "kode_shape", _l(
                "code %(kode)s is not a %(tingkat)s code (for example %(example)s)",
                kode=raw_kode, tingkat=level_word(tingkat), example=CODE_EXAMPLES[tingkat]))
            continue
        if kode in first_line:
            report.problem(line, "duplicate", _l(
                "code %(kode)s appears twice in the file (first at %(first)s)",
                kode=raw_kode, first=report.at(first_line[kode])))
            continue
        first_line[kode] = line
        if not nama:
            report.problem(line, "nama_empty", _l("the name (nama) is empty"))
            continue
        if len(nama) > MAX_NOMENKLATUR_NAME:
            report.problem(line, "nama_long", _l(
                "the name is longer than %(max)s characters", max=MAX_NOMENKLATUR_NAME))
            continue
        rows.append(NomenklaturRow(line, tingkat, kode, nama))
    if not rows and not report.problems:
        report.problem(0, "empty", _l("the file holds no row for a kabupaten or kota"))
    report.seen_codes = set(first_line)
    return report, rows


def apply_nomenklatur(tenant_id: int, report: ImportReport, rows: list[NomenklaturRow], *,
                      allow_missing_parents: bool = False) -> ImportReport:
    """Check parents against the file and the database; write only when no problem is left.

    One query loads the region's codes; new rows go in one executemany INSERT, renamed rows
    in one executemany UPDATE. Flushes, never commits.
    """
    existing = {kode: (ident, nama) for ident, kode, nama in db.session.execute(
        select(Nomenklatur.id, Nomenklatur.kode, Nomenklatur.nama)
        .where(Nomenklatur.tenant_id == tenant_id))}
    in_file = report.seen_codes or {r.kode for r in rows}
    for row in rows:
        parent = parent_code(row.kode, row.tingkat)
        if parent is None or parent in in_file or parent in existing:
            continue
        message = _l("its parent %(tingkat)s %(parent)s is neither in the file nor already imported",
                     tingkat=level_word(_PARENT_LEVEL[row.tingkat]), parent=parent)
        if allow_missing_parents:
            report.warning(row.line, "parent_missing", message)
        else:
            report.problem(row.line, "parent_missing", message)
    report.sort()
    if report.problems:
        return report
    new, renamed = [], []
    for row in rows:
        found = existing.get(row.kode)
        if found is None:
            new.append({"tenant_id": tenant_id, "tingkat": row.tingkat, "kode": row.kode,
                        "nama": row.nama})
        elif found[1] != row.nama:
            renamed.append({"id": found[0], "nama": row.nama})
            report.changes[row.kode] = [found[1], row.nama]
        else:
            report.unchanged += 1
    if new:
        db.session.execute(insert(Nomenklatur), new)
    if renamed:
        db.session.execute(update(Nomenklatur), renamed)
    report.created, report.updated = len(new), len(renamed)
    return report


# ---- kamus usulan ------------------------------------------------------------------------

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
    report = ImportReport(file=filename)
    header, records = read_rows(data, filename, KAMUS_COLUMNS, report)
    has_pd, has_sub = "perangkat_daerah" in header, "sub_kegiatan" in header
    rows: list[KamusRow] = []
    first_line: dict[str, int] = {}
    for line, rec in records:
        kode, nama, satuan = text(rec.get("kode")), text(rec.get("nama")), text(rec.get("satuan"))
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
        bidang = normalize_bidang(text(rec.get("bidang")))
        if bidang is None:
            report.problem(line, "bidang", _l(
                "bidang %(value)s is not one of ekonomi, sosial_budaya, fisik_prasarana",
                value=text(rec.get("bidang"))))
        if not satuan:
            report.problem(line, "satuan_empty", _l("the unit of measure (satuan) is empty"))
        elif len(satuan) > MAX_SATUAN:
            report.problem(line, "satuan_long", _l(
                "the unit of measure is longer than %(max)s characters", max=MAX_SATUAN))
        try:
            harga = parse_rupiah(rec.get("harga_satuan"))
        except RupiahError as error:
            report.problem(line, error.kind, error.message)
            harga = None
        pd_kode = text(rec.get("perangkat_daerah")) if has_pd else None
        sub = normalize_sub_kegiatan(rec.get("sub_kegiatan")) if has_sub else None
        if sub and not CODE_SHAPES["sub_kegiatan"].match(sub):
            report.problem(line, "sub_kegiatan_shape", _l(
                "%(kode)s is not a sub kegiatan code (for example 1.03.10.2.01.0005 or "
                "1.03.10.2.01.05)", kode=text(rec.get("sub_kegiatan"))))
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

"""Importing a region's units from CSV or Excel, all or nothing.

Two files:
- a Kemendagri-format list ``kode,nama[,tingkat][,kode_induk]`` (the national wilayah.csv or an
  extract): only rows under the region's code are taken; kecamatan and desa/kelurahan/nagari;
- the region's own list of its lowest level ``kode,nama[,kode_induk]`` (lingkungan, dusun,
  jorong), whose codes extend their village's code: 12.71.01.1001.03.

The parent column is optional and goes by any of the names in :data:`PARENT_COLUMNS`
(Kemendagri-style files say ``induk``, ``kode_induk``, ``parent`` ...). When a row gives it,
the parent must be the code its own code starts with (a kecamatan's parent is the region
itself), and, like every derived parent, be in the files or already imported.

Every row is checked before anything is written; one bad row refuses the whole import, each
problem naming its file and line. Re-running the same files changes nothing.
docs/configuration.md ("Unit files") shows how the published lists map to these columns.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.operations import record
from ..extensions import db
from ..importing import ImportProblem, ImportReport, read_rows
from ..importing.problems import at
from .models import DESA, KECAMATAN, LINGKUNGAN, Wilayah

# re.ASCII: "\d" is 0-9 only, not every script's digits ("١٢.٧١.٠١" is no Kemendagri code).
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$", re.ASCII)
DESA_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$", re.ASCII)
LOWEST_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}\.[0-9A-Za-z]{1,6}$", re.ASCII)
TINGKAT_WORDS = {"provinsi": 0, "kabupaten_kota": 0, "kecamatan": KECAMATAN, "desa_kelurahan": DESA}
MAX_NAME = 120
#: The parent column, and the other names it has in the files regions get (compared without
#: case, spaces or hyphens: "Kode Induk" is kode_induk). One file uses one of them.
PARENT = "kode_induk"
PARENT_COLUMNS = (PARENT, "induk", "kode_parent", "parent", "parent_code", "parent_kode")
#: The whole national list may be given (91,599 units in 2025): room for it to grow.
MAX_ROWS = 250_000


@dataclass(frozen=True)
class Row:
    line: int
    kode: str
    nama: str
    tingkat: int
    parent_kode: str | None
    excel: bool = False


@dataclass
class UnitsReport(ImportReport):
    """New, renamed and unchanged units per level (1 kecamatan, 2 village, 3 lowest)."""

    created: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    renamed: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    unchanged: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.renamed.values())


class WilayahImportError(Exception):
    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _problem(problems: list, file: str, line: int, kind: str, message, excel: bool = False) -> None:
    problems.append(ImportProblem(line, kind, message, excel, file))


def empty_file_problem(file: str, region_code: str) -> ImportProblem:
    """A Kemendagri file with no unit of the region: the wrong file, or the wrong region."""
    return ImportProblem(0, "empty", _l("holds no kecamatan or village of region %(region)s",
                                        region=region_code), False, file)


def _read(data: bytes | str, name: str, problems: list[ImportProblem]):
    """The rows of one file, its parent column's own name, and whether it is Excel."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = ImportReport(file=name)
    _header, records = read_rows(data, name, ("kode", "nama"), report,
                                 aliases={PARENT: PARENT_COLUMNS[1:]}, max_rows=MAX_ROWS)
    problems.extend(dataclasses.replace(p, file=name) for p in report.problems)
    return records, report.column_names.get(PARENT, PARENT), report.excel


def _parent_differs(rec: dict, derived: str, column: str, kode: str, name: str, line: int,
                    excel: bool, problems: list) -> bool:
    """A given parent that is not the code's own prefix: reported, and True."""
    given = rec.get(PARENT, "")
    if not given or given == derived:
        return False
    _problem(problems, name, line, "parent_mismatch", _l(
        "kode '%(kode)s' does not start with its %(column)s '%(induk)s'",
        kode=kode, column=column, induk=given), excel)
    return True


def parse_kemendagri(data: bytes | str, region_code: str, name: str,
                     problems: list[ImportProblem]) -> list[Row]:
    rows: list[Row] = []
    prefix = region_code + "."
    records, column, excel = _read(data, name, problems)
    for line, rec in records:
        kode, nama = rec.get("kode", ""), rec.get("nama", "")
        if not kode and not nama:
            continue
        tingkat_word = rec.get("tingkat", "")
        if tingkat_word and tingkat_word not in TINGKAT_WORDS:
            _problem(problems, name, line, "tingkat", _l(
                "tingkat '%(value)s' is not one of %(words)s",
                value=tingkat_word, words=", ".join(TINGKAT_WORDS)), excel)
            continue
        if not kode.startswith(prefix):
            continue  # another region's row, or the province/kabupaten itself
        if KECAMATAN_CODE.match(kode):
            tingkat, parent = KECAMATAN, None
        elif DESA_CODE.match(kode):
            tingkat, parent = DESA, kode.rsplit(".", 1)[0]
        else:
            _problem(problems, name, line, "kode_shape", _l(
                "kode '%(kode)s' is neither a kecamatan code (12.71.01) nor a desa/kelurahan code "
                "(12.71.01.1001)", kode=kode), excel)
            continue
        if tingkat_word and TINGKAT_WORDS[tingkat_word] != tingkat:
            _problem(problems, name, line, "tingkat_mismatch", _l(
                "kode '%(kode)s' does not fit tingkat '%(tingkat)s'", kode=kode, tingkat=tingkat_word),
                excel)
            continue
        if _parent_differs(rec, parent or region_code, column, kode, name, line, excel, problems):
            continue
        if not _name_ok(nama, name, line, excel, problems):
            continue
        rows.append(Row(line, kode, nama, tingkat, parent, excel))
    return rows


def parse_lowest(data: bytes | str, region_code: str, name: str,
                 problems: list[ImportProblem]) -> list[Row]:
    rows: list[Row] = []
    records, column, excel = _read(data, name, problems)
    for line, rec in records:
        kode, nama = rec.get("kode", ""), rec.get("nama", "")
        if not kode and not nama:
            continue
        if not LOWEST_CODE.match(kode):
            _problem(problems, name, line, "kode_shape", _l(
                "kode '%(kode)s' must be the village code followed by '.' and up to 6 letters or "
                "digits, e.g. 12.71.01.1001.03", kode=kode), excel)
            continue
        derived = kode.rsplit(".", 1)[0]
        if _parent_differs(rec, derived, column, kode, name, line, excel, problems):
            continue
        if not kode.startswith(region_code + "."):
            _problem(problems, name, line, "outside_region", _l(
                "kode '%(kode)s' lies outside region %(region)s", kode=kode, region=region_code), excel)
            continue
        if not _name_ok(nama, name, line, excel, problems):
            continue
        rows.append(Row(line, kode, nama, LINGKUNGAN, derived, excel))
    return rows


def _name_ok(nama: str, file: str, line: int, excel: bool, problems: list[ImportProblem]) -> bool:
    if not nama:
        _problem(problems, file, line, "nama_empty", _l("nama is empty"), excel)
        return False
    if len(nama) > MAX_NAME:
        _problem(problems, file, line, "nama_long", _l(
            "nama is longer than %(max)s characters", max=MAX_NAME), excel)
        return False
    if any(unicodedata.category(ch) == "Cc" for ch in nama):  # NUL, tabs, line breaks ...
        _problem(problems, file, line, "nama_control", _l(
            "nama holds a control character (e.g. NUL or a line break)"), excel)
        return False
    return True


def import_units(tenant_id: int, rows_by_file: list[tuple[str, list[Row]]],
                 problems: list[ImportProblem] | None = None) -> UnitsReport:
    """Check every row against the file and the database, then write all in one transaction."""
    problems = list(problems or [])
    existing = {w.kode: w for w in db.session.scalars(
        select(Wilayah).where(Wilayah.tenant_id == tenant_id))}
    incoming: dict[str, tuple[str, Row]] = {}
    for file, rows in rows_by_file:
        for row in rows:
            if row.kode in incoming:
                first_file, first = incoming[row.kode]
                _problem(problems, file, row.line, "duplicate", _l(
                    "kode '%(kode)s' appears twice (first in %(file)s, %(where)s)", kode=row.kode,
                    file=first_file, where=at(first.line, first.excel)), row.excel)
                continue
            incoming[row.kode] = (file, row)
    for kode, (file, row) in incoming.items():
        if row.parent_kode is None:
            continue
        parent = incoming.get(row.parent_kode)
        parent_level = parent[1].tingkat if parent else (
            existing[row.parent_kode].tingkat if row.parent_kode in existing else None)
        if parent_level is None:
            _problem(problems, file, row.line, "parent_missing", _l(
                "its parent unit '%(parent)s' is neither in the file nor already imported",
                parent=row.parent_kode), row.excel)
        elif parent_level != row.tingkat - 1:
            _problem(problems, file, row.line, "parent_level", _l(
                "its parent '%(parent)s' is not one level above it", parent=row.parent_kode), row.excel)
    for kode, (file, row) in incoming.items():
        if kode in existing and existing[kode].tingkat != row.tingkat:
            _problem(problems, file, row.line, "level_changed", _l(
                "kode '%(kode)s' is already imported at another level", kode=kode), row.excel)
    if problems:
        db.session.rollback()
        raise WilayahImportError(sorted(problems, key=lambda p: (p.file, p.line)))

    report = UnitsReport()
    by_kode = dict(existing)
    try:
        for level in (KECAMATAN, DESA, LINGKUNGAN):
            new_units = []
            for kode, (_file, row) in incoming.items():
                if row.tingkat != level:
                    continue
                unit = by_kode.get(kode)
                if unit is None:
                    parent = by_kode[row.parent_kode] if row.parent_kode else None
                    unit = Wilayah(tenant_id=tenant_id, kode=kode, nama=row.nama, tingkat=level,
                                   jenis=_jenis(kode, level), parent=parent)
                    new_units.append(unit)
                    by_kode[kode] = unit
                    report.created[level] += 1
                elif unit.nama != row.nama:
                    unit.nama = row.nama
                    unit.version += 1
                    report.renamed[level] += 1
                else:
                    report.unchanged[level] += 1
            db.session.add_all(new_units)
            db.session.flush()
        created, renamed = sum(report.created.values()), sum(report.renamed.values())
        if created or renamed:  # traceable like every change, and it moves the region's history head
            record(tenant_id=tenant_id, actor=None, action="wilayah.impor", object_type="wilayah",
                   changes={"units_created": [None, created], "units_renamed": [None, renamed]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _jenis(kode: str, level: int) -> str | None:
    """Kemendagri codes say it: 1xxx is a kelurahan, 2xxx a desa (or nagari)."""
    if level != DESA:
        return None
    return "kelurahan" if kode.rsplit(".", 1)[1].startswith("1") else "desa"


def import_files(tenant_id: int, region_code: str, wilayah_file: Path | None,
                 units_file: Path | None) -> UnitsReport:
    """Read, check and import the two files (either may be None); WilayahImportError lists
    every problem and nothing is written."""
    problems: list[ImportProblem] = []
    parsed: list[tuple[str, list[Row]]] = []
    if wilayah_file is not None:
        parsed.append((wilayah_file.name, parse_kemendagri(
            wilayah_file.read_bytes(), region_code, wilayah_file.name, problems)))
        if not parsed[-1][1] and not problems:
            problems.append(empty_file_problem(wilayah_file.name, region_code))
    if units_file is not None:
        parsed.append((units_file.name, parse_lowest(
            units_file.read_bytes(), region_code, units_file.name, problems)))
    return import_units(tenant_id, parsed, problems)

"""Importing a region's units from CSV, all or nothing.

Two files:
- a Kemendagri-format list ``kode,nama[,tingkat]`` (the national wilayah.csv or an extract):
  only rows under the region's code are taken; kecamatan and desa/kelurahan/nagari;
- the region's own list of its lowest level ``kode,nama[,kode_induk]`` (lingkungan, dusun,
  jorong), whose codes extend their village's code: 12.71.01.1001.03.

Every row is checked before anything is written; one bad row refuses the whole import.
Re-running the same files changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..audit.operations import record
from ..extensions import db
from .models import DESA, KECAMATAN, LINGKUNGAN, Wilayah

# re.ASCII: "\d" is 0-9 only, not every script's digits ("١٢.٧١.٠١" is no Kemendagri code).
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$", re.ASCII)
DESA_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$", re.ASCII)
LOWEST_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}\.[0-9A-Za-z]{1,6}$", re.ASCII)
TINGKAT_WORDS = {"provinsi": 0, "kabupaten_kota": 0, "kecamatan": KECAMATAN, "desa_kelurahan": DESA}
MAX_NAME = 120


@dataclass(frozen=True)
class Row:
    line: int
    kode: str
    nama: str
    tingkat: int
    parent_kode: str | None


@dataclass
class ImportProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class WilayahImportError(Exception):
    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ImportReport:
    created: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    renamed: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    unchanged: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.renamed.values())


def _read_csv(data: bytes | str, name: str, problems: list[ImportProblem]):
    """Yield (line number, row dict); BOM and ';' separators (Excel exports) are accepted."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(ImportProblem(name, 0, "is not UTF-8 text (save it as CSV UTF-8)"))
            return
    data = data.lstrip("\ufeff")
    first = data.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(data, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        problems.append(ImportProblem(name, 1, f"is not a readable CSV file ({error})"))
        return
    missing = [c for c in ("kode", "nama") if c not in header]
    if missing:
        problems.append(ImportProblem(name, 1, "the header must name the columns "
                                      f"kode,nama (missing: {', '.join(missing)})"))
        return
    reader.fieldnames = header
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. a stray carriage return inside a field
            problems.append(ImportProblem(name, reader.line_num, f"is not a readable CSV line ({error})"))
            return
        if None in row:
            problems.append(ImportProblem(name, reader.line_num, "has more values than the header has columns"))
            continue
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def parse_kemendagri(data: bytes | str, region_code: str, name: str,
                     problems: list[ImportProblem]) -> list[Row]:
    rows: list[Row] = []
    prefix = region_code + "."
    for line, rec in _read_csv(data, name, problems):
        kode, nama = rec.get("kode", ""), rec.get("nama", "")
        if not kode and not nama:
            continue
        tingkat_word = rec.get("tingkat", "")
        if tingkat_word and tingkat_word not in TINGKAT_WORDS:
            problems.append(ImportProblem(name, line, f"tingkat '{tingkat_word}' is not one of "
                                          + ", ".join(TINGKAT_WORDS)))
            continue
        if not kode.startswith(prefix):
            continue  # another region's row, or the province/kabupaten itself
        if KECAMATAN_CODE.match(kode):
            tingkat, parent = KECAMATAN, None
        elif DESA_CODE.match(kode):
            tingkat, parent = DESA, kode.rsplit(".", 1)[0]
        else:
            problems.append(ImportProblem(name, line, f"kode '{kode}' is neither a kecamatan code "
                                          "(12.71.01) nor a desa/kelurahan code (12.71.01.1001)"))
            continue
        if tingkat_word and TINGKAT_WORDS[tingkat_word] != tingkat:
            problems.append(ImportProblem(name, line, f"kode '{kode}' does not fit tingkat '{tingkat_word}'"))
            continue
        if not _name_ok(nama, name, line, problems):
            continue
        rows.append(Row(line, kode, nama, tingkat, parent))
    return rows


def parse_lowest(data: bytes | str, region_code: str, name: str,
                 problems: list[ImportProblem]) -> list[Row]:
    rows: list[Row] = []
    for line, rec in _read_csv(data, name, problems):
        kode, nama, induk = rec.get("kode", ""), rec.get("nama", ""), rec.get("kode_induk", "")
        if not kode and not nama:
            continue
        if not LOWEST_CODE.match(kode):
            problems.append(ImportProblem(name, line, f"kode '{kode}' must be the village code "
                                          "followed by '.' and up to 6 letters or digits, "
                                          "e.g. 12.71.01.1001.03"))
            continue
        derived = kode.rsplit(".", 1)[0]
        if induk and induk != derived:
            problems.append(ImportProblem(name, line, f"kode '{kode}' does not start with its "
                                          f"kode_induk '{induk}'"))
            continue
        if not kode.startswith(region_code + "."):
            problems.append(ImportProblem(name, line, f"kode '{kode}' lies outside region {region_code}"))
            continue
        if not _name_ok(nama, name, line, problems):
            continue
        rows.append(Row(line, kode, nama, LINGKUNGAN, derived))
    return rows


def _name_ok(nama: str, file: str, line: int, problems: list[ImportProblem]) -> bool:
    if not nama:
        problems.append(ImportProblem(file, line, "nama is empty"))
        return False
    if len(nama) > MAX_NAME:
        problems.append(ImportProblem(file, line, f"nama is longer than {MAX_NAME} characters"))
        return False
    if any(unicodedata.category(ch) == "Cc" for ch in nama):  # NUL, tabs, line breaks ...
        problems.append(ImportProblem(file, line, "nama holds a control character (e.g. NUL or a line break)"))
        return False
    return True


def import_units(tenant_id: int, rows_by_file: list[tuple[str, list[Row]]],
                 problems: list[ImportProblem] | None = None) -> ImportReport:
    """Check every row against the file and the database, then write all in one transaction."""
    problems = list(problems or [])
    existing = {w.kode: w for w in db.session.scalars(
        select(Wilayah).where(Wilayah.tenant_id == tenant_id))}
    incoming: dict[str, tuple[str, Row]] = {}
    for file, rows in rows_by_file:
        for row in rows:
            if row.kode in incoming:
                first_file, first = incoming[row.kode]
                problems.append(ImportProblem(file, row.line, f"kode '{row.kode}' appears twice "
                                              f"(first in {first_file}, line {first.line})"))
                continue
            incoming[row.kode] = (file, row)
    for kode, (file, row) in incoming.items():
        if row.parent_kode is None:
            continue
        parent = incoming.get(row.parent_kode)
        parent_level = parent[1].tingkat if parent else (
            existing[row.parent_kode].tingkat if row.parent_kode in existing else None)
        if parent_level is None:
            problems.append(ImportProblem(file, row.line, f"its parent unit '{row.parent_kode}' "
                                          "is neither in the file nor already imported"))
        elif parent_level != row.tingkat - 1:
            problems.append(ImportProblem(file, row.line, f"its parent '{row.parent_kode}' is not "
                                          "one level above it"))
    for kode, (file, row) in incoming.items():
        if kode in existing and existing[kode].tingkat != row.tingkat:
            problems.append(ImportProblem(file, row.line, f"kode '{kode}' is already imported at "
                                          "another level"))
    if problems:
        db.session.rollback()
        raise WilayahImportError(sorted(problems, key=lambda p: (p.file, p.line)))

    report = ImportReport()
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
                 units_file: Path | None) -> ImportReport:
    problems: list[ImportProblem] = []
    parsed: list[tuple[str, list[Row]]] = []
    if wilayah_file is not None:
        parsed.append((wilayah_file.name, parse_kemendagri(
            wilayah_file.read_bytes(), region_code, wilayah_file.name, problems)))
        if not parsed[-1][1] and not problems:
            problems.append(ImportProblem(wilayah_file.name, 0,
                                          f"holds no kecamatan or village of region {region_code}"))
    if units_file is not None:
        parsed.append((units_file.name, parse_lowest(
            units_file.read_bytes(), region_code, units_file.name, problems)))
    return import_units(tenant_id, parsed, problems)

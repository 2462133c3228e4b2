"""Importing the Permendagri 90/2019 nomenklatur, all or nothing.

File: CSV or .xlsx (see :mod:`eplanning_core.importing.reader`), columns
``tingkat,kode,nama[,jenis_pemda]``. Only ``kabupaten_kota`` rows are taken (a file without
``jenis_pemda`` is taken whole). Sub kegiatan codes come in the 2019 form (``1.03.10.2.01.05``)
or the 4-digit form and are stored in the 4-digit form (:mod:`.nomenclature`). Every row is
checked against the file and the database before anything is written; each problem names
its line (CSV) or row (Excel). Re-running the same file changes nothing.

This module checks and writes (flush only); :mod:`.operations` commits with the history entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from ..extensions import db
from ..importing import ImportReport, header_key, read_rows
from .models import Nomenklatur
from .nomenclature import (CODE_EXAMPLES, CODE_SHAPES, PARENT_LEVEL, level_word, normalize_sub_kegiatan,
                           parent_code)

MAX_NOMENKLATUR_NAME = 400
NOMENKLATUR_COLUMNS = ("tingkat", "kode", "nama")
KEPT_JENIS = {"", "kabupaten_kota"}
SKIPPED_JENIS = {"provinsi"}


@dataclass(frozen=True)
class NomenklaturRow:
    line: int
    tingkat: str
    kode: str
    nama: str


@dataclass
class NomenklaturReport(ImportReport):
    #: Well-formed codes seen in the file, even on rows refused for another reason: their
    #: children are not also reported as orphans.
    seen_codes: set = field(default_factory=set, repr=False)


def parse_nomenklatur(data: bytes, filename: str) -> tuple[NomenklaturReport, list[NomenklaturRow]]:
    """Check every row on its own and against the file; database checks come in apply."""
    report = NomenklaturReport(file=filename)
    header, records = read_rows(data, filename, NOMENKLATUR_COLUMNS, report)
    has_jenis = "jenis_pemda" in header
    rows: list[NomenklaturRow] = []
    first_line: dict[str, int] = {}
    for line, rec in records:
        if has_jenis:
            jenis = header_key(rec.get("jenis_pemda"))
            if jenis in SKIPPED_JENIS:
                report.skipped += 1
                continue
            if jenis not in KEPT_JENIS:
                report.problem(line, "jenis_pemda", _l(
                    "jenis_pemda %(value)s is neither kabupaten_kota nor provinsi",
                    value=rec.get("jenis_pemda")))
                continue
        tingkat = header_key(rec.get("tingkat"))
        raw_kode = rec.get("kode", "")
        kode = normalize_sub_kegiatan(raw_kode)
        nama = rec.get("nama", "")
        if tingkat not in CODE_SHAPES:
            report.problem(line, "tingkat", _l(
                "tingkat %(value)s is not one of urusan, bidang_urusan, program, kegiatan, "
                "sub_kegiatan", value=rec.get("tingkat")))
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


def apply_nomenklatur(tenant_id: int, report: NomenklaturReport, rows: list[NomenklaturRow], *,
                      allow_missing_parents: bool = False) -> NomenklaturReport:
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
                     tingkat=level_word(PARENT_LEVEL[row.tingkat]), parent=parent)
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

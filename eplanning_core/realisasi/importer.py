"""An agency's execution report in, from a CSV or Excel file (the one reader, importing/).

Columns: ``kode_lacak`` (the funded item), ``tanggal`` (the milestone's date), ``progres``
(physical progress, percent), ``realisasi`` (the money realised so far, whole rupiah); optional
``catatan``, ``status`` (berjalan, selesai, gagal), ``alasan`` (why it failed),
``alasan_terlambat``, ``nomor_kontrak``, ``tanggal_kontrak``, ``nilai_kontrak``,
``akhir_kontrak``.

- All or nothing: every line is checked first; one bad line refuses the whole file, each
  problem naming its line (CSV) or row (Excel), and nothing is written.
- Idempotent: a file is recognised by its SHA-256 (the same file twice changes nothing and
  says when it was imported); a milestone by its item and date (a later report with other
  figures for that date updates it, with the old figures in the history).
- An agency's operator imports only its own agency's funded items; Bappeda any of the region.

One transaction: the milestones, the items' records, the import row and the history entries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Role
from ..audit.operations import history_row, record, record_rows
from ..extensions import db
from ..importing import ImportReport, read_rows
from ..timeutil import utcnow
from ..usulan.models import Usulan
from . import operations
from .models import Realisasi, RealisasiImpor, RealisasiTahap

REQUIRED = ("kode_lacak", "tanggal", "progres", "realisasi")
COLUMNS = REQUIRED + ("catatan", "status", "alasan", "alasan_terlambat", "nomor_kontrak", "tanggal_kontrak",
                      "nilai_kontrak", "akhir_kontrak")
ALIASES = {"realisasi": ("realisasi_jumlah", "realisasi_keuangan", "jumlah"), "progres": ("progres_fisik", "fisik"),
           "nomor_kontrak": ("kontrak_nomor",), "tanggal_kontrak": ("kontrak_tanggal",),
           "nilai_kontrak": ("kontrak_nilai",), "akhir_kontrak": ("kontrak_akhir",)}
MAX_LINES = 20_000
CHUNK = 1000
#: File column -> the milestone field it fills.
FIELDS = {"tanggal": "tanggal", "progres": "progres", "realisasi": "realisasi_jumlah", "catatan": "catatan",
          "status": "status", "alasan": "alasan", "alasan_terlambat": "alasan_terlambat",
          "nomor_kontrak": "kontrak_nomor", "tanggal_kontrak": "kontrak_tanggal", "nilai_kontrak": "kontrak_nilai",
          "akhir_kontrak": "kontrak_akhir"}
COLUMN_OF = {v: k for k, v in FIELDS.items()}


@dataclass
class ExecutionImport(ImportReport):
    """What an import found and did; ``problems``: nothing was written."""

    already: RealisasiImpor | None = None
    impor: RealisasiImpor | None = None
    lines: int = 0


def _chunks(values: list) -> list[list]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def import_file(tenant_id: int, user, data: bytes, filename: str, progress=None) -> ExecutionImport:
    """Check and write a report (see the module docstring); nothing changes on any problem."""
    result = ExecutionImport(file=filename)
    sha = hashlib.sha256(data).hexdigest()
    result.already = db.session.scalar(select(RealisasiImpor).where(RealisasiImpor.tenant_id == tenant_id,
                                                                    RealisasiImpor.sha256 == sha))
    if result.already is not None:
        return result
    _header, records = read_rows(data, filename, REQUIRED, result, aliases=ALIASES, shown=COLUMNS,
                                 max_rows=MAX_LINES)
    if result.problems:
        return result
    if not records:
        result.problem(0, "empty", _l("The file holds no milestone."))
        return result
    if progress is not None:
        records = list(progress(records))
    checked = _check(tenant_id, user, records, result)
    if result.problems:
        result.sort()
        return result
    result.lines = len(checked)
    try:
        _write(tenant_id, user, checked, result, sha)
        db.session.commit()
    except IntegrityError:  # another import of these milestones (or this file) meanwhile
        db.session.rollback()
        result.created = result.updated = result.unchanged = 0
        result.problem(0, "conflict", _l("Another import ran at the same time; nothing was written. Try again."))
    return result


def _check(tenant_id: int, user, records, result: ExecutionImport) -> list:
    codes = sorted({(rec.get("kode_lacak") or "").upper().replace(" ", "") for _line, rec in records} - {""})
    items: dict[str, Usulan] = {}
    for chunk in _chunks(codes):
        for usulan in db.session.scalars(select(Usulan).where(Usulan.tenant_id == tenant_id,
                                                              Usulan.kode_lacak.in_(chunk))):
            items[usulan.kode_lacak] = usulan
    today = operations.local_today()
    seen: dict[tuple, int] = {}
    checked = []
    for line, rec in records:
        before = len(result.problems)
        code = (rec.get("kode_lacak") or "").upper().replace(" ", "")
        usulan = items.get(code)
        if not code:
            result.problem(line, "kode_lacak_empty", _l("kode_lacak (the tracking code) is empty."))
        elif usulan is None:
            result.problem(line, "kode_lacak_unknown", _l("No proposal of this region has the tracking code %(code)s.",
                                                          code=code[:30]))
        elif not operations.is_funded(usulan):
            result.problem(line, "not_funded", _l("%(code)s is not funded; only funded items get an execution record.",
                                                  code=code))
        elif not operations.may_report(user, usulan):
            result.problem(line, "not_yours", _l("%(code)s is carried out by another agency.", code=code))
        values = {field: rec.get(column) for column, field in FIELDS.items()}
        milestone = operations.read_milestone(values, today)
        for name, message in milestone.problems:
            result.problem(line, name, _l("%(column)s: %(message)s", column=COLUMN_OF.get(name, name),
                                          message=message))
        key = (code, milestone.tanggal)
        if len(result.problems) == before:
            if key in seen:
                result.problem(line, "duplicate", _l("%(code)s has a second milestone on %(date)s (first at %(first)s).",
                                                     code=code, date=milestone.tanggal.isoformat(),
                                                     first=result.at(seen[key])))
            else:
                seen[key] = line
                checked.append((line, usulan, milestone))
    return checked


def _write(tenant_id: int, user, checked: list, result: ExecutionImport, sha: str) -> None:
    at = utcnow()
    ids = sorted({usulan.id for _line, usulan, _m in checked})
    records: dict[int, Realisasi] = {}
    milestones: dict[tuple, RealisasiTahap] = {}
    for chunk in _chunks(ids):
        for row in db.session.scalars(select(Realisasi).where(Realisasi.tenant_id == tenant_id,
                                                              Realisasi.usulan_id.in_(chunk))):
            records[row.usulan_id] = row
        for row in db.session.scalars(select(RealisasiTahap).where(RealisasiTahap.tenant_id == tenant_id,
                                                                   RealisasiTahap.usulan_id.in_(chunk))):
            milestones[(row.usulan_id, row.tanggal)] = row
    history = []
    # Oldest first per item, so that the record ends at the latest milestone.
    for _line, usulan, milestone in sorted(checked, key=lambda c: (c[1].id, c[2].tanggal)):
        outcome, row, tahap, changes = operations.apply_milestone(
            usulan, user, milestone, records.get(usulan.id), milestones.get((usulan.id, milestone.tanggal)),
            "impor", at)
        records[usulan.id] = row
        if outcome == "same":
            result.unchanged += 1
            continue
        if outcome == "new":
            result.created += 1
        else:
            result.updated += 1
        db.session.flush()
        history.append(history_row(user, "realisasi.tahap", "realisasi_tahap", tahap.id, at=at,
                                   changes={"usulan": [usulan.kode_lacak, usulan.kode_lacak], **changes},
                                   reason=None))
    impor = RealisasiImpor(tenant_id=tenant_id, sha256=sha, nama_berkas=(result.file or "")[:200],
                           jumlah_baris=len(checked), baris_baru=result.created, baris_berubah=result.updated,
                           user_id=getattr(user, "id", None), created_at=at)
    db.session.add(impor)
    db.session.flush()
    result.impor = impor
    for entry in history:
        entry["reason"] = f"Realisasi {impor.id}: {impor.nama_berkas}"
    record_rows(tenant_id, history)
    record(tenant_id=tenant_id, actor=user, action="realisasi.impor", obj=impor,
           changes={"sha256": [None, sha], "baris": [None, len(checked)], "baru": [None, result.created],
                    "berubah": [None, result.updated], "sama": [None, result.unchanged]})


def is_importer(user) -> bool:
    return user is not None and user.role in (Role.BAPPEDA.value, Role.OPERATOR_PD.value)

"""The APBD (budget) results from e-Budgeting, in from a CSV/Excel file or an API batch.

Columns: ``external_id`` (the line's id in e-Budgeting), ``kode_lacak`` (optional: the planned
proposal it funds), ``perangkat_daerah`` (agency code), ``sub_kegiatan`` (2- or 4-digit form),
``uraian`` and ``jumlah`` (whole rupiah).

- All or nothing: every line is checked first; one bad line refuses the whole file, each
  problem naming its line (CSV) or row (Excel), and nothing is written.
- Idempotent: a file is recognised by its SHA-256 (the same file twice changes nothing and
  says when it was imported); a line by its external_id (a later file with a new amount
  updates the line, and the change is in the history).
- A kode_lacak this region's cycle does not know is no error: the line is kept without a
  link and the reconciliation reports it. Codes are looked up in this tenant's cycle only,
  so another region's proposal can never be linked.
- Each planned item at the budgeting stage named by lines becomes "didanai" with the sum of
  its lines, through the engine. A *final* import is the complete APBD: every planned item
  no line names then becomes "tidak_didanai". Nothing here re-implements an engine rule.

One transaction: the lines, the import row, the proposals' new status with their decision
records and history entries. Thousands of lines take a fixed number of queries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import PerangkatDaerah
from ..audit.operations import record, record_rows
from ..bulkwrite import insert_rows, update_rows
from ..extensions import db
from ..importing import ImportReport, header_key, read_rows
from ..kamus.nomenclature import is_sub_kegiatan, normalize_sub_kegiatan
from ..money import RupiahError, parse_rupiah
from ..siklus.models import Siklus
from ..siklus.rkpd import ANGGARAN_KIND, stage_of_kind
from ..usulan import transitions
from ..usulan.engine_adapter import STATE_COLUMNS, cycle_for
from ..timeutil import utcnow
from ..usulan.messages import refusal_message
from ..usulan.models import Usulan
from .models import AnggaranBaris, AnggaranImpor

REQUIRED = ("external_id", "perangkat_daerah", "sub_kegiatan", "uraian", "jumlah")
COLUMNS = ("external_id", "kode_lacak", "perangkat_daerah", "sub_kegiatan", "uraian", "jumlah")
MAX_LINES = 100_000
MAX_EXTERNAL_ID, MAX_KODE_LACAK, MAX_PD, MAX_URAIAN = 80, 30, 40, 4000
CHUNK = 2000
#: Fields of a stored line that a later file may change (each change goes to the history).
LINE_FIELDS = ("kode_lacak", "usulan_id", "perangkat_daerah_kode", "sub_kegiatan_kode", "uraian", "jumlah")


@dataclass(frozen=True)
class BudgetLine:
    line: int
    external_id: str
    kode_lacak: str | None
    perangkat_daerah_kode: str
    sub_kegiatan_kode: str
    uraian: str
    jumlah: int


@dataclass
class ImportResult(ImportReport):
    """What an import found and did. ``problems``: nothing was written.

    ``already``: this very file (or batch) was imported before; nothing changed.
    """

    final: bool = False
    already: AnggaranImpor | None = None
    impor: AnggaranImpor | None = None
    lines: int = 0
    unlinked: int = 0      # lines whose kode_lacak names no proposal of this cycle
    funded: int = 0        # items set to didanai (or given a new amount) by this import
    not_funded: int = 0    # items set to tidak_didanai by this import
    rule: str | None = None  # the engine's refusal rule, when the engine refused the outcome


# ---- identity -------------------------------------------------------------------------------

def digest(data: bytes, final: bool) -> str:
    """The SHA-256 an import is recognised by.

    A final import is a different act on the same content (it also closes the items no line
    names), so its digest is derived from the content's: importing a file, then the same file
    as final, does the final step once; either twice changes nothing.
    """
    content = hashlib.sha256(data).hexdigest()
    return hashlib.sha256(f"{content}:final".encode()).hexdigest() if final else content


def previous_import(siklus: Siklus, sha256: str) -> AnggaranImpor | None:
    return db.session.scalar(select(AnggaranImpor).where(
        AnggaranImpor.tenant_id == siklus.tenant_id, AnggaranImpor.siklus_id == siklus.id,
        AnggaranImpor.sha256 == sha256))


# ---- reading and checking -------------------------------------------------------------------

def _text(value) -> str:
    """A value of an API batch line as text (a file's values already are)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def records_from_file(data: bytes, filename: str, result: ImportResult):
    """``(line, {column: text})`` of a CSV or .xlsx file; file-level problems go to ``result``."""
    _header, records = read_rows(data, filename, REQUIRED, result, shown=COLUMNS, max_rows=MAX_LINES)
    return None if result.problems else records


def check_records(records, result: ImportResult, agencies: set[str]) -> list[BudgetLine]:
    """Every line checked; problems (with their line numbers) go to ``result``."""
    lines: list[BudgetLine] = []
    first: dict[str, int] = {}
    if not records:
        result.problem(0, "empty", _l("The file holds no budget line."))
    for line, rec in records:
        before = len(result.problems)
        external_id = _text(rec.get("external_id"))
        if not external_id:
            result.problem(line, "external_id_empty", _l("external_id is empty."))
        elif len(external_id) > MAX_EXTERNAL_ID:
            result.problem(line, "external_id_long", _l("external_id is longer than %(max)s characters.",
                                                        max=MAX_EXTERNAL_ID))
        elif external_id in first:
            result.problem(line, "duplicate", _l("external_id %(id)s appears twice in the file (first at %(first)s).",
                                                 id=external_id, first=result.at(first[external_id])))
        else:
            first[external_id] = line
        kode_lacak = _text(rec.get("kode_lacak")).upper().replace(" ", "") or None
        if kode_lacak and len(kode_lacak) > MAX_KODE_LACAK:
            result.problem(line, "kode_lacak_long", _l("kode_lacak %(code)s is longer than %(max)s characters.",
                                                       code=kode_lacak, max=MAX_KODE_LACAK))
        agency = _text(rec.get("perangkat_daerah"))
        if not agency:
            result.problem(line, "perangkat_daerah_empty", _l("perangkat_daerah (the agency code) is empty."))
        elif agency not in agencies:
            result.problem(line, "perangkat_daerah_unknown", _l(
                "Agency %(code)s is not a Perangkat Daerah of this region.", code=agency[:MAX_PD]))
        raw_sub = _text(rec.get("sub_kegiatan"))
        sub = normalize_sub_kegiatan(raw_sub)
        if not raw_sub:
            result.problem(line, "sub_kegiatan_empty", _l("sub_kegiatan is empty."))
        elif not is_sub_kegiatan(sub):
            result.problem(line, "sub_kegiatan_shape", _l(
                "%(code)s is not a sub kegiatan code (for example 1.03.10.2.01.0005 or 1.03.10.2.01.05).",
                code=raw_sub[:60]))
        uraian = _text(rec.get("uraian"))
        if not uraian:
            result.problem(line, "uraian_empty", _l("uraian (the description) is empty."))
        elif len(uraian) > MAX_URAIAN:
            result.problem(line, "uraian_long", _l("uraian is longer than %(max)s characters.", max=MAX_URAIAN))
        raw_amount = _text(rec.get("jumlah"))
        amount = None
        try:
            amount = parse_rupiah(raw_amount)
        except RupiahError:
            result.problem(line, "jumlah", _l(
                "jumlah %(value)s is not an amount in whole rupiah (write for example 1250000 or 1.250.000).",
                value=raw_amount[:40] or "''"))
        if len(result.problems) == before:
            lines.append(BudgetLine(line, external_id, kode_lacak, agency, sub, uraian, amount))
    result.problems.sort(key=lambda p: p.line)
    return lines


def agency_codes(tenant_id: int) -> set[str]:
    return set(db.session.scalars(select(PerangkatDaerah.kode).where(PerangkatDaerah.tenant_id == tenant_id)))


# ---- entry points ---------------------------------------------------------------------------

def import_file(siklus: Siklus, user, data: bytes, filename: str, *, final: bool = False,
                progress=None) -> ImportResult:
    """Import a CSV/Excel budget file (see the module docstring); nothing changes on any problem.

    ``progress``: wraps the records read (a background job counts them as they are checked)."""
    result = ImportResult(file=filename, final=final)
    if not _ready(siklus, result):
        return result
    sha = digest(data, final)
    result.already = previous_import(siklus, sha)
    if result.already is not None:
        return result
    records = records_from_file(data, filename, result)
    if records is None:
        return result
    if progress is not None:
        records = progress(records)
    return _import(siklus, user, records, result, sha=sha, source="file")


def import_batch(siklus: Siklus, user, body: bytes, items: list[dict], *, final: bool = False,
                 name: str = "API") -> ImportResult:
    """The same, for an API batch: ``items`` are the lines (numbered from 1), ``body`` the raw
    request body its SHA-256 is taken of."""
    result = ImportResult(file=name, final=final)
    if not _ready(siklus, result):
        return result
    sha = digest(body, final)
    result.already = previous_import(siklus, sha)
    if result.already is not None:
        return result
    records = [(n, {header_key(k): v for k, v in item.items()}) if isinstance(item, dict) else (n, {})
               for n, item in enumerate(items, 1)]
    return _import(siklus, user, records, result, sha=sha, source="api")


def _ready(siklus: Siklus, result: ImportResult) -> bool:
    from .export import not_locked_message

    if siklus.status != "rkpd_ditetapkan":
        result.problem(0, "not_locked", not_locked_message(siklus))
        return False
    return True


def _import(siklus: Siklus, user, records, result: ImportResult, *, sha: str, source: str) -> ImportResult:
    lines = check_records(records, result, agency_codes(siklus.tenant_id))
    if result.problems:
        return result
    result.lines = len(lines)
    try:
        _write(siklus, user, lines, result, sha=sha, source=source)
    except _Refused:
        db.session.rollback()
        return result
    try:
        db.session.commit()
    except IntegrityError:  # another request imported this file or these lines meanwhile
        db.session.rollback()
        result.already = previous_import(siklus, sha)
        if result.already is None:
            result.problem(0, "conflict", _l("Another import ran at the same time; nothing was written. "
                                             "Try again."))
        result.impor = None
        return result
    db.session.expire_all()
    return result


class _Refused(Exception):
    """A problem found while writing: the caller rolls everything back."""


def _chunks(values: list) -> list[list]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _linked(siklus: Siklus, codes: set[str]) -> dict[str, int]:
    """kode_lacak -> proposal id, within this tenant's cycle only."""
    out: dict[str, int] = {}
    for chunk in _chunks(sorted(codes)):
        out.update(db.session.execute(select(Usulan.kode_lacak, Usulan.id).where(
            Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
            Usulan.kode_lacak.in_(chunk))).all())
    return out


def _stored(siklus: Siklus, external_ids: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for chunk in _chunks(external_ids):
        for row in db.session.execute(select(
                AnggaranBaris.id, AnggaranBaris.external_id, *[getattr(AnggaranBaris, f) for f in LINE_FIELDS])
                .where(AnggaranBaris.tenant_id == siklus.tenant_id, AnggaranBaris.siklus_id == siklus.id,
                       AnggaranBaris.external_id.in_(chunk))):
            out[row.external_id] = row
    return out


def _write(siklus: Siklus, user, lines: list[BudgetLine], result: ImportResult, *, sha: str, source: str) -> None:
    at = utcnow()
    links = _linked(siklus, {ln.kode_lacak for ln in lines if ln.kode_lacak})
    stored = _stored(siklus, [ln.external_id for ln in lines])
    new_rows, changed, history, touched = [], [], [], set()
    for ln in lines:
        values = {"kode_lacak": ln.kode_lacak, "usulan_id": links.get(ln.kode_lacak) if ln.kode_lacak else None,
                  "perangkat_daerah_kode": ln.perangkat_daerah_kode, "sub_kegiatan_kode": ln.sub_kegiatan_kode,
                  "uraian": ln.uraian, "jumlah": ln.jumlah}
        if ln.kode_lacak and values["usulan_id"] is None:
            result.unlinked += 1
        if values["usulan_id"]:
            touched.add(values["usulan_id"])
        old = stored.get(ln.external_id)
        if old is None:
            new_rows.append({"tenant_id": siklus.tenant_id, "siklus_id": siklus.id, "external_id": ln.external_id,
                             "created_at": at, "updated_at": at, **values})
            continue
        diff = {f: [getattr(old, f), values[f]] for f in LINE_FIELDS if getattr(old, f) != values[f]}
        if not diff:
            result.unchanged += 1
            continue
        if old.usulan_id:
            touched.add(old.usulan_id)
        changed.append({"id": old.id, **values})
        history.append({"tenant_id": siklus.tenant_id, "created_at": at, "actor_id": user.id,
                        "actor_name": user.nama, "action": "anggaran.baris_ubah", "object_type": "anggaran_baris",
                        "object_id": old.id, "reason": None,
                        "changes": {"external_id": [ln.external_id, ln.external_id], **diff}})
    result.created, result.updated = len(new_rows), len(changed)
    impor = AnggaranImpor(tenant_id=siklus.tenant_id, siklus_id=siklus.id, sha256=sha,
                          nama_berkas=(result.file or "")[:200], sumber=source, jumlah_baris=len(lines),
                          baris_baru=len(new_rows), baris_berubah=len(changed), user_id=user.id, created_at=at)
    db.session.add(impor)
    db.session.flush()
    result.impor = impor
    for row in new_rows:
        row["impor_id"] = impor.id
    insert_rows(AnggaranBaris.__table__, new_rows)
    if changed:
        update_rows(AnggaranBaris.__table__, ("id",), changed, also={"impor_id": impor.id, "updated_at": at})
        for entry in history:
            entry["reason"] = f"APBD {impor.id}: {impor.nama_berkas}"
        record_rows(siklus.tenant_id, history)
    _fund(siklus, user, impor, touched, result, at)
    record(tenant_id=siklus.tenant_id, actor=user,
           action="anggaran.impor_final" if result.final else "anggaran.impor", obj=impor,
           changes={"sha256": [None, sha], "final": [None, result.final], "baris": [None, len(lines)],
                    "baru": [None, result.created], "berubah": [None, result.updated],
                    "tanpa_tautan": [None, result.unlinked], "didanai": [None, result.funded],
                    "tidak_didanai": [None, result.not_funded]})


# ---- the planned items' budget outcome ------------------------------------------------------

def _fund(siklus: Siklus, user, impor: AnggaranImpor, touched: set[int], result: ImportResult, at: datetime) -> None:
    """Each planned item at the budgeting stage: the engine decides didanai / tidak_didanai."""
    cycle = cycle_for(siklus)
    stage = stage_of_kind(cycle, ANGGARAN_KIND)
    if stage is None:
        result.problem(0, "no_stage", _l("This cycle has no budgeting stage (Penganggaran)."))
        raise _Refused
    sums = dict(db.session.execute(
        select(AnggaranBaris.usulan_id, func.sum(AnggaranBaris.jumlah))
        .where(AnggaranBaris.tenant_id == siklus.tenant_id, AnggaranBaris.siklus_id == siklus.id,
               AnggaranBaris.usulan_id.is_not(None))
        .group_by(AnggaranBaris.usulan_id)).all())
    query = select(*STATE_COLUMNS).where(
        Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, Usulan.tahapan == stage.key,
        Usulan.tertutup.is_(False))
    if not result.final:
        if not touched:
            return
        query = query.where(Usulan.id.in_(sorted(touched))) if len(touched) <= CHUNK else query
    steps = []
    for row in db.session.execute(query):
        if not result.final and row.id not in touched:
            continue
        amount = int(sums[row.id]) if row.id in sums else None
        if amount:
            if row.status == "didanai" and row.anggaran_jumlah == amount:
                continue
            steps.append(transitions.Step(row.id, "didanai", row.version, inputs={"amount": amount}))
        elif row.status != "tidak_didanai":
            steps.append(transitions.Step(row.id, "tidak_didanai", row.version))
    if not steps:
        return
    written = transitions.decide(siklus, user, stage.key, steps, all_or_nothing=True, commit=False,
                                 reason=f"APBD {impor.id}: {impor.nama_berkas}")
    refusal = next((r.refusal for r in written.refused if r.refusal is not None), None)
    if refusal is not None:
        result.rule = refusal.rule
        names = {s.key: s.name for s in cycle.stages}
        result.problem(0, "refused", _l("The budget outcome cannot be recorded now: %(why)s",
                                        why=refusal_message(refusal, stage_names=names)))
        raise _Refused
    if not written.ok:
        result.problem(0, "stale", _l("Some planned items were changed by someone else meanwhile; nothing was "
                                      "written. Import the file again."))
        raise _Refused
    for transition in written.transitions.values():
        if transition.event.type == "didanai":
            result.funded += 1
        else:
            result.not_funded += 1

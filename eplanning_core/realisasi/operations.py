"""Writing the execution of a funded item, and a planned item's funding sources and indicator.

Every write is one transaction with its history entry (audit.record / record_rows). A
milestone is found by its item and date, so entering or importing the same milestone again
changes nothing, and a changed one is updated with its old values in the history. The
item's execution record (contract, state, latest progress and realised amount) follows its
latest milestone. Nothing here writes ``usulan``: the proposal's state stays with its one
writer (usulan/transitions.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts.models import Role
from ..audit.operations import record
from ..extensions import db
from ..money import MAX_RUPIAH, RupiahError, parse_rupiah
from ..tenancy.context import tenant_config
from ..textinput import bad_character
from ..timeutil import utcnow
from ..usulan.models import Usulan
from .models import STATUS, IndikatorKeluaran, Realisasi, RealisasiFoto, RealisasiTahap, SumberDana

MAX_NOTE, MAX_CONTRACT_NO, MAX_INDICATOR, MAX_UNIT = 2000, 80, 250, 40
MAX_PHOTOS = 6
STATUS_LABELS = {"berjalan": _l("In progress"), "selesai": _l("Completed"), "gagal": _l("Failed")}


class Refused(Exception):
    """Bad input or a state that does not allow the write; ``problems``: [(field, message)]."""

    def __init__(self, problems: list[tuple[str, object]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


def local_today() -> date:
    zone = ZoneInfo(tenant_config().timezone)
    return utcnow().replace(tzinfo=timezone.utc).astimezone(zone).date()


def is_funded(usulan: Usulan) -> bool:
    return usulan.status == "didanai" and usulan.anggaran_jumlah is not None


def may_report(user, usulan: Usulan) -> bool:
    """The implementing agency's operators, and Bappeda (corrections), enter the execution."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.BAPPEDA.value:
        return True
    return (user.role == Role.OPERATOR_PD.value and usulan.perangkat_daerah_id is not None
            and usulan.perangkat_daerah_id == user.perangkat_daerah_id)


may_plan = may_report


def plan_amount(usulan: Usulan) -> int:
    """What the plan gives the item: the agency's pagu once mapped, else its total."""
    return int(usulan.pagu if usulan.pagu is not None else usulan.total)


# ---- parsing (forms, API and import share it) -----------------------------------------------

_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_DATE_ID = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_date(text) -> date | None:
    """``2027-05-31`` (also what Excel cells become) or ``31/05/2027``; None if not a date."""
    if isinstance(text, date):
        return text
    text = str(text or "")
    match = _DATE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _DATE_ID.match(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_percent(text) -> int | None:
    """A whole percent 0..100 from ``45``, ``45%`` or ``45,0``; None if not one."""
    value = str(text if text is not None else "").strip().rstrip("%").strip().replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= 100:
        return None
    return int(number)


def _clean_text(value, limit: int, name: str, problems: list, label, multiline: bool = False) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if bad_character(text, multiline):
        problems.append((name, _l("%(field)s holds an invisible control character (%(char)s); remove it.",
                                  field=label, char=bad_character(text, multiline))))
    elif len(text) > limit:
        problems.append((name, _l("%(field)s is longer than %(max)s characters.", field=label, max=limit)))
    return text


def _amount(value, name: str, problems: list, label, required: bool = False) -> int | None:
    if value is None or str(value).strip() == "":
        if required:
            problems.append((name, _l("%(field)s is required.", field=label)))
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < MAX_RUPIAH:
            return value
    else:
        try:
            return parse_rupiah(str(value))
        except RupiahError:
            pass
    problems.append((name, _l("%(field)s is not an amount in whole rupiah (for example 1250000 or 1.250.000).",
                              field=label)))
    return None


@dataclass
class Milestone:
    """A milestone as entered; contract fields left None keep what the record holds."""

    tanggal: date
    progres: int
    realisasi_jumlah: int
    catatan: str | None = None
    alasan_terlambat: str | None = None
    status: str = "berjalan"
    alasan: str | None = None
    kontrak_nomor: str | None = None
    kontrak_tanggal: date | None = None
    kontrak_nilai: int | None = None
    kontrak_akhir: date | None = None
    problems: list = field(default_factory=list, repr=False)


def read_milestone(values: dict, today: date | None = None) -> Milestone:
    """A milestone from text values (form, API body, file line); problems in ``.problems``
    as (field, message)."""
    problems: list = []
    today = today or local_today()
    raw_date = values.get("tanggal")
    tanggal = parse_date(raw_date)
    if not str(raw_date or "").strip() and not isinstance(raw_date, date):
        problems.append(("tanggal", _l("The date of the milestone is required.")))
    elif tanggal is None:
        problems.append(("tanggal", _l("%(value)s is not a date (write for example 2027-05-31).",
                                       value=str(raw_date)[:30])))
    elif tanggal > today:
        problems.append(("tanggal", _l("The milestone's date lies in the future.")))
    raw_progress = values.get("progres")
    progres = parse_percent(raw_progress)
    if raw_progress is None or str(raw_progress).strip() == "":
        problems.append(("progres", _l("The physical progress (percent) is required.")))
    elif progres is None:
        problems.append(("progres", _l("Physical progress must be a whole percent from 0 to 100.")))
    jumlah = _amount(values.get("realisasi_jumlah"), "realisasi_jumlah", problems, _l("Realised amount"),
                     required=True)
    catatan = _clean_text(values.get("catatan"), MAX_NOTE, "catatan", problems, _l("Note"), True)
    terlambat = _clean_text(values.get("alasan_terlambat"), MAX_NOTE, "alasan_terlambat", problems,
                            _l("Reason for reporting late"))
    status = str(values.get("status") or "berjalan").strip().lower()
    if status not in STATUS:
        problems.append(("status", _l("The state must be in progress, completed or failed.")))
        status = "berjalan"
    alasan = _clean_text(values.get("alasan"), MAX_NOTE, "alasan", problems, _l("Reason"), True)
    if status == "gagal" and not alasan:
        problems.append(("alasan", _l("Give the reason the work failed.")))
    if status == "selesai" and progres is not None and progres != 100:
        problems.append(("progres", _l("Completed work has 100 percent physical progress.")))
    nomor = _clean_text(values.get("kontrak_nomor"), MAX_CONTRACT_NO, "kontrak_nomor", problems,
                        _l("Contract number"))
    dates = {}
    for name, label in (("kontrak_tanggal", _l("Contract date")), ("kontrak_akhir", _l("Contract end date"))):
        raw = values.get(name)
        dates[name] = parse_date(raw) if str(raw or "").strip() or isinstance(raw, date) else None
        if (str(raw or "").strip() or isinstance(raw, date)) and dates[name] is None:
            problems.append((name, _l("%(field)s is not a date (write for example 2027-05-31).", field=label)))
    if dates["kontrak_tanggal"] and dates["kontrak_akhir"] and dates["kontrak_akhir"] < dates["kontrak_tanggal"]:
        problems.append(("kontrak_akhir", _l("The contract cannot end before it was signed.")))
    if dates["kontrak_tanggal"] and dates["kontrak_tanggal"] > today:
        problems.append(("kontrak_tanggal", _l("The contract date lies in the future.")))
    nilai = _amount(values.get("kontrak_nilai"), "kontrak_nilai", problems, _l("Contract value"))
    return Milestone(tanggal or today, progres or 0, jumlah or 0, catatan, terlambat, status, alasan, nomor,
                     dates["kontrak_tanggal"], nilai, dates["kontrak_akhir"], problems)


# ---- writing --------------------------------------------------------------------------------

def _refuse_unless_reportable(user, usulan: Usulan) -> None:
    if not is_funded(usulan):
        raise Refused([("usulan", _l("Only a funded item gets an execution record; this one is not funded."))])
    if not may_report(user, usulan):
        raise Refused([("usulan", _l("Only the implementing agency enters this item's execution."))])


def apply_milestone(usulan: Usulan, user, data: Milestone, record_row: Realisasi | None,
                    existing: RealisasiTahap | None, source: str, at: datetime) -> tuple[str, Realisasi, RealisasiTahap, dict]:
    """Add or update one milestone and its item's record in the session (no commit, no history).

    Returns ``(outcome, record, milestone, changes)``: outcome "new", "changed" or "same"."""
    if record_row is None:
        record_row = Realisasi(tenant_id=usulan.tenant_id, siklus_id=usulan.siklus_id, usulan_id=usulan.id,
                               perangkat_daerah_id=usulan.perangkat_daerah_id, progres=0, realisasi_jumlah=0,
                               status="berjalan", created_at=at, updated_at=at)
        db.session.add(record_row)
        db.session.flush()
    changes: dict = {}
    values = {"progres": data.progres, "realisasi_jumlah": data.realisasi_jumlah, "catatan": data.catatan,
              "alasan_terlambat": data.alasan_terlambat}
    if existing is None:
        existing = RealisasiTahap(tenant_id=usulan.tenant_id, realisasi_id=record_row.id, usulan_id=usulan.id,
                                  tanggal=data.tanggal, sumber=source, user_id=getattr(user, "id", None),
                                  created_at=at, **values)
        db.session.add(existing)
        outcome = "new"
        changes.update({k: [None, v] for k, v in values.items() if v is not None})
        changes["tanggal"] = [None, data.tanggal.isoformat()]
    else:
        for key, value in values.items():
            if getattr(existing, key) != value:
                changes[key] = [getattr(existing, key), value]
                setattr(existing, key, value)
        outcome = "changed" if changes else "same"
        changes["tanggal"] = [data.tanggal.isoformat(), data.tanggal.isoformat()]
    record_values = {}
    for key in ("kontrak_nomor", "kontrak_tanggal", "kontrak_nilai", "kontrak_akhir"):
        if getattr(data, key) is not None:
            record_values[key] = getattr(data, key)
    latest = record_row.terakhir_tanggal is None or data.tanggal >= record_row.terakhir_tanggal
    if latest:  # the item stands where its latest milestone says
        record_values.update(progres=data.progres, realisasi_jumlah=data.realisasi_jumlah,
                             terakhir_tanggal=data.tanggal, status=data.status,
                             alasan=data.alasan if data.status in ("gagal", "selesai") else None)
    for key, value in record_values.items():
        if getattr(record_row, key) != value:
            old = getattr(record_row, key)
            changes["realisasi." + key] = [old.isoformat() if isinstance(old, date) else old,
                                           value.isoformat() if isinstance(value, date) else value]
            setattr(record_row, key, value)
    if changes.keys() - {"tanggal"}:
        record_row.updated_at = at
        if outcome == "same":
            outcome = "changed"
    return outcome, record_row, existing, changes


def record_milestone(usulan: Usulan, user, data: Milestone, photos=(), source: str = "form") -> RealisasiTahap:
    """Enter one milestone (and its photos) of a funded item; one transaction with its history.

    Raises :class:`Refused` (nothing written) for bad input or an item that is not funded or
    not the user's agency's."""
    from ..uploads import UploadRefused, refusal_message, store_upload

    _refuse_unless_reportable(user, usulan)
    if data.problems:
        raise Refused(data.problems)
    photos = [p for p in photos if p is not None and getattr(p, "filename", None)]
    if len(photos) > MAX_PHOTOS:
        raise Refused([("foto", _l("At most %(num)s photos per milestone.", num=MAX_PHOTOS))])
    at = utcnow()
    record_row = db.session.scalar(select(Realisasi).where(Realisasi.tenant_id == usulan.tenant_id,
                                                          Realisasi.usulan_id == usulan.id).with_for_update())
    existing = None
    if record_row is not None:
        existing = db.session.scalar(select(RealisasiTahap).where(RealisasiTahap.realisasi_id == record_row.id,
                                                                  RealisasiTahap.tanggal == data.tanggal))
    stored = []
    try:
        for photo in photos:
            stored.append(store_upload(photo, tenant_id=usulan.tenant_id, allowed=("image",)))
    except UploadRefused as exc:
        db.session.rollback()
        raise Refused([("foto", refusal_message(exc))]) from None
    outcome, record_row, tahap, changes = apply_milestone(usulan, user, data, record_row, existing, source, at)
    db.session.flush()
    for item in stored:
        db.session.add(RealisasiFoto(tenant_id=usulan.tenant_id, tahap_id=tahap.id, usulan_id=usulan.id,
                                     nama_asli=item.nama_asli[:200], nama_simpan=item.nama_simpan, mime=item.mime,
                                     ukuran=item.ukuran, sha256=item.sha256, user_id=getattr(user, "id", None),
                                     created_at=at))
    if stored:
        changes["foto"] = [None, len(stored)]
    if outcome != "same" or stored:
        record(tenant_id=usulan.tenant_id, actor=user, action="realisasi.tahap", obj=tahap,
               changes={"usulan": [usulan.kode_lacak, usulan.kode_lacak], **changes},
               reason=data.alasan if data.status == "gagal" else None)
    db.session.commit()
    return tahap


# ---- funding sources and output indicator ---------------------------------------------------

@dataclass
class Plan:
    sources: dict[str, int]
    indikator: str | None
    target: Decimal | None
    satuan: str | None


def read_plan(usulan: Usulan, values: dict) -> Plan:
    """Funding sources ``sumber_<i>``/``jumlah_<i>`` (or a ``sumber_dana`` list of
    {sumber, jumlah}) and the indicator; raises :class:`Refused` with every problem."""
    problems: list = []
    allowed = {name.lower(): name for name in tenant_config().funding_sources}
    pairs = values.get("sumber_dana")
    if pairs is None:
        pairs = [{"sumber": values.get(f"sumber_{i}"), "jumlah": values.get(f"jumlah_{i}")} for i in range(8)]
    sources: dict[str, int] = {}
    for i, pair in enumerate(pairs):
        if not isinstance(pair, dict):
            problems.append((f"sumber_dana.{i}", _l("A funding source needs a name and an amount.")))
            continue
        name = str(pair.get("sumber") or "").strip()
        raw = pair.get("jumlah")
        if not name and (raw is None or str(raw).strip() == ""):
            continue
        if name.lower() not in allowed:
            problems.append((f"sumber_{i}", _l("%(name)s is not a funding source of this region (%(list)s).",
                                               name=name[:40] or "''", list=", ".join(allowed.values()))))
            continue
        amount = _amount(raw, f"jumlah_{i}", problems, _l("Amount of %(name)s", name=allowed[name.lower()]),
                         required=True)
        if amount is not None and amount <= 0:
            problems.append((f"jumlah_{i}", _l("An amount must be more than zero.")))
        key = allowed[name.lower()]
        if key in sources:
            problems.append((f"sumber_{i}", _l("%(name)s is listed twice.", name=key)))
        elif amount:
            sources[key] = amount
    pagu = plan_amount(usulan)
    if sources and sum(sources.values()) != pagu:
        from ..money import format_rupiah

        problems.append(("sumber_dana", _l("The funding sources add up to %(sum)s, but the pagu is %(pagu)s.",
                                           sum=format_rupiah(sum(sources.values())), pagu=format_rupiah(pagu))))
    indikator = _clean_text(values.get("indikator"), MAX_INDICATOR, "indikator", problems, _l("Output indicator"))
    satuan = _clean_text(values.get("satuan"), MAX_UNIT, "satuan", problems, _l("Unit"))
    raw_target = str(values.get("target") if values.get("target") is not None else "").strip()
    target = None
    if raw_target:
        from ..money import parse_volume

        try:
            target = parse_volume(raw_target)
        except ValueError:
            problems.append(("target", _l("The target must be a number greater than zero (for example 150 or 12,5).")))
    given = [x is not None for x in (indikator, target, satuan)]
    if any(given) and not all(given):
        problems.append(("indikator", _l("An output indicator needs its text, target and unit together.")))
    if problems:
        raise Refused(problems)
    return Plan(sources, indikator, target, satuan)


def save_plan(usulan: Usulan, user, plan: Plan) -> bool:
    """Replace the item's funding sources and indicator; one transaction with its history.

    Returns whether anything changed."""
    if usulan.perangkat_daerah_id is None:
        raise Refused([("usulan", _l("Funding sources and indicators belong to items an agency has taken up."))])
    if not may_plan(user, usulan):
        raise Refused([("usulan", _l("Only the responsible agency or Bappeda sets this item's funding."))])
    old_sources = dict(db.session.execute(select(SumberDana.sumber, SumberDana.jumlah).where(
        SumberDana.tenant_id == usulan.tenant_id, SumberDana.usulan_id == usulan.id)).all())
    indicator = db.session.scalar(select(IndikatorKeluaran).where(
        IndikatorKeluaran.tenant_id == usulan.tenant_id, IndikatorKeluaran.usulan_id == usulan.id))
    changes: dict = {}
    if old_sources != plan.sources:
        changes["sumber_dana"] = [old_sources or None, plan.sources or None]
        db.session.execute(delete(SumberDana).where(SumberDana.tenant_id == usulan.tenant_id,
                                                    SumberDana.usulan_id == usulan.id))
        for name, amount in plan.sources.items():
            db.session.add(SumberDana(tenant_id=usulan.tenant_id, usulan_id=usulan.id, sumber=name, jumlah=amount))
    old = (indicator.indikator, indicator.target, indicator.satuan) if indicator else (None, None, None)
    new = (plan.indikator, plan.target, plan.satuan)
    if old != new:
        changes["indikator"] = [None if old[0] is None else f"{old[0]}: {old[1]} {old[2]}",
                                None if new[0] is None else f"{new[0]}: {new[1]} {new[2]}"]
        if plan.indikator is None:
            if indicator is not None:
                db.session.delete(indicator)
        elif indicator is None:
            db.session.add(IndikatorKeluaran(tenant_id=usulan.tenant_id, usulan_id=usulan.id, indikator=plan.indikator,
                                             target=plan.target, satuan=plan.satuan, updated_at=utcnow()))
        else:
            indicator.indikator, indicator.target, indicator.satuan = new
            indicator.updated_at = utcnow()
    if not changes:
        return False
    record(tenant_id=usulan.tenant_id, actor=user, action="realisasi.rencana", obj=usulan,
           changes={"usulan": [usulan.kode_lacak, usulan.kode_lacak], **changes})
    db.session.commit()
    return True

"""Recording a unit's meeting and its files, what its berita acara lists, and what a send
from a unit still lacks. Each change is one transaction with its history entry, or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError

from .. import workflow
from ..accounts.models import Role, User
from ..audit.operations import record
from ..conflicts import claim_version
from ..extensions import db
from ..usulan.engine_adapter import cycle_for, now_utc
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config
from ..usulan.messages import refusal_message, status_name
from ..usulan.models import Keputusan, Lampiran, Pengiriman, Usulan
from .messages import missing_sentences
from .models import Rapat
from ..usulan.operations import holder_clause
from ..wilayah.models import Wilayah
from ..workflow.kinds import KINDS
from ..workflow.windows import effective_close, window_refusal

#: Stage kinds that are a unit's meeting (the others are agencies, the council, Bappeda).
MEETING_KINDS = tuple(key for key, kind in KINDS.items() if kind.needs_meeting)
#: Delegates to the next forum: (required count when any are given, most allowed).
DELEGATES = {key: kind.meeting.delegates for key, kind in KINDS.items()
             if kind.needs_meeting and kind.meeting.delegates}
#: Files of a meeting and the types each accepts.
FILE_KINDS = {"berita_acara": ("image", "pdf"), "absensi": ("image", "pdf"), "foto": ("image",)}
MAX_FILES_PER_KIND = 50
MAX_NOTULEN = 10_000
MAX_HADIR = 100_000
#: Keputusan events that are a decision on a proposal at a stage (not a move or a score).
DECISION_EVENTS = ("diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa")

FIELDS = ("tempat", "alamat", "mulai", "jumlah_hadir", "notulen", "delegasi")


@dataclass
class Result:
    ok: bool
    rapat: Rapat | None = None
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    stale: bool = False


# ---- which meeting ----------------------------------------------------------------------------

def meeting_stages(cycle: workflow.Cycle) -> list[workflow.StageDef]:
    """The stages of a cycle that are a unit's meeting, in cycle order."""
    return [s for s in cycle.stages if s.spec.needs_meeting and s.level.is_unit]


def stage_for_level(cycle: workflow.Cycle, tingkat: int) -> workflow.StageDef | None:
    """The meeting of units of one level (None: the region holds none at that level)."""
    return next((s for s in meeting_stages(cycle) if s.level.depth == tingkat), None)


def meeting_stage(cycle: workflow.Cycle, stage_key: str, unit: Wilayah | None = None):
    """The stage ``stage_key`` if it is a meeting (of ``unit``'s level, when given), else None."""
    stage = cycle.stage(stage_key)
    if stage is None or not stage.spec.needs_meeting or not stage.level.is_unit:
        return None
    if unit is not None and stage.level.depth != unit.tingkat:
        return None
    return stage


def get_rapat(siklus: Siklus, stage_key: str, unit: Wilayah) -> Rapat | None:
    return db.session.scalar(select(Rapat).where(
        Rapat.tenant_id == siklus.tenant_id, Rapat.siklus_id == siklus.id,
        Rapat.tahapan == stage_key, Rapat.wilayah_id == unit.id))


def may_record(user: User, unit: Wilayah) -> bool:
    """Only the unit's own operator records its meeting and uploads its files."""
    return user.role == Role.OPERATOR.value and user.wilayah_id == unit.id


def window_problem(siklus: Siklus, stage: workflow.StageDef, unit: Wilayah) -> str | None:
    """The engine's window verdict for the unit, as a sentence (None: open now)."""
    cycle = cycle_for(siklus)
    refusal = window_refusal(stage, cycle.extensions, cycle.timezone, unit.kode, now_utc())
    if refusal is None:
        return None
    return refusal_message(refusal, stage_names={s.key: s.name for s in cycle.stages})


def window_of(siklus: Siklus, stage: workflow.StageDef, unit: Wilayah) -> tuple[datetime, datetime]:
    """(opens, closes) in local time for this unit, extensions included."""
    cycle = cycle_for(siklus)
    return stage.opens, effective_close(stage, cycle.extensions, unit.kode)


def change_refusal(siklus: Siklus, stage: workflow.StageDef, unit: Wilayah, user: User) -> str | None:
    """Why ``user`` may not change this meeting now (None: they may)."""
    if not may_record(user, unit):
        return _("Only the operator of %(unit)s records its meeting.", unit=unit.nama)
    return window_problem(siklus, stage, unit)


# ---- checking the form ----------------------------------------------------------------------

def _text(values: dict, name: str) -> str:
    value = values.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _parse_local(raw: str) -> datetime | None:
    raw = (raw or "").strip().replace(" ", "T", 1)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.replace(second=0, microsecond=0) if value.tzinfo is None else None


def _parse_count(raw: str) -> int | None:
    raw = (raw or "").strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):  # "1.250": Indonesian thousands
        raw = raw.replace(".", "")
    return int(raw) if re.fullmatch(r"\d{1,9}", raw) else None


def clean(values: dict, siklus: Siklus, stage: workflow.StageDef, unit: Wilayah) -> tuple[dict, dict]:
    """The meeting's fields checked: (clean values, {field: message})."""
    out, errors = {}, {}
    tempat = _text(values, "tempat")
    if not tempat:
        errors["tempat"] = _("Where was the meeting held?")
    elif len(tempat) > 200:
        errors["tempat"] = _("Write at most %(n)s characters.", n=200)
    out["tempat"] = tempat

    alamat = _text(values, "alamat")
    if len(alamat) > 250:
        errors["alamat"] = _("Write at most %(n)s characters.", n=250)
    out["alamat"] = alamat or None

    raw = str(values.get("mulai") or "").strip()
    local = _parse_local(raw)
    if not raw:
        errors["mulai"] = _("When did the meeting start?")
    elif local is None:
        errors["mulai"] = _("A date and time, for example 2027-01-20 09:00.")
    else:
        opens, closes = window_of(siklus, stage, unit)
        if not opens <= local < closes:
            errors["mulai"] = _("The meeting takes place within the stage's window: from %(opens)s "
                                "to %(closes)s (%(tz)s).", opens=opens.strftime("%Y-%m-%d %H:%M"),
                                closes=closes.strftime("%Y-%m-%d %H:%M"), tz=tenant_config().timezone)
        else:
            zone = cycle_for(siklus).timezone
            out["mulai"] = local.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)

    raw = str(values.get("jumlah_hadir") or "").strip()
    if raw:
        count = _parse_count(raw)
        if count is None or count > MAX_HADIR:
            errors["jumlah_hadir"] = _("The number present: a whole number from 0.")
        else:
            out["jumlah_hadir"] = count
    else:
        out["jumlah_hadir"] = None

    notulen = str(values.get("notulen") or "").replace("\r\n", "\n").strip()
    if len(notulen) > MAX_NOTULEN:
        errors["notulen"] = _("The minutes may have at most %(n)s characters; these have %(count)s.",
                              n=MAX_NOTULEN, count=len(notulen))
    out["notulen"] = notulen or None

    names = [_text({"x": v}, "x") for v in (values.get("delegasi") or [])]
    names = [n for n in names if n]
    rule = DELEGATES.get(stage.kind)
    if rule is None:
        names = []
    elif names:
        needed, most = rule
        if any(len(n) > 120 for n in names):
            errors["delegasi"] = _("A delegate's name has at most %(n)s characters.", n=120)
        elif len({n.casefold() for n in names}) != len(names):
            errors["delegasi"] = _("The same delegate is named twice.")
        elif needed == most and len(names) != needed:
            errors["delegasi"] = _("Name exactly %(n)s delegates to the next forum; you named %(count)s.",
                                   n=needed, count=len(names))
        elif len(names) > most:
            errors["delegasi"] = _("Name at most %(n)s delegates; you named %(count)s.", n=most, count=len(names))
    out["delegasi"] = names
    return out, errors


# ---- saving ---------------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def _empty_as_none(value):
    return None if value is None or value == "" or value == [] else value


def _stale() -> Result:
    return Result(False, stale=True, message=_(
        "Someone else saved this meeting while you were editing. Nothing was saved; the form now "
        "shows the current values."))


def save(siklus: Siklus, stage_key: str, unit: Wilayah, user: User, expected_version,
         values: dict) -> Result:
    """Record or correct a unit's meeting: only its operator, only inside the stage window."""
    stage = meeting_stage(cycle_for(siklus), stage_key, unit)
    if stage is None:
        raise ValueError(f"{stage_key!r} is not a meeting of {unit.kode}")
    refusal = change_refusal(siklus, stage, unit, user)
    if refusal:
        return Result(False, message=refusal)
    rapat = get_rapat(siklus, stage_key, unit)
    if str(rapat.version if rapat else 0) != str(expected_version or 0):
        return _stale()
    data, errors = clean(values, siklus, stage, unit)
    if errors:
        return Result(False, rapat, errors=errors)

    if rapat is None:
        rapat = Rapat(tenant_id=siklus.tenant_id, siklus_id=siklus.id, tahapan=stage_key,
                      wilayah_id=unit.id, version=1, **data)
        db.session.add(rapat)
        try:
            db.session.flush()
        except IntegrityError:  # the same meeting created at the same moment by another save
            db.session.rollback()
            return _stale()
        changes = {k: [None, _plain(v)] for k, v in data.items() if _empty_as_none(v) is not None}
        record(tenant_id=siklus.tenant_id, actor=user, action="rapat.catat", obj=rapat, changes=changes)
        db.session.commit()
        return Result(True, rapat)

    changes = {k: [_plain(getattr(rapat, k)), _plain(v)] for k, v in data.items()
               if _empty_as_none(getattr(rapat, k)) != _empty_as_none(v)}
    if not changes:
        return Result(True, rapat)
    if not claim_version(rapat, rapat.version):  # a save in between moved the version on
        db.session.rollback()
        return _stale()
    for name in changes:
        setattr(rapat, name, data[name])
    record(tenant_id=siklus.tenant_id, actor=user, action="rapat.ubah", obj=rapat, changes=changes)
    db.session.commit()
    db.session.refresh(rapat)
    return Result(True, rapat)


# ---- files ------------------------------------------------------------------------------------

def files_of(rapat: Rapat | None) -> list[Lampiran]:
    if rapat is None:
        return []
    return db.session.scalars(select(Lampiran).where(
        Lampiran.tenant_id == rapat.tenant_id, Lampiran.rapat_id == rapat.id)
        .order_by(Lampiran.jenis, Lampiran.id)).all()


def count_files(rapat: Rapat, jenis: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Lampiran).where(
        Lampiran.rapat_id == rapat.id, Lampiran.jenis == jenis))


def attach(rapat: Rapat, user: User, jenis: str, stored) -> Lampiran:
    """Record an uploaded file of a meeting with its history entry; the file goes if this fails."""
    from ..uploads import delete_stored

    if jenis not in FILE_KINDS:
        raise ValueError(f"unknown file kind {jenis!r}")
    try:
        lampiran = Lampiran(tenant_id=rapat.tenant_id, rapat_id=rapat.id, jenis=jenis,
                            nama_asli=stored.nama_asli, nama_simpan=stored.nama_simpan, mime=stored.mime,
                            ukuran=stored.ukuran, sha256=stored.sha256, user_id=user.id)
        db.session.add(lampiran)
        db.session.flush()
        record(tenant_id=rapat.tenant_id, actor=user, action="rapat.lampiran", obj=rapat,
               changes={"lampiran": [None, stored.nama_asli], "jenis": [None, jenis],
                        "sha256": [None, stored.sha256]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_stored(rapat.tenant_id, stored.nama_simpan)
        raise
    return lampiran


def remove_file(rapat: Rapat, lampiran: Lampiran, user: User) -> None:
    """Remove a wrongly uploaded file (the history keeps its name and checksum)."""
    from ..uploads import delete_stored

    name, tenant_id = lampiran.nama_simpan, lampiran.tenant_id
    record(tenant_id=rapat.tenant_id, actor=user, action="rapat.lampiran_hapus", obj=rapat,
           changes={"lampiran": [lampiran.nama_asli, None], "jenis": [lampiran.jenis, None],
                    "sha256": [lampiran.sha256, None]})
    db.session.delete(lampiran)
    db.session.commit()
    delete_stored(tenant_id, name)


# ---- what the berita acara lists ----------------------------------------------------------------

def berita_acara_items(siklus: Siklus, stage_key: str, unit: Wilayah) -> list[dict]:
    """Every proposal of the unit at the stage with its decision there and the reason.

    Proposals still at the stage and those that passed through it (a decision or a move
    recorded at the stage), in one query. The dicts carry what ``berita_acara_pdf`` prints
    plus ``kode_lacak``, ``bidang``, ``status`` (the decision key) for recaps and checks.
    """
    cycle = cycle_for(siklus)
    stage = cycle.stage(stage_key)
    tid = siklus.tenant_id
    at_stage = select(Keputusan.usulan_id).where(Keputusan.tenant_id == tid, Keputusan.tahapan == stage_key)
    latest = (select(Keputusan.usulan_id, func.max(Keputusan.id).label("kid"))
              .where(Keputusan.tenant_id == tid, Keputusan.tahapan == stage_key,
                     Keputusan.keputusan.in_(DECISION_EVENTS))
              .group_by(Keputusan.usulan_id).subquery())
    sent = at_stage.where(Keputusan.keputusan == stage.spec.send_event)
    rows = db.session.execute(
        select(Usulan.kode_lacak, Usulan.usulan_kegiatan, Usulan.bidang, Usulan.volume, Usulan.satuan,
               Usulan.total, Usulan.jalan, Usulan.tahapan, Usulan.status, Usulan.alasan, Wilayah.nama,
               Keputusan.keputusan.label("decision"), Keputusan.alasan.label("decision_reason"),
               Usulan.id.in_(sent).label("sent"))
        .outerjoin(Wilayah, Wilayah.id == Usulan.lokasi_wilayah_id)
        .outerjoin(latest, latest.c.usulan_id == Usulan.id)
        .outerjoin(Keputusan, Keputusan.id == latest.c.kid)
        .where(Usulan.tenant_id == tid, Usulan.siklus_id == siklus.id,
               holder_clause(cycle, stage_key, unit.kode),
               (Usulan.tahapan == stage_key) | Usulan.id.in_(at_stage))
        .order_by(Usulan.prioritas.is_(None), Usulan.prioritas, Usulan.id)).all()
    next_stage = cycle.next_stage(stage_key)
    items = []
    for number, r in enumerate(rows, 1):
        here = r.tahapan == stage_key
        if r.decision is not None:
            decision, reason = r.decision, r.decision_reason
        elif here:
            decision, reason = r.status, r.alasan if r.status != "belum_dibahas" else None
        elif r.sent:
            decision, reason = "kirim", None
        else:
            decision, reason = "belum_dibahas", None
        label = (_("sent to %(stage)s", stage=next_stage.name) if decision == "kirim" and next_stage
                 else status_name(decision))
        lokasi = ", ".join(part for part in (r.jalan, r.nama) if part)
        items.append({"no": number, "kode_lacak": r.kode_lacak,
                      "usulan_kegiatan": f"{r.usulan_kegiatan} ({r.kode_lacak})",
                      "bidang": r.bidang, "lokasi": lokasi, "volume": r.volume, "satuan": r.satuan,
                      "total": r.total, "status": decision, "keputusan": label, "alasan": reason or ""})
    return items


def recap_rows(items: list[dict]) -> list[tuple]:
    """(bidang, decision label, count, total) per bidang and decision, from the items."""
    groups: dict[tuple, list] = {}
    for item in items:
        key = (item["bidang"], item["keputusan"])
        count, total = groups.get(key, (0, 0))
        groups[key] = (count + 1, total + int(item["total"] or 0))
    return [(bidang, label, count, total) for (bidang, label), (count, total) in sorted(groups.items())]


def operator_of(unit: Wilayah) -> User | None:
    """The unit's (first active) operator account, whose name goes under the berita acara."""
    return db.session.scalar(select(User).where(
        User.tenant_id == unit.tenant_id, User.wilayah_id == unit.id, User.role == Role.OPERATOR.value,
        User.aktif.is_(True)).order_by(User.id).limit(1))


# ---- what sending needs ------------------------------------------------------------------------

def meeting_missing(siklus: Siklus, stage_key: str, holder) -> list[str] | None:
    """What ``holder``'s meeting at ``stage_key`` still lacks of what the stage's kind requires
    (``StageKind.meeting``): ``meeting`` (not recorded: place and start), ``start`` (recorded
    to start later), ``delegates`` (not the number required), ``berita_acara`` (no signed one
    uploaded). None when the stage is no unit meeting or ``holder`` no unit of its level.

    The send operation hands this to the engine, which refuses with ``meeting_incomplete``.
    """
    cycle = cycle_for(siklus)
    stage = meeting_stage(cycle, stage_key)
    if stage is None or holder is None:
        return None
    rule = stage.spec.meeting
    unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == siklus.tenant_id,
                                                   Wilayah.kode == str(holder)))
    if unit is None or unit.tingkat != stage.level.depth:
        return None
    rapat = get_rapat(siklus, stage_key, unit)
    if rapat is None or not rapat.tempat or rapat.mulai is None:
        return ["meeting"]
    missing = []
    if rapat.mulai > now_utc().astimezone(timezone.utc).replace(tzinfo=None):
        missing.append("start")
    if rule.delegates_to_send and len(rapat.delegasi or []) != rule.delegates[0]:
        missing.append("delegates")
    if rule.berita_acara and not count_files(rapat, "berita_acara"):
        missing.append("berita_acara")
    return missing


def send_blockers(siklus: Siklus, stage_key: str, holder) -> list[str]:
    """What the unit's meeting still lacks before ``holder`` may send from ``stage_key``, as
    sentences for the meeting's page (empty when nothing is missing or no meeting applies)."""
    missing = meeting_missing(siklus, stage_key, holder)
    if not missing:
        return []
    stage = cycle_for(siklus).stage(stage_key)
    unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == siklus.tenant_id,
                                                   Wilayah.kode == str(holder)))
    rule = stage.spec.meeting
    return missing_sentences(missing, stage.name, unit.nama, rule.delegates[0] if rule.delegates else 0)


# ---- progress and the list ---------------------------------------------------------------------

def progress(siklus: Siklus, cycle: workflow.Cycle, clause) -> list[dict]:
    """Per meeting stage: units of its level, how many recorded the meeting, uploaded the
    berita acara, and sent; in one grouped query over the units ``clause`` allows."""
    stages = {}
    for stage in meeting_stages(cycle):
        stages.setdefault(stage.level.depth, stage)
    if not stages:
        return []
    key = case({level: s.key for level, s in stages.items()}, value=Wilayah.tingkat)
    signed = (select(Lampiran.rapat_id).where(Lampiran.tenant_id == siklus.tenant_id,
                                             Lampiran.jenis == "berita_acara", Lampiran.rapat_id.is_not(None))
              .distinct().subquery())
    rows = db.session.execute(
        select(Wilayah.tingkat, func.count(Wilayah.id), func.count(Rapat.id), func.count(signed.c.rapat_id),
               func.count(Pengiriman.id))
        .select_from(Wilayah)
        .outerjoin(Rapat, and_(Rapat.tenant_id == siklus.tenant_id, Rapat.siklus_id == siklus.id,
                               Rapat.wilayah_id == Wilayah.id, Rapat.tahapan == key))
        .outerjoin(signed, signed.c.rapat_id == Rapat.id)
        .outerjoin(Pengiriman, and_(Pengiriman.tenant_id == siklus.tenant_id, Pengiriman.siklus_id == siklus.id,
                                    Pengiriman.holder == Wilayah.kode, Pengiriman.tahapan == key))
        .where(Wilayah.tenant_id == siklus.tenant_id, Wilayah.tingkat.in_(list(stages)), clause)
        .group_by(Wilayah.tingkat)).all()
    counts = {r[0]: r[1:] for r in rows}
    out = []
    for level, stage in stages.items():  # cycle order: Rembuk Warga first
        units, recorded, signed_count, sent = counts.get(level, (0, 0, 0, 0))
        out.append({"stage": stage, "level": level, "level_name": tenant_config().level_name(level),
                    "units": units, "recorded": recorded, "signed": signed_count, "sent": sent})
    return out


def meetings_select(siklus: Siklus, stage: workflow.StageDef, clause, *columns, prefix: str = "",
                    held: str = "", sent: str = ""):
    """The units of a meeting stage's level with their meeting and send (outer joins), filtered.

    ``held``/``sent``: "ya" or "tidak" (anything else: no filter); ``prefix``: a unit code.
    """
    query = (select(*(columns or (Wilayah,))).select_from(Wilayah)
             .outerjoin(Rapat, and_(Rapat.tenant_id == siklus.tenant_id, Rapat.siklus_id == siklus.id,
                                    Rapat.tahapan == stage.key, Rapat.wilayah_id == Wilayah.id))
             .outerjoin(Pengiriman, and_(Pengiriman.tenant_id == siklus.tenant_id,
                                         Pengiriman.siklus_id == siklus.id, Pengiriman.tahapan == stage.key,
                                         Pengiriman.holder == Wilayah.kode))
             .where(Wilayah.tenant_id == siklus.tenant_id, Wilayah.tingkat == stage.level.depth, clause))
    prefix = (prefix or "").strip()[:40]
    if prefix:
        query = query.where((Wilayah.kode == prefix) | Wilayah.kode.startswith(prefix + ".", autoescape=True))
    if held in ("ya", "tidak"):
        query = query.where(Rapat.id.is_not(None) if held == "ya" else Rapat.id.is_(None))
    if sent in ("ya", "tidak"):
        query = query.where(Pengiriman.id.is_not(None) if sent == "ya" else Pengiriman.id.is_(None))
    return query


def file_counts(rapat_ids) -> dict[int, dict[str, int]]:
    """{rapat_id: {jenis: count}} for a page of meetings, in one query."""
    out: dict[int, dict[str, int]] = {}
    if not rapat_ids:
        return out
    for rapat_id, jenis, count in db.session.execute(
            select(Lampiran.rapat_id, Lampiran.jenis, func.count()).where(Lampiran.rapat_id.in_(list(rapat_ids)))
            .group_by(Lampiran.rapat_id, Lampiran.jenis)):
        out.setdefault(rapat_id, {})[jenis] = count
    return out

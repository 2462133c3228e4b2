"""Every change to a proposal: the engine decides, this writes the change, the decision
record and the history entry in one transaction, or nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from .. import workflow
from ..accounts.models import Role, User
from ..audit.operations import record, record_rows
from ..bulkwrite import insert_rows
from ..extensions import db
from ..money import total as money_total
from ..siklus.bridge import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of, write_changes
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config
from ..timeutil import utcnow
from ..workflow.units import ancestor
from .content import CONTENT_FIELDS, SURVEYED_FIELDS, clean_content
from .models import Keputusan, Pengiriman, Usulan

#: Events that are a decision or a move, shown on the proposal's public timeline.
TIMELINE_EVENTS = {"buat", "diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa",
                   "didanai", "tidak_didanai", "periksa", "rute", "alihkan", "kirim", "tetapkan",
                   "tidak_diteruskan", "survei_selesai"}
CHUNK = 2000


@dataclass
class Outcome:
    ok: bool
    usulan: Usulan | None = None
    refusal: workflow.Refusal | None = None
    errors: dict[str, str] = field(default_factory=dict)
    stale: bool = False
    batch: workflow.SendBatch | None = None


# ---- holders --------------------------------------------------------------------------------

def holder_clause(cycle: workflow.Cycle, stage_key: str, holder):
    """SQL condition: the proposals a holder holds at a stage (unit subtree, agency, member)."""
    level = cycle.stage(stage_key).level
    if isinstance(level, int):
        return or_(Usulan.lokasi_kode == holder, Usulan.lokasi_kode.startswith(f"{holder}.", autoescape=True))
    if level in ("pd", "bappeda"):
        return Usulan.perangkat_daerah_id == int(holder)
    return Usulan.dprd_user_id == int(holder)


def creation_holder(cycle: workflow.Cycle, stage_key: str, actor: workflow.Actor, unit_code):
    level = cycle.stage(stage_key).level
    if isinstance(level, int):
        return ancestor(unit_code, level) if unit_code else None
    if actor.role == "operator_pd":
        return actor.agency_id
    if actor.role == "dprd":
        return actor.user_id
    return None


def already_sent(siklus: Siklus, stage_key: str, holder) -> bool:
    return holder is not None and db.session.scalar(select(Pengiriman.id).where(
        Pengiriman.siklus_id == siklus.id, Pengiriman.tahapan == stage_key,
        Pengiriman.holder == str(holder))) is not None


# ---- history ----------------------------------------------------------------------------------

def decider_of(user: User) -> dict:
    return {"oleh_wilayah_id": user.wilayah_id if user.role == Role.OPERATOR.value else None,
            "oleh_perangkat_daerah_id": user.perangkat_daerah_id
            if user.role == Role.OPERATOR_PD.value else None}


def record_many(tenant_id: int, user: User, entries, *, reason: str | None = None) -> int:
    """Decision records and history entries of many proposals at once (bulk paths), not committed.

    ``entries``: (usulan_id, stage_key, event_type, changes) for each proposal. The one place
    bulk operations write history, as ``_history`` is for single ones.
    """
    at, decider = utcnow(), decider_of(user)
    decisions, history = [], []
    for usulan_id, stage_key, event_type, changes in entries:
        decisions.append({"tenant_id": tenant_id, "usulan_id": usulan_id, "tahapan": stage_key,
                          "keputusan": event_type, "alasan": None, "user_id": user.id,
                          "user_nama": user.nama, "created_at": at, **decider})
        history.append({"created_at": at, "actor_id": user.id,
                        "actor_name": user.nama, "action": f"usulan.{event_type}",
                        "object_type": "usulan", "object_id": usulan_id, "reason": reason,
                        "changes": changes})
    insert_rows(Keputusan.__table__, decisions)
    record_rows(tenant_id, history)  # chained and written by the audit package, at commit
    return len(decisions)


def _history(usulan: Usulan, event: workflow.HistoryEvent, user: User, changes: dict) -> None:
    if event.type in TIMELINE_EVENTS:
        db.session.add(Keputusan(tenant_id=usulan.tenant_id, usulan_id=usulan.id, tahapan=event.stage_key,
                                 keputusan=event.type, alasan=event.reason, user_id=user.id,
                                 user_nama=user.nama, **decider_of(user)))
    record(tenant_id=usulan.tenant_id, actor=user, action=f"usulan.{event.type}", obj=usulan,
           changes=changes, reason=event.reason)


# ---- create ----------------------------------------------------------------------------------

def create(siklus: Siklus, stage_key: str, user: User, values: dict) -> Outcome:
    """Enter a new proposal at a stage that allows it, inside the user's scope."""
    clean, errors = clean_content(values, siklus.tenant_id)
    if errors:
        return Outcome(False, errors=errors)
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    unit_code = clean.get("lokasi_kode")
    total = money_total(clean["volume"], clean["harga_satuan"])
    holder = creation_holder(cycle, stage_key, actor, unit_code)
    try:
        creation = workflow.create(cycle, stage_key, actor, now, unit_code=unit_code, total=total,
                                   already_sent=already_sent(siklus, stage_key, holder))
    except workflow.Refused as refused:
        return Outcome(False, refusal=refused.refusal)
    state = creation.state
    usulan = Usulan(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"TMP-{now.timestamp()}",
                    sumber=state.source, wilayah_asal_id=user.wilayah_id, created_by_id=user.id,
                    dprd_user_id=state.owner_id, dapil=user.dapil if user.role == Role.DPRD.value else None,
                    perangkat_daerah_id=state.agency_id, tahapan=state.stage_key, status=state.status,
                    total=total, **{k: v for k, v in clean.items() if k in CONTENT_FIELDS or k == "lokasi_kode"})
    db.session.add(usulan)
    db.session.flush()
    usulan.kode_lacak = f"{tenant_config().tracking_prefix}-{siklus.tahun}-{usulan.id:06d}"
    _history(usulan, creation.event, user, {"tahapan": [None, stage_key], "total": [None, total],
                                            "lokasi_kode": [None, unit_code]})
    db.session.commit()
    return Outcome(True, usulan)


# ---- one action on one proposal ------------------------------------------------------------

def act(usulan: Usulan, user: User, action: str, *, expected_version, stage_key: str,
        reason: str | None = None, inputs: dict | None = None, content: dict | None = None,
        commit: bool = True) -> Outcome:
    """Any per-proposal action the engine knows (decide, edit, survey, score, route ...).

    ``commit=False``: the change is only flushed, so that a bulk caller (usulan.bulk) commits
    many actions at once or rolls them all back; a stale version then shows at the flush.
    """
    if str(usulan.version) != str(expected_version):
        return Outcome(False, usulan, stale=True)
    inputs = dict(inputs or {})
    content_changes = {}
    if action == "ubah":
        clean, errors = clean_content(content or {}, usulan.tenant_id)
        if errors:
            return Outcome(False, usulan, errors=errors)
        for name in CONTENT_FIELDS + ("lokasi_kode",):
            if name in clean and getattr(usulan, name) != clean[name]:
                content_changes[name] = clean[name]
        new_total = money_total(clean["volume"], clean["harga_satuan"])
        changed = set(content_changes) & (SURVEYED_FIELDS | {"lokasi_kode"})
        inputs["fields"] = {"lokasi" if f in ("lokasi_wilayah_id", "lokasi_kode", "jalan", "lokasi_detail")
                            else "koordinat" if f in ("lat", "lng") else f for f in changed} or \
            set(content_changes) or {"tanpa_perubahan"}
        if new_total != usulan.total:
            inputs["total"] = new_total
    siklus = db.session.get(Siklus, usulan.siklus_id)
    cycle, now = cycle_for(siklus), now_utc()
    try:
        transition = workflow.apply(cycle, state_of(usulan), actor_for(user), action, now,
                                    reason=reason, stage=stage_key, **inputs)
    except workflow.Refused as refused:
        return Outcome(False, usulan, refusal=refused.refusal)
    diff = write_changes(usulan, transition.changes)
    for name, value in content_changes.items():
        diff[name] = [_plain(getattr(usulan, name)), _plain(value)]
        setattr(usulan, name, value)
    if action == "skor":
        usulan.skor_rincian = dict(inputs["points"])
    if "status" in transition.changes:  # the reason belongs to the decision that set the status
        usulan.alasan = transition.event.reason
    _history(usulan, transition.event, user, diff)
    if not commit:
        try:
            db.session.flush()
        except StaleDataError:
            return Outcome(False, usulan, stale=True)  # the caller rolls the batch back
        return Outcome(True, usulan)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return Outcome(False, db.session.get(Usulan, usulan.id), stale=True)
    return Outcome(True, usulan)


def _plain(value):
    return value if value is None or isinstance(value, (bool, int, str)) else str(value)


# ---- sending a holder's batch up ---------------------------------------------------------

def send(siklus: Siklus, stage_key: str, holder, user: User, *, to_stage: str | None = None,
         dry_run: bool = False) -> Outcome:
    """Send every accepted proposal of ``holder`` at ``stage_key`` up, in one transaction.

    ``dry_run``: only check (for the confirmation page); nothing is written.
    """
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    rows = db.session.execute(select(*STATE_COLUMNS).where(
        Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
        Usulan.tahapan == stage_key, holder_clause(cycle, stage_key, holder))).all()
    states = [state_of(row) for row in rows]
    sent = already_sent(siklus, stage_key, holder)
    try:
        batch = workflow.send(cycle, stage_key, holder, states, actor, now, already_sent=sent,
                              to_stage=to_stage)
    except workflow.Refused as refused:
        return Outcome(False, refusal=refused.refusal)
    if dry_run:
        return Outcome(True, batch=batch)
    forwarded = [t.proposal_id for t in batch.forwarded]
    kept = [t.proposal_id for t in batch.kept]
    for ids, values in ((forwarded, {"tahapan": batch.to_stage, "status": "belum_dibahas",
                                     "terkunci": True, "alasan": None}),
                        (kept, {"tertutup": True})):
        for start in range(0, len(ids), CHUNK):
            db.session.execute(update(Usulan).where(Usulan.id.in_(ids[start:start + CHUNK]))
                               .values(version=Usulan.version + 1, **values)
                               .execution_options(synchronize_session=False))
    record_many(siklus.tenant_id, user, (
        (t.event.proposal_id, t.event.stage_key, t.event.type,
         {"tahapan": [t.event.from_stage, t.event.to_stage], "status": [t.event.from_status, t.event.to_status]})
        for t in batch.forwarded + batch.kept))
    db.session.add(Pengiriman(tenant_id=siklus.tenant_id, siklus_id=siklus.id, tahapan=stage_key,
                              ke_tahapan=batch.to_stage, holder=str(holder),
                              jumlah_usulan=len(forwarded), jumlah_tertahan=len(kept),
                              total=batch.total, user_id=user.id))
    db.session.commit()
    db.session.expire_all()
    return Outcome(True, batch=batch)


def attach(usulan: Usulan, user: User, jenis: str, stored) -> None:
    """Record an uploaded file with its history entry; the file is removed if this fails."""
    from ..uploads import delete_stored
    from .models import Lampiran

    try:
        lampiran = Lampiran(tenant_id=usulan.tenant_id, usulan_id=usulan.id, jenis=jenis,
                            nama_asli=stored.nama_asli, nama_simpan=stored.nama_simpan, mime=stored.mime,
                            ukuran=stored.ukuran, sha256=stored.sha256, user_id=user.id)
        db.session.add(lampiran)
        db.session.flush()
        record(tenant_id=usulan.tenant_id, actor=user, action="usulan.lampiran", obj=usulan,
               changes={"lampiran": [None, stored.nama_asli], "sha256": [None, stored.sha256]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_stored(usulan.tenant_id, stored.nama_simpan)
        raise

"""Every change to a proposal, as the screens and the API ask for it: the engine decides,
:mod:`.transitions` writes the change, the decision record and the history entry in one
transaction, or nothing at all. ``create``, ``act`` and ``send`` are the entry points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import workflow
from ..accounts.models import Role, User
from ..audit.operations import record
from ..extensions import db
from ..money import total as money_total
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config
from ..workflow.units import ancestor
from . import transitions
from .content import CONTENT_FIELDS, SURVEYED_FIELDS, clean_content
from .inputs import check_references
from .engine_adapter import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of
from .models import Pengiriman, Usulan


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
    if level.is_unit:
        return or_(Usulan.lokasi_kode == holder, Usulan.lokasi_kode.startswith(f"{holder}.", autoescape=True))
    if level.is_agency:
        return Usulan.perangkat_daerah_id == int(holder)
    return Usulan.dprd_user_id == int(holder)


def creation_holder(cycle: workflow.Cycle, stage_key: str, actor: workflow.Actor, unit_code):
    level = cycle.stage(stage_key).level
    if level.is_unit:
        return ancestor(unit_code, level.depth) if unit_code else None
    if actor.role == "operator_pd":
        return actor.agency_id
    if actor.role == "dprd":
        return actor.user_id
    return None


def already_sent(siklus: Siklus, stage_key: str, holder) -> bool:
    return holder is not None and db.session.scalar(select(Pengiriman.id).where(
        Pengiriman.siklus_id == siklus.id, Pengiriman.tahapan == stage_key,
        Pengiriman.holder == str(holder))) is not None


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
                    wilayah_asal_id=user.wilayah_id, created_by_id=user.id,
                    dapil=user.dapil if user.role == Role.DPRD.value else None,
                    **transitions.new_row_columns(state),
                    **{k: v for k, v in clean.items() if k in CONTENT_FIELDS or k == "lokasi_kode"})
    db.session.add(usulan)
    db.session.flush()
    from .tracking import next_code  # numbered per region and year (issue 13, point 7)
    usulan.kode_lacak = next_code(siklus.tenant_id, siklus.tahun, tenant_config().tracking_prefix)
    transitions.record_creation(usulan, creation.event, user, {
        "tahapan": [None, stage_key], "total": [None, total], "lokasi_kode": [None, unit_code]})
    db.session.commit()
    return Outcome(True, usulan)


# ---- one action on one proposal ------------------------------------------------------------

def act(usulan: Usulan, user: User, action: str, *, expected_version, stage_key: str,
        reason: str | None = None, inputs: dict | None = None, content: dict | None = None) -> Outcome:
    """Any per-proposal action the engine knows (decide, edit, survey, score, route ...).

    ``content``: the edit form's values (action ``ubah``); they are written with the change.
    """
    inputs, errors = check_references(usulan.tenant_id, inputs or {})  # agency, sub kegiatan
    if errors:
        return Outcome(False, usulan, errors=errors)
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
    step = transitions.Step(usulan.id, action, expected_version, reason=reason, inputs=inputs,
                            content=content_changes)
    written = transitions.decide(siklus, user, stage_key, [step])
    current = db.session.get(Usulan, usulan.id)
    if written.stale:
        return Outcome(False, current, stale=True)
    if written.refused:
        refused = written.refused[0]
        return Outcome(False, current, refusal=refused.refusal, stale=refused.refusal is None)
    return Outcome(True, current)


# ---- sending a holder's batch up ---------------------------------------------------------

def send(siklus: Siklus, stage_key: str, holder, user: User, *, to_stage: str | None = None,
         dry_run: bool = False) -> Outcome:
    """Send every accepted proposal of ``holder`` at ``stage_key`` up, in one transaction.

    ``dry_run``: only check (for the confirmation page); nothing is written. A unit whose
    meeting lacks what the stage's kind requires is refused (``meeting_incomplete``).
    """
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    rows = db.session.execute(select(*STATE_COLUMNS).where(
        Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
        Usulan.tahapan == stage_key, holder_clause(cycle, stage_key, holder))).all()
    states = [state_of(row) for row in rows]
    sent = already_sent(siklus, stage_key, holder)
    try:
        batch = workflow.send(cycle, stage_key, holder, states, actor, now, already_sent=sent,
                              to_stage=to_stage,
                              meeting_missing=meeting_missing(siklus, cycle, stage_key, holder))
    except workflow.Refused as refused:
        return Outcome(False, refusal=refused.refusal)
    if dry_run:
        return Outcome(True, batch=batch)
    if not transitions.send_batches(siklus, user, [batch], {row.id: row.version for row in rows}):
        db.session.rollback()
        return Outcome(False, stale=True)
    try:
        db.session.commit()
    except IntegrityError:  # the same batch sent by another request at the same moment
        db.session.rollback()
        return Outcome(False, stale=True)
    return Outcome(True, batch=batch)


def meeting_missing(siklus: Siklus, cycle: workflow.Cycle, stage_key: str, holder) -> list[str] | None:
    """What the holder's meeting still lacks, for the engine (None: no meeting applies here)."""
    stage = cycle.stage(stage_key)
    if stage is None or not stage.spec.needs_meeting:
        return None
    from ..rapat.operations import meeting_missing as missing  # rapat builds on this module

    return missing(siklus, stage_key, holder)


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

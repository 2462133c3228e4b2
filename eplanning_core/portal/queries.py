"""The portal's reads: one proposal by its tracking code with its timeline, and the filtered
public list. Every query names the columns it shows and is scoped to the region."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import request
from sqlalchemy import and_, or_, select

from .. import workflow
from ..accounts.models import PerangkatDaerah, User
from ..extensions import db
from ..kamus.models import Nomenklatur
from ..tenancy.context import current_tenant_id, tenant_config
from ..usulan.messages import STATUS_NAMES
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah
from .labels import decider_label, event_label
from .privacy import without_personal_columns

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,29}$")


def normalise_code(raw: str | None) -> str | None:
    """What a citizen typed, as stored: trimmed, upper case; None if it cannot be a code."""
    code = (raw or "").strip().upper().replace(" ", "")
    return code if CODE.match(code) else None


def find_by_code(code: str):
    """(proposal, name of its sub kegiatan) of this region, or (None, None): one query."""
    row = db.session.execute(
        select(Usulan, Nomenklatur.nama)
        .outerjoin(Nomenklatur, and_(Nomenklatur.tenant_id == Usulan.tenant_id,
                                     Nomenklatur.kode == Usulan.sub_kegiatan_kode))
        .where(Usulan.tenant_id == current_tenant_id(), Usulan.kode_lacak == code)
        .options(db.joinedload(Usulan.kamus), db.joinedload(Usulan.perangkat_daerah),
                 *without_personal_columns())).first()
    return (row[0], row[1]) if row else (None, None)


def location_path(code: str | None) -> list[Wilayah]:
    """The units from the kecamatan down to the proposal's own unit, in one query."""
    if not code:
        return []
    parts = code.split(".")
    codes = [".".join(parts[:n]) for n in range(3, len(parts) + 1)]
    units = db.session.scalars(select(Wilayah).where(
        Wilayah.tenant_id == current_tenant_id(), Wilayah.kode.in_(codes))).all()
    return sorted(units, key=lambda u: u.tingkat)


@dataclass
class Step:
    stage: str
    event: str
    label: str
    reason: str | None
    by: str
    at: datetime
    tone: str
    #: What a change (an edit, an acceptance with changes) changed: (field label, before, after).
    changes: list = field(default_factory=list)
    #: A correction: the decision (its label) reopened by this step.
    reopened: str | None = None

    @property
    def correction(self) -> bool:
        return self.event == REOPEN


REOPEN, EDIT = "buka_kembali", "ubah"
#: History entries whose changes a citizen reads on the journey.
CHANGE_ACTIONS = ("usulan.ubah", "usulan.diterima_dengan_perubahan")


def _public_changes(diff) -> list[tuple[str, str, str]]:
    """The public fields of a history entry's {"field": [old, new]}: never the proposer's data."""
    from ..money import format_rupiah
    from .labels import CHANGE_LABELS

    out = []
    for name, label in CHANGE_LABELS.items():
        pair = (diff or {}).get(name)
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or pair[0] == pair[1]:
            continue
        old, new = pair
        if name in ("total", "harga_satuan", "pagu"):
            old, new = (format_rupiah(int(v)) if str(v).lstrip("-").isdigit() else (v or "—")
                        for v in (old, new))
        out.append((str(label), str(old if old not in (None, "") else "—")[:160],
                    str(new if new not in (None, "") else "—")[:160]))
    return out


def timeline(usulan: Usulan, cycle: workflow.Cycle) -> list[Step]:
    """Each decision, change, correction and move, with the unit or agency that made it, in
    order: two joined queries (the decision records; the changes from the history).

    Only offices are read (unit, agency, the role of the account); never a person's name, and
    of a change only its public fields (never the proposer's phone or NIK).
    """
    from ..audit.models import AuditEntry
    from .labels import BAD_EVENTS, GOOD_EVENTS

    config = tenant_config()
    rows = db.session.execute(
        select(Keputusan.tahapan, Keputusan.keputusan, Keputusan.alasan, Keputusan.created_at,
               Wilayah.nama, Wilayah.tingkat, PerangkatDaerah.nama, User.role)
        .outerjoin(Wilayah, Wilayah.id == Keputusan.oleh_wilayah_id)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Keputusan.oleh_perangkat_daerah_id)
        .outerjoin(User, User.id == Keputusan.user_id)
        .where(Keputusan.tenant_id == usulan.tenant_id, Keputusan.usulan_id == usulan.id)
        .order_by(Keputusan.id)).all()
    edits = db.session.execute(
        select(AuditEntry.action, AuditEntry.reason, AuditEntry.changes, AuditEntry.created_at,
               Wilayah.nama, Wilayah.tingkat, PerangkatDaerah.nama, User.role)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .outerjoin(Wilayah, Wilayah.id == User.wilayah_id)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == User.perangkat_daerah_id)
        .where(AuditEntry.tenant_id == usulan.tenant_id, AuditEntry.object_type == "usulan",
               AuditEntry.object_id == usulan.id, AuditEntry.action.in_(CHANGE_ACTIONS))
        .order_by(AuditEntry.id)).all()
    dapil = config.dapil_by_code(usulan.dapil or "")
    names = {s.key: s.name for s in cycle.stages}

    def office(unit, level, agency, role):
        return decider_label(config.unit_label, unit, level, agency, role, dapil.name if dapil else None)

    # what each acceptance with changes changed, in order (one history entry per decision)
    accepted_changes = [_public_changes(e[2]) for e in edits if e[0] == "usulan.diterima_dengan_perubahan"]
    steps, last_decision = [], {}
    for index, (stage, event, reason, at, unit, level, agency, role) in enumerate(rows):
        label = event_label(event)
        if event in ("kirim", "tetapkan"):
            later = next((r[0] for r in rows[index + 1:] if r[0] != stage), None)
            target = later or (cycle.next_stage(stage).key if cycle.next_stage(stage) else None)
            if target:
                label = f"{label} → {names.get(target, target)}"
        tone = "good" if event in GOOD_EVENTS else "bad" if event in BAD_EVENTS else ""
        step = Step(names.get(stage, stage), event, label, reason, office(unit, level, agency, role), at, tone)
        if event == "diterima_dengan_perubahan" and accepted_changes:
            step.changes = accepted_changes.pop(0)
        if event == REOPEN:
            step.tone = "fix"
            step.reopened = last_decision.pop(stage, None)
        elif event in workflow.STATUSES or event == "periksa":
            last_decision[stage] = label
        steps.append(step)
    for action, reason, diff, at, unit, level, agency, role in edits:
        if action != "usulan.ubah":
            continue
        changes = _public_changes(diff)
        if changes:  # an edit of the proposer's details only is not shown
            steps.append(Step(names.get(usulan.tahapan, usulan.tahapan), EDIT, event_label(EDIT), reason,
                              office(unit, level, agency, role), at, "", changes))
    steps.sort(key=lambda step: step.at)  # stable: same-moment steps keep their order
    return steps


# ---- the public list ------------------------------------------------------------------------

def in_unit(code: str):
    return or_(Usulan.lokasi_kode == code, Usulan.lokasi_kode.startswith(code + ".", autoescape=True))


def browse_filters(cycle: workflow.Cycle) -> dict:
    """The list's filters from the query string; anything unknown is ignored, never an error."""
    args = request.args
    out = {}
    for name in ("kecamatan", "kelurahan"):
        value = (args.get(name) or "").strip()[:40]
        if value and re.match(r"^[0-9.]+$", value):
            out[name] = value
    if (args.get("pd") or "").strip():
        out["pd"] = args["pd"].strip()[:40]
    if args.get("tahapan") and cycle.stage(args["tahapan"]) is not None:
        out["tahapan"] = args["tahapan"]
    if args.get("status") in STATUS_NAMES:
        out["status"] = args["status"]
    text = (args.get("q") or "").strip()[:100]
    if text:
        out["q"] = text
    return out


def browse_query(siklus, filters: dict):
    """Proposals of the cycle matching the filters. The text never searches names."""
    query = select(Usulan).where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id
                                 ).options(*without_personal_columns())
    unit = filters.get("kelurahan") or filters.get("kecamatan")
    if unit:
        query = query.where(in_unit(unit))
    if "pd" in filters:
        query = query.join(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id).where(
            PerangkatDaerah.kode == filters["pd"])
    if "tahapan" in filters:
        query = query.where(Usulan.tahapan == filters["tahapan"])
    if "status" in filters:
        query = query.where(Usulan.status == filters["status"])
    if "q" in filters:
        like = "%" + filters["q"].replace("%", "").replace("_", "") + "%"
        query = query.where(or_(Usulan.usulan_kegiatan.ilike(like), Usulan.permasalahan.ilike(like),
                                Usulan.kode_lacak.ilike(like), Usulan.jalan.ilike(like)))
    return query


def units_for_filters() -> tuple[list, dict]:
    """Kecamatan and their villages for the filter menus: (kecamatan, {kecamatan id: villages})."""
    rows = db.session.execute(select(Wilayah.id, Wilayah.kode, Wilayah.nama, Wilayah.tingkat,
                                     Wilayah.parent_id)
                              .where(Wilayah.tenant_id == current_tenant_id(), Wilayah.tingkat <= 2)
                              .order_by(Wilayah.kode)).all()
    kecamatan = [r for r in rows if r.tingkat == 1]
    villages: dict = {}
    for r in rows:
        if r.tingkat == 2:
            villages.setdefault(r.parent_id, []).append(r)
    return kecamatan, villages


def active_agencies() -> list:
    return db.session.execute(select(PerangkatDaerah.kode, PerangkatDaerah.nama)
                              .where(PerangkatDaerah.tenant_id == current_tenant_id(),
                                     PerangkatDaerah.aktif.is_(True))
                              .order_by(PerangkatDaerah.nama)).all()

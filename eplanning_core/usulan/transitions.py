"""The one writer of a proposal's state, single or bulk.

Every change of where a proposal is and what was decided on it (decide, edit, survey,
score, route, send, send-all, penetapan, budget outcome) is written here: the engine
(:mod:`eplanning_core.workflow`) decides, this module writes its Transitions through the
one mapping of engine fields to columns (:data:`.engine_adapter.COLUMN_OF`), checks
versions one way (:func:`eplanning_core.conflicts.compare_and_set`: ``UPDATE ... WHERE id
= ? AND version = ?`` whose row count must match), and adds the decision record
(Keputusan) of each decision or move and one history entry per changed proposal, in the
same transaction. No other module writes these columns.

A bulk call is one transaction. A refused item is reported with its rule code (the
engine's refusal rule, or ``stale`` / ``missing``) and changes nothing; by default the
other items are written. ``all_or_nothing=True`` writes nothing when any item is refused:
for pages whose decisions only make sense together (the kecamatan ranking's cut by quota
and ceiling, the budget outcome of one import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from .. import workflow
from ..accounts.models import Role, User
from ..audit.operations import history_row, record_rows
from ..bulkwrite import insert_rows
from ..conflicts import compare_and_set
from ..extensions import db
from ..notifications import operations as notifications
from ..siklus.models import Siklus
from ..timeutil import utcnow
from .engine_adapter import COLUMN_OF, STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of
from .models import Keputusan, Pengiriman, Usulan

#: Events that are a decision or a move, shown on the proposal's public timeline.
TIMELINE_EVENTS = frozenset({
    "buat", "diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa", "didanai",
    "tidak_didanai", "periksa", "rute", "alihkan", "kirim", "tetapkan", "tidak_diteruskan",
    "survei_selesai", "buka_kembali"})
#: Sent with (tenant_id, events=[(usulan_id, event type, stage key, reason)]) for every change
#: written, inside its transaction (the follow-by-email subsystem listens).
TIMELINE_WRITTEN = Namespace().signal("eplanning.usulan.timeline-written")
#: Rule codes of refusals that are not the engine's.
STALE, MISSING = "stale", "missing"
#: Ids per SELECT ... IN (...).
CHUNK = 2000


@dataclass(frozen=True)
class Step:
    """One action on one proposal, at the version the user saw.

    ``content``: other columns the same change sets (an edit's cleaned form values).
    """

    usulan_id: int
    action: str
    expected_version: object
    reason: str | None = None
    inputs: Mapping[str, Any] | None = None
    content: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ItemRefusal:
    """A step that changed nothing, and why: ``rule`` is the engine's rule, ``stale`` or ``missing``."""

    usulan_id: int
    rule: str
    refusal: workflow.Refusal | None = None


@dataclass
class Written:
    """What a call wrote. ``stale``: a proposal changed between reading and writing, nothing
    was written (a concurrent request; trying again reports it per item)."""

    changed: list[int] = field(default_factory=list)
    refused: list[ItemRefusal] = field(default_factory=list)
    transitions: dict[int, workflow.Transition] = field(default_factory=dict)
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused and not self.stale


@dataclass(frozen=True)
class _Change:
    """One proposal's new column values, the version they replace, and its history."""

    usulan_id: int
    version: int
    values: dict
    event: workflow.HistoryEvent
    diff: dict


def _plain(value):
    return value if value is None or isinstance(value, (bool, int, str)) else str(value)


def _same_version(actual, expected) -> bool:
    return expected is not None and str(actual) == str(expected).strip()


def columns_of(changes: Mapping[str, Any], event: workflow.HistoryEvent) -> dict:
    """A Transition's changes as Usulan column values: the one mapping (COLUMN_OF), plus
    what follows from the event (a score's points, the reason of a new status)."""
    values = {COLUMN_OF[name]: value for name, value in changes.items()}
    if "points" in event.data:
        values["skor_rincian"] = dict(event.data["points"])
    if "status" in changes:  # the reason belongs to the decision that set the status
        values["alasan"] = event.reason
    return values


def new_row_columns(state: workflow.ProposalState) -> dict:
    """The state columns of a proposal the engine has just created (``workflow.create``)."""
    return {COLUMN_OF[name]: value for name, value in (
        ("stage_key", state.stage_key), ("status", state.status), ("source", state.source),
        ("agency_id", state.agency_id), ("owner_id", state.owner_id), ("total", state.total))}


# ---- decision records and history -------------------------------------------------------------

def decider_of(user: User) -> dict:
    return {"oleh_wilayah_id": user.wilayah_id if user.role == Role.OPERATOR.value else None,
            "oleh_perangkat_daerah_id": user.perangkat_daerah_id
            if user.role == Role.OPERATOR_PD.value else None}


def _record(tenant_id: int, user: User, entries: Iterable[tuple[int, workflow.HistoryEvent, dict]],
            reason: str | None = None) -> int:
    """A decision record (timeline events only) and a history entry per (id, event, diff)."""
    at, decider = utcnow(), decider_of(user)
    decisions, history, entries = [], [], list(entries)
    for usulan_id, event, diff in entries:
        if event.type in TIMELINE_EVENTS:
            decisions.append({"tenant_id": tenant_id, "usulan_id": usulan_id, "tahapan": event.stage_key,
                              "keputusan": event.type, "alasan": event.reason, "user_id": user.id,
                              "user_nama": user.nama, "created_at": at, **decider})
        history.append(history_row(user, f"usulan.{event.type}", "usulan", usulan_id, changes=diff,
                                   reason=reason or event.reason, at=at))
    insert_rows(Keputusan.__table__, decisions)
    record_rows(tenant_id, history)  # chained and written by the audit package, at commit
    # followers by email are told after the commit (aspirasi/follows.py listens)
    TIMELINE_WRITTEN.send(tenant_id, events=[(i, e.type, e.stage_key, e.reason) for i, e, _d in entries])
    return len(history)


def record_creation(usulan: Usulan, event: workflow.HistoryEvent, user: User, changes: dict) -> None:
    """The "buat" decision record and history entry of a proposal just inserted (flushed)."""
    _record(usulan.tenant_id, user, [(usulan.id, event, changes)])


# ---- writing ------------------------------------------------------------------------------------

def _write(tenant_id: int, user: User, changes: list[_Change], reason: str | None = None) -> bool:
    """Compare-and-set every change, then its records; False (caller rolls back) when any
    proposal's version moved since it was read."""
    groups: dict[tuple, list[dict]] = {}
    for change in changes:
        row = {"id": change.usulan_id, "version": change.version, **change.values}
        groups.setdefault(tuple(row), []).append(row)
    updated = sum(compare_and_set(Usulan.__table__, rows) for rows in groups.values())
    if updated != len(changes):
        return False
    _record(tenant_id, user, ((c.usulan_id, c.event, c.diff) for c in changes), reason)
    _forget_loaded(c.usulan_id for c in changes)
    return True


def _forget_loaded(ids: Iterable[int]) -> None:
    """Loaded Usulan objects show the written values on their next access."""
    session = db.session()
    for ident in ids:
        obj = session.identity_map.get(identity_key(Usulan, ident))
        if obj is not None:
            session.expire(obj)


def _finish(result: Written, commit: bool) -> Written:
    if commit:
        if result.ok or result.changed:
            db.session.commit()
        else:
            db.session.rollback()
    return result


def _load(siklus: Siklus, ids: list[int], extra: list[str]) -> dict[int, Any]:
    """The engine's view and version of the given proposals of this cycle, locked (PostgreSQL)
    until the transaction ends so that the version seen is the one written over."""
    columns = STATE_COLUMNS + [getattr(Usulan, name) for name in extra if name not in COLUMN_OF.values()]
    rows = {}
    for start in range(0, len(ids), CHUNK):
        for row in db.session.execute(select(*columns).where(
                Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
                Usulan.id.in_(ids[start:start + CHUNK])).with_for_update()):
            rows[row.id] = row
    return rows


def decide(siklus: Siklus, user: User, stage_key: str, steps: Iterable[Step], *,
           all_or_nothing: bool = False, commit: bool = True, reason: str | None = None) -> Written:
    """Apply each step through the engine at ``stage_key`` and write what passes, in one transaction.

    ``commit=False``: the caller adds to the transaction and commits or rolls back (nothing
    is rolled back here). ``reason``: the history entries' reason instead of each event's
    (e.g. the budget file an outcome came from).
    """
    steps = list(steps)
    ids = [s.usulan_id for s in steps]
    if len(set(ids)) != len(ids):
        raise ValueError("a proposal appears twice in one call")
    extra = sorted({name for s in steps for name in (s.content or {})})
    rows = _load(siklus, ids, extra)
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    result, changes = Written(), []
    for step in steps:
        row = rows.get(step.usulan_id)
        if row is None:
            result.refused.append(ItemRefusal(step.usulan_id, MISSING))
            continue
        if not _same_version(row.version, step.expected_version):
            result.refused.append(ItemRefusal(step.usulan_id, STALE))
            continue
        try:
            transition = workflow.apply(cycle, state_of(row), actor, step.action, now, reason=step.reason,
                                        stage=stage_key, **dict(step.inputs or {}))
        except workflow.Refused as refused:
            result.refused.append(ItemRefusal(step.usulan_id, refused.refusal.rule, refused.refusal))
            continue
        values = columns_of(transition.changes, transition.event)
        values.update(step.content or {})
        diff = {name: [_plain(getattr(row, name)), _plain(value)] for name, value in values.items()
                if name not in ("alasan", "skor_rincian") and getattr(row, name) != value}
        changes.append(_Change(row.id, row.version, values, transition.event, diff))
        result.transitions[row.id] = transition
    if result.refused and all_or_nothing:
        result.transitions = {}
        return _finish(result, commit)
    if changes and not _write(siklus.tenant_id, user, changes, reason):
        if commit:
            db.session.rollback()
        return Written(stale=True)
    result.changed = [c.usulan_id for c in changes]
    # the unit or agency that sent a decided proposal is told, in this transaction
    notifications.notify_decided(siklus, user, stage_key, {c.usulan_id: c.event.type for c in changes})
    return _finish(result, commit)


# ---- sending batches up -------------------------------------------------------------------------

def send_batches(siklus: Siklus, user: User, batches: Iterable[workflow.SendBatch],
                 versions: Mapping[int, int]) -> bool:
    """Write sent batches (``workflow.send``): the items that go up and those that stay
    behind, one Pengiriman per batch, their records; not committed.

    ``versions``: id -> the version each item was read at when the engine decided the batch.
    False (the caller rolls back) when any of them changed since.
    """
    batches, changes = list(batches), []
    for batch in batches:
        for transition in batch.forwarded + batch.kept:
            event = transition.event
            changes.append(_Change(
                transition.proposal_id, versions[transition.proposal_id],
                columns_of(transition.changes, event), event,
                {"tahapan": [event.from_stage, event.to_stage], "status": [event.from_status, event.to_status]}))
    if not _write(siklus.tenant_id, user, changes):
        return False
    # after the proposals: a holder sent meanwhile shows as their version moving first
    db.session.add_all([Pengiriman(tenant_id=siklus.tenant_id, siklus_id=siklus.id, tahapan=batch.stage_key,
                                   ke_tahapan=batch.to_stage, holder=str(batch.holder),
                                   jumlah_usulan=len(batch.forwarded), jumlah_tertahan=len(batch.kept),
                                   total=batch.total, user_id=user.id) for batch in batches])
    notifications.notify_sent(siklus, user, batches, cycle_for(siklus))  # the new holders are told
    return True

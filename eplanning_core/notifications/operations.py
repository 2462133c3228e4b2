"""Who is told what, written in the transaction of the change (called by usulan/transitions.py).

Recipients are the operators of the unit or agency concerned (active accounts only) and
never the person who made the change. One row per (recipient, stage, decision) with a
count: a send of thousands of proposals writes one row per operator of the receiving unit.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from sqlalchemy import func, select, update

from ..accounts.models import Role, User
from ..bulkwrite import insert_rows
from ..extensions import db
from ..timeutil import utcnow
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah
from ..workflow.units import ancestor
from .models import ARRIVED, DECIDED, Notifikasi

#: Decisions the sending unit or agency is told about.
DECISIONS = frozenset({"diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa", "didanai",
                       "tidak_didanai", "buka_kembali"})  # a reopen: a decision was corrected
#: History events of proposals sent up to a stage (workflow kinds' send_event).
SEND_EVENTS = ("kirim", "tetapkan")
CHUNK = 2000


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _active(tenant_id: int):
    return select(User.id).where(User.tenant_id == tenant_id, User.aktif.is_(True))


def _unit_operators(tenant_id: int, codes: set[str]) -> dict[str, list[int]]:
    if not codes:
        return {}
    found = defaultdict(list)
    for user_id, kode in db.session.execute(
            select(User.id, Wilayah.kode).join(Wilayah, Wilayah.id == User.wilayah_id).where(
                User.tenant_id == tenant_id, User.aktif.is_(True), User.role == Role.OPERATOR.value,
                Wilayah.kode.in_(sorted(codes)))):
        found[kode].append(user_id)
    return found


def _operators_by(tenant_id: int, column, values: set[int], role: str) -> dict[int, list[int]]:
    if not values:
        return {}
    found = defaultdict(list)
    for user_id, value in db.session.execute(select(User.id, column).where(
            User.tenant_id == tenant_id, User.aktif.is_(True), User.role == role,
            column.in_(sorted(values)))):
        found[value].append(user_id)
    return found


def _bappeda(tenant_id: int) -> list[int]:
    return list(db.session.scalars(_active(tenant_id).where(User.role == Role.BAPPEDA.value)))


def _write(siklus, actor: User, groups: Mapping[tuple, list[int]], recipients: Mapping[object, list[int]],
           kind: str) -> int:
    """One row per (recipient, stage, decision) of ``groups``: (holder, stage, decision) -> ids."""
    at, counts = utcnow(), defaultdict(list)
    for (holder, stage_key, decision), ids in groups.items():
        for user_id in recipients.get(holder, ()):
            if user_id != actor.id:
                counts[(user_id, stage_key, decision)].extend(ids)
    rows = [{"tenant_id": siklus.tenant_id, "user_id": user_id, "siklus_id": siklus.id, "jenis": kind,
             "tahapan": stage_key, "keputusan": decision, "jumlah": len(set(ids)),
             "usulan_id": ids[0] if len(set(ids)) == 1 else None, "oleh_nama": actor.nama,
             "created_at": at, "read_at": None, "emailed_at": None}
            for (user_id, stage_key, decision), ids in sorted(counts.items(), key=lambda kv: kv[0][:2])]
    insert_rows(Notifikasi.__table__, rows)
    return len(rows)


def notify_sent(siklus, actor: User, batches: Iterable, cycle) -> int:
    """Proposals arrived: the operators of the unit or agency that holds them now (Bappeda
    for its own stages). ``batches``: the workflow's SendBatch objects just written."""
    tenant_id = siklus.tenant_id
    units, agencies_wanted, groups = set(), [], defaultdict(list)
    for batch in batches:
        ids = [t.proposal_id for t in batch.forwarded]
        nxt = cycle.stage(batch.to_stage)
        if not ids or nxt is None:
            continue
        if nxt.level.is_unit:
            holder = ancestor(str(batch.holder), nxt.level.depth)
            if holder:
                units.add(holder)
                groups[(("unit", holder), nxt.key, None)].extend(ids)
        elif nxt.level.is_pd:
            agencies_wanted.append((nxt.key, ids))
        elif nxt.level.is_bappeda:
            groups[(("bappeda", None), nxt.key, None)].extend(ids)
    agencies = set()
    for stage_key, ids in agencies_wanted:
        for chunk in _chunks(ids):
            for usulan_id, agency_id in db.session.execute(select(Usulan.id, Usulan.perangkat_daerah_id).where(
                    Usulan.tenant_id == tenant_id, Usulan.id.in_(chunk))):
                if agency_id is not None:
                    agencies.add(agency_id)
                    groups[(("pd", agency_id), stage_key, None)].append(usulan_id)
    recipients: dict[object, list[int]] = {}
    recipients.update({("unit", k): v for k, v in _unit_operators(tenant_id, units).items()})
    recipients.update({("pd", k): v for k, v in _operators_by(
        tenant_id, User.perangkat_daerah_id, agencies, Role.OPERATOR_PD.value).items()})
    if any(holder[0] == "bappeda" for holder, _s, _d in groups):
        recipients[("bappeda", None)] = _bappeda(tenant_id)
    return _write(siklus, actor, groups, recipients, ARRIVED)


def notify_decided(siklus, actor: User, stage_key: str, decided: Mapping[int, str]) -> int:
    """Decisions on what one sent: the operators of the unit or agency whose send brought
    each proposal to this stage (its latest send record), else the person who sent it.
    ``decided``: proposal id -> decision (history event type); other events are ignored."""
    decided = {pid: kind for pid, kind in decided.items() if kind in DECISIONS}
    if not decided:
        return 0
    tenant_id, senders = siklus.tenant_id, []
    for chunk in _chunks(sorted(decided)):
        latest = (select(func.max(Keputusan.id)).where(
            Keputusan.tenant_id == tenant_id, Keputusan.usulan_id.in_(chunk),
            Keputusan.keputusan.in_(SEND_EVENTS), Keputusan.tahapan != stage_key)
            .group_by(Keputusan.usulan_id))
        senders += db.session.execute(select(
            Keputusan.usulan_id, Keputusan.oleh_wilayah_id, Keputusan.oleh_perangkat_daerah_id,
            Keputusan.user_id).where(Keputusan.id.in_(latest))).all()
    groups, units, agencies, people = defaultdict(list), set(), set(), set()
    for usulan_id, unit_id, agency_id, user_id in senders:
        if unit_id is not None:
            holder = ("unit", unit_id)
            units.add(unit_id)
        elif agency_id is not None:
            holder = ("pd", agency_id)
            agencies.add(agency_id)
        elif user_id is not None:
            holder = ("user", user_id)
            people.add(user_id)
        else:
            continue
        groups[(holder, stage_key, decided[usulan_id])].append(usulan_id)
    recipients: dict[object, list[int]] = {}
    recipients.update({("unit", k): v for k, v in _operators_by(
        tenant_id, User.wilayah_id, units, Role.OPERATOR.value).items()})
    recipients.update({("pd", k): v for k, v in _operators_by(
        tenant_id, User.perangkat_daerah_id, agencies, Role.OPERATOR_PD.value).items()})
    if people:
        active = set(db.session.scalars(_active(tenant_id).where(User.id.in_(sorted(people)))))
        recipients.update({("user", k): [k] for k in people if k in active})
    return _write(siklus, actor, groups, recipients, DECIDED)


# ---- reading and marking ---------------------------------------------------------------------

def unread_count(tenant_id: int, user_id: int) -> int:
    return db.session.scalar(select(func.count(Notifikasi.id)).where(
        Notifikasi.tenant_id == tenant_id, Notifikasi.user_id == user_id,
        Notifikasi.read_at.is_(None))) or 0


def unread_count_column(tenant_id_column, user_id_column):
    """The unread count as a scalar subquery, to be read with the account in one statement."""
    return (select(func.count(Notifikasi.id)).where(
        Notifikasi.tenant_id == tenant_id_column, Notifikasi.user_id == user_id_column,
        Notifikasi.read_at.is_(None)).correlate_except(Notifikasi).scalar_subquery())


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one notification (or all) of ``user`` as read; how many changed. Not committed."""
    query = update(Notifikasi).where(Notifikasi.tenant_id == user.tenant_id, Notifikasi.user_id == user.id,
                                     Notifikasi.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notifikasi.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount or 0

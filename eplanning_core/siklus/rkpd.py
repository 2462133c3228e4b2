"""The RKPD from Bappeda's desk: the consolidated draft, sending every agency's batch on in
one transaction, setting (penetapan) the plan, and recording the budget outcome.

Everything here works on thousands of proposals with a fixed number of queries: the engine's
states come from one query of STATE_COLUMNS, writes are bulk UPDATEs and INSERTs. The engine
decides every item; nothing here re-implements one of its rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import workflow
from ..audit.operations import record
from ..bulkwrite import update_rows
from ..extensions import db
from ..usulan.models import Keputusan, Pengiriman, Usulan
from ..usulan.operations import record_many
from ..workflow.kinds import AGENCY_LEVELS
from ..workflow.units import ancestor
from .bridge import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of
from .models import Siklus

RKPD_KIND, PENETAPAN_KIND, ANGGARAN_KIND = "musrenbang_rkpd", "penetapan_rkpd", "penganggaran"
CHUNK = 2000
#: The rupiah a proposal claims: the agency's pagu once mapped, else its total (as the engine).
AMOUNT = func.coalesce(Usulan.pagu, Usulan.total)


# ---- where the RKPD is in a cycle ------------------------------------------------------------

def stage_of_kind(cycle: workflow.Cycle, kind: str) -> workflow.StageDef | None:
    return next((s for s in cycle.stages if s.kind == kind), None)


def draft_stage_keys(cycle: workflow.Cycle) -> list[str]:
    """Musrenbang RKPD and every later stage: where the consolidated plan lives."""
    first = stage_of_kind(cycle, RKPD_KIND)
    if first is None:
        return []
    return [s.key for s in cycle.stages[cycle.position(first.key):]]


def cycle_items(siklus: Siklus):
    """``select(Usulan)`` of one cycle (the cycle row is already tenant-checked)."""
    return select(Usulan).where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id)


def _chunks(ids: list) -> list[list]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


# ---- ceilings: what each holder uses ---------------------------------------------------------

def used_by_holder(siklus: Siklus, cycle: workflow.Cycle, stage_key: str) -> dict[str, tuple[int, int]]:
    """{holder: (count, rupiah)} of the accepted, unsent proposals at a stage: one grouped query."""
    stage = cycle.stage(stage_key)
    where = (Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
             Usulan.tahapan == stage_key, Usulan.status.in_(stage.spec.forwards),
             Usulan.tertutup.is_(False))
    if isinstance(stage.level, int):
        column = Usulan.lokasi_kode
    elif stage.level in AGENCY_LEVELS:
        column = Usulan.perangkat_daerah_id
    else:
        column = Usulan.dprd_user_id
    rows = db.session.execute(select(column, func.count(), func.coalesce(func.sum(AMOUNT), 0))
                              .where(*where).group_by(column)).all()
    out: dict[str, tuple[int, int]] = {}
    for key, count, amount in rows:
        if key is None:
            continue
        if isinstance(stage.level, int):
            try:
                key = ancestor(key, stage.level)
            except ValueError:
                continue
            if key is None:
                continue
        old = out.get(str(key), (0, 0))
        out[str(key)] = (old[0] + count, old[1] + int(amount))
    return out


def sent_by_holder(siklus: Siklus, stage_key: str) -> dict[str, Pengiriman]:
    return {p.holder: p for p in db.session.scalars(select(Pengiriman).where(
        Pengiriman.siklus_id == siklus.id, Pengiriman.tahapan == stage_key))}


# ---- the consolidated draft ----------------------------------------------------------------

@dataclass
class AgencyLine:
    """One agency in the draft: how much it plans against its Musrenbang RKPD ceiling."""

    agency_id: int | None
    items: int = 0
    undecided: int = 0
    rejected: int = 0
    total: int = 0            # what the agency plans: accepted at Musrenbang RKPD or later
    ceiling: int | None = None
    sent: bool = False

    @property
    def over(self) -> int:
        return self.total - self.ceiling if self.ceiling is not None else 0


def agency_lines(siklus: Siklus, cycle: workflow.Cycle) -> dict[int | None, AgencyLine]:
    """Per agency totals of the draft, from one grouped query."""
    keys = draft_stage_keys(cycle)
    rkpd = stage_of_kind(cycle, RKPD_KIND)
    if not keys:
        return {}
    rows = db.session.execute(
        select(Usulan.perangkat_daerah_id, Usulan.tahapan, Usulan.status, Usulan.tertutup,
               func.count(), func.coalesce(func.sum(AMOUNT), 0))
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Usulan.tahapan.in_(keys))
        .group_by(Usulan.perangkat_daerah_id, Usulan.tahapan, Usulan.status, Usulan.tertutup)).all()
    sent = sent_by_holder(siklus, rkpd.key)
    lines: dict[int | None, AgencyLine] = {}
    for agency, tahapan, status, closed, count, amount in rows:
        line = lines.get(agency)
        if line is None:
            line = lines[agency] = AgencyLine(
                agency, ceiling=rkpd.ceiling.for_holder(agency) if rkpd.ceiling else None,
                sent=str(agency) in sent)
        line.items += count
        at_rkpd = tahapan == rkpd.key
        if at_rkpd and status in rkpd.spec.pending and not closed:
            line.undecided += count
        elif status == "ditolak" or closed:
            line.rejected += count
        elif not at_rkpd or status in rkpd.spec.forwards:
            line.total += int(amount)
    return lines


def decisions_by_item(item_ids_query, stage_names: dict[str, str], action_name) -> dict[int, str]:
    """Every decision of the given proposals as one line of text each: one query."""
    rows = db.session.execute(
        select(Keputusan.usulan_id, Keputusan.tahapan, Keputusan.keputusan, Keputusan.user_nama,
               Keputusan.created_at, Keputusan.alasan)
        .where(Keputusan.usulan_id.in_(item_ids_query))
        .order_by(Keputusan.usulan_id, Keputusan.id)).all()
    out: dict[int, list[str]] = {}
    for usulan_id, tahapan, keputusan, who, at, why in rows:
        text = f"{stage_names.get(tahapan, tahapan)}: {action_name(keputusan)} ({who}, {at:%Y-%m-%d})"
        out.setdefault(usulan_id, []).append(text + (f" - {why}" if why else ""))
    return {k: "; ".join(v) for k, v in out.items()}


# ---- sending every agency's batch at once -----------------------------------------------------

@dataclass
class SendAll:
    """The outcome of sending several holders' batches in one transaction."""

    ok: bool
    batches: list = field(default_factory=list)    # workflow.SendBatch, one per holder
    refusals: list = field(default_factory=list)   # (holder, workflow.Refusal)
    stale: bool = False      # someone moved the proposals meanwhile: nothing written
    empty: bool = False      # nothing to send
    locked: bool = False     # the RKPD is already set

    @property
    def count(self) -> int:
        return sum(b.count for b in self.batches)

    @property
    def total(self) -> int:
        return sum(b.total for b in self.batches)


def plan_send_all(siklus: Siklus, stage_key: str, user, holders=None) -> SendAll:
    """Check the batch of every holder (or of ``holders``) at a stage; nothing is written.

    One query loads the engine's view of every proposal at the stage; the engine then
    decides each holder's batch as a whole.
    """
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    stage = cycle.stage(stage_key)
    rows = db.session.execute(select(*STATE_COLUMNS).where(
        Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
        Usulan.tahapan == stage_key).order_by(Usulan.id)).all()
    groups: dict[str, list] = {}
    values: dict[str, object] = {}
    for row in rows:
        state = state_of(row)
        holder = cycle.holder_of(state, stage)
        groups.setdefault(str(holder), []).append(state)
        values[str(holder)] = holder
    sent = set(sent_by_holder(siklus, stage_key))
    if holders is None:
        wanted = sorted(k for k, items in groups.items() if any(not i.closed for i in items))
    else:
        wanted = [str(h) for h in holders]
    result = SendAll(False)
    for key in wanted:
        holder = values.get(key, int(key) if key.isdigit() else key)
        try:
            batch = workflow.send(cycle, stage_key, holder, groups.get(key, []), actor, now,
                                  already_sent=key in sent)
        except workflow.Refused as refused:
            result.refusals.append((holder, refused.refusal))
            continue
        if batch.forwarded or batch.kept:
            result.batches.append(batch)
    result.empty = not result.batches and not result.refusals
    result.ok = not result.refusals and not result.empty
    return result


def _write_batches(siklus: Siklus, batches: list, user) -> bool:
    """Bulk-write the batches (not committed); False when a proposal moved meanwhile."""
    for batch in batches:
        forwarded = [t.proposal_id for t in batch.forwarded]
        kept = [t.proposal_id for t in batch.kept]
        for ids, values in ((forwarded, {"tahapan": batch.to_stage, "status": "belum_dibahas",
                                         "terkunci": True, "alasan": None}),
                            (kept, {"tertutup": True})):
            for chunk in _chunks(ids):
                result = db.session.execute(
                    update(Usulan).where(Usulan.id.in_(chunk), Usulan.tahapan == batch.stage_key,
                                         Usulan.tertutup.is_(False))
                    .values(version=Usulan.version + 1, **values)
                    .execution_options(synchronize_session=False))
                if result.rowcount != len(chunk):
                    return False
        record_many(siklus.tenant_id, user, (
            (t.event.proposal_id, t.event.stage_key, t.event.type,
             {"tahapan": [t.event.from_stage, t.event.to_stage],
              "status": [t.event.from_status, t.event.to_status]})
            for t in batch.forwarded + batch.kept))
        db.session.add(Pengiriman(tenant_id=siklus.tenant_id, siklus_id=siklus.id,
                                  tahapan=batch.stage_key, ke_tahapan=batch.to_stage,
                                  holder=str(batch.holder), jumlah_usulan=len(forwarded),
                                  jumlah_tertahan=len(kept), total=batch.total, user_id=user.id))
    return True


def _commit() -> bool:
    try:
        db.session.commit()
    except IntegrityError:  # another request sent one of these holders first
        db.session.rollback()
        return False
    db.session.expire_all()
    return True


def send_all(siklus: Siklus, stage_key: str, user, holders=None) -> SendAll:
    """Send the batches of every holder (or of ``holders``) at a stage in ONE transaction.

    If the engine refuses any holder's batch nothing is written and every refusal is listed.
    """
    if siklus.status == "rkpd_ditetapkan":
        return SendAll(False, locked=True)
    plan = plan_send_all(siklus, stage_key, user, holders)
    if not plan.ok:
        return plan
    if not _write_batches(siklus, plan.batches, user):
        db.session.rollback()
        return SendAll(False, stale=True)
    record(tenant_id=siklus.tenant_id, actor=user, action="siklus.kirim", obj=siklus,
           changes={"tahapan": [stage_key, plan.batches[0].to_stage],
                    "holders": [None, [str(b.holder) for b in plan.batches]],
                    "usulan": [None, plan.count], "total": [None, plan.total]})
    if not _commit():
        return SendAll(False, stale=True)
    return plan


def tetapkan(siklus: Siklus, user) -> SendAll:
    """Set the RKPD: every agency's batch goes from Penetapan to budgeting, the cycle is locked.

    One transaction: the batches, the cycle's status and time, and the "siklus.tetapkan"
    history entry; refused as a whole when any batch is.
    """
    if siklus.status == "rkpd_ditetapkan":
        return SendAll(False, locked=True)
    stage = stage_of_kind(cycle_for(siklus), PENETAPAN_KIND)
    if stage is None:
        return SendAll(False, empty=True)
    plan = plan_send_all(siklus, stage.key, user)
    if not plan.ok:
        return plan
    if not _write_batches(siklus, plan.batches, user):
        db.session.rollback()
        return SendAll(False, stale=True)
    moment = now_utc().astimezone(timezone.utc).replace(tzinfo=None)
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", moment
    siklus.version += 1
    record(tenant_id=siklus.tenant_id, actor=user, action="siklus.tetapkan", obj=siklus,
           changes={"status": ["berjalan", "rkpd_ditetapkan"],
                    "rkpd_ditetapkan_at": [None, moment.isoformat(sep=" ", timespec="seconds")],
                    "holders": [None, [str(b.holder) for b in plan.batches]],
                    "usulan": [None, plan.count], "total": [None, plan.total]})
    if not _commit():
        return SendAll(False, stale=True)
    return plan


# ---- the budget outcome ----------------------------------------------------------------------

@dataclass
class BudgetResult:
    ok: bool
    #: proposal id -> a Refusal, or "stale" / "missing"
    errors: dict = field(default_factory=dict)
    funded: int = 0
    not_funded: int = 0


def record_budget(siklus: Siklus, user, rows: list[dict]) -> BudgetResult:
    """Funded (with amount) or not funded, for many proposals at once; all or nothing.

    ``rows``: {"id", "version" (as the page showed it), "action": "didanai" | "tidak_didanai",
    "amount": int | None}. Each is decided by the engine and version-checked.
    """
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    stage = stage_of_kind(cycle, ANGGARAN_KIND)
    ids = [r["id"] for r in rows]
    found = {}
    for chunk in _chunks(ids):
        for row in db.session.execute(select(*STATE_COLUMNS, Usulan.version.label("v")).where(
                Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
                Usulan.id.in_(chunk)).with_for_update()):
            found[row.id] = row
    result = BudgetResult(False)
    transitions = []
    for item in rows:
        row = found.get(item["id"])
        if row is None or stage is None:
            result.errors[item["id"]] = "missing"
            continue
        if str(row.v) != str(item["version"]):
            result.errors[item["id"]] = "stale"
            continue
        inputs = {"amount": item.get("amount")} if item["action"] == "didanai" else {}
        try:
            transitions.append((row, workflow.apply(cycle, state_of(row), actor, item["action"], now,
                                                    stage=stage.key, **inputs)))
        except workflow.Refused as refused:
            result.errors[item["id"]] = refused.refusal
    if result.errors or not transitions:
        db.session.rollback()
        return result
    table = Usulan.__table__
    params = [{"id": row.id, "version": row.v, "status": t.changes["status"],
               "anggaran_jumlah": t.changes.get("funded_amount")} for row, t in transitions]
    updated = update_rows(table, ("id", "version"), params,
                          also={"alasan": None, "version": table.c.version + 1})
    if updated != len(params):
        db.session.rollback()
        return BudgetResult(False, errors={row.id: "stale" for row, _ in transitions})
    record_many(siklus.tenant_id, user, (
        (row.id, stage.key, t.event.type,
         {"status": [row.status, t.changes["status"]],
          "anggaran_jumlah": [row.anggaran_jumlah, t.changes.get("funded_amount")]})
        for row, t in transitions))
    for _row, transition in transitions:
        if transition.event.type == "didanai":
            result.funded += 1
        else:
            result.not_funded += 1
    record(tenant_id=siklus.tenant_id, actor=user, action="siklus.anggaran", obj=siklus,
           changes={"didanai": [None, result.funded], "tidak_didanai": [None, result.not_funded]})
    db.session.commit()
    db.session.expire_all()
    result.ok = True
    return result


def budget_lines(siklus: Siklus, stage_key: str) -> list[tuple]:
    """(agency id, status, count, planned rupiah, funded rupiah) at the budgeting stage."""
    return db.session.execute(
        select(Usulan.perangkat_daerah_id, Usulan.status, func.count(),
               func.coalesce(func.sum(AMOUNT), 0), func.coalesce(func.sum(Usulan.anggaran_jumlah), 0))
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Usulan.tahapan == stage_key)
        .group_by(Usulan.perangkat_daerah_id, Usulan.status)).all()

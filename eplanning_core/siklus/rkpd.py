"""The RKPD from Bappeda's desk: the consolidated draft, sending every agency's batch on in
one transaction, setting (penetapan) the plan, and recording the budget outcome.

Everything here works on thousands of proposals with a fixed number of queries: the engine's
states come from one query of STATE_COLUMNS, and the one writer of a proposal's state
(:mod:`eplanning_core.usulan.transitions`) writes them in bulk. The engine decides every
item; nothing here re-implements one of its rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import workflow
from ..audit.operations import record
from ..conflicts import claim_version
from ..extensions import db
from ..usulan import transitions
from ..usulan.engine_adapter import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of
from ..usulan.models import Keputusan, Pengiriman, Usulan
from ..usulan.operations import meeting_missing
from ..workflow.units import ancestor
from .models import Siklus

RKPD_KIND, PENETAPAN_KIND, ANGGARAN_KIND = "musrenbang_rkpd", "penetapan_rkpd", "penganggaran"
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


# ---- ceilings: what each holder uses ---------------------------------------------------------

def used_by_holder(siklus: Siklus, cycle: workflow.Cycle, stage_key: str) -> dict[str, tuple[int, int]]:
    """{holder: (count, rupiah)} of the accepted, unsent proposals at a stage: one grouped query."""
    stage = cycle.stage(stage_key)
    where = (Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
             Usulan.tahapan == stage_key, Usulan.status.in_(stage.spec.forwards),
             Usulan.tertutup.is_(False))
    if stage.level.is_unit:
        column = Usulan.lokasi_kode
    elif stage.level.is_agency:
        column = Usulan.perangkat_daerah_id
    else:
        column = Usulan.dprd_user_id
    rows = db.session.execute(select(column, func.count(), func.coalesce(func.sum(AMOUNT), 0))
                              .where(*where).group_by(column)).all()
    out: dict[str, tuple[int, int]] = {}
    for key, count, amount in rows:
        if key is None:
            continue
        if stage.level.is_unit:
            try:
                key = ancestor(key, stage.level.depth)
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
    versions: dict = field(default_factory=dict, repr=False)  # id -> version the engine decided on

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
    result = SendAll(False)
    for row in rows:
        state = state_of(row)
        holder = cycle.holder_of(state, stage)
        groups.setdefault(str(holder), []).append(state)
        values[str(holder)] = holder
        result.versions[row.id] = row.version
    sent = set(sent_by_holder(siklus, stage_key))
    if holders is None:
        wanted = sorted(k for k, items in groups.items() if any(not i.closed for i in items))
    else:
        wanted = [str(h) for h in holders]
    for key in wanted:
        holder = values.get(key, int(key) if key.isdigit() else key)
        try:  # a unit's batch needs its meeting on record, as one send does
            batch = workflow.send(cycle, stage_key, holder, groups.get(key, []), actor, now,
                                  already_sent=key in sent,
                                  meeting_missing=meeting_missing(siklus, cycle, stage_key, holder))
        except workflow.Refused as refused:
            result.refusals.append((holder, refused.refusal))
            continue
        if batch.forwarded or batch.kept:
            result.batches.append(batch)
    result.empty = not result.batches and not result.refusals
    result.ok = not result.refusals and not result.empty
    return result


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
    if not transitions.send_batches(siklus, user, plan.batches, plan.versions):
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
    if not transitions.send_batches(siklus, user, plan.batches, plan.versions):
        db.session.rollback()
        return SendAll(False, stale=True)
    if not claim_version(siklus, siklus.version):  # the cycle changed meanwhile (e.g. its schedule)
        db.session.rollback()
        return SendAll(False, stale=True)
    moment = now_utc().astimezone(timezone.utc).replace(tzinfo=None)
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", moment
    record(tenant_id=siklus.tenant_id, actor=user, action="siklus.tetapkan", obj=siklus,
           changes={"status": ["berjalan", "rkpd_ditetapkan"],
                    "rkpd_ditetapkan_at": [None, moment.isoformat(sep=" ", timespec="seconds")],
                    "holders": [None, [str(b.holder) for b in plan.batches]],
                    "usulan": [None, plan.count], "total": [None, plan.total]})
    if not _commit():
        return SendAll(False, stale=True)
    from ..audit.checkpoints import after_milestone

    after_milestone(siklus.tenant_id)  # the penetapan's history in a published checkpoint at once
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
    stage = stage_of_kind(cycle_for(siklus), ANGGARAN_KIND)
    if stage is None:
        return BudgetResult(False, errors={r["id"]: "missing" for r in rows})
    steps = [transitions.Step(r["id"], r["action"], r["version"],
                              inputs={"amount": r.get("amount")} if r["action"] == "didanai" else {})
             for r in rows]
    written = transitions.decide(siklus, user, stage.key, steps, all_or_nothing=True, commit=False)
    if not written.ok or not written.changed:
        db.session.rollback()
        if written.stale:
            return BudgetResult(False, errors={r["id"]: "stale" for r in rows})
        return BudgetResult(False, errors={r.usulan_id: r.refusal or r.rule for r in written.refused})
    result = BudgetResult(True)
    for transition in written.transitions.values():
        if transition.event.type == "didanai":
            result.funded += 1
        else:
            result.not_funded += 1
    record(tenant_id=siklus.tenant_id, actor=user, action="siklus.anggaran", obj=siklus,
           changes={"didanai": [None, result.funded], "tidak_didanai": [None, result.not_funded]})
    db.session.commit()
    db.session.expire_all()
    return result


def budget_lines(siklus: Siklus, stage_key: str) -> list[tuple]:
    """(agency id, status, count, planned rupiah, funded rupiah) at the budgeting stage."""
    return db.session.execute(
        select(Usulan.perangkat_daerah_id, Usulan.status, func.count(),
               func.coalesce(func.sum(AMOUNT), 0), func.coalesce(func.sum(Usulan.anggaran_jumlah), 0))
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Usulan.tahapan == stage_key)
        .group_by(Usulan.perangkat_daerah_id, Usulan.status)).all()

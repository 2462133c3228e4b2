"""How proposals fared, counted by one grouped query: the summaries of the portal and the
Command Center share these definitions.

Every proposal is in exactly one bucket, by its current state:
- accepted: accepted at its latest level (or funded / not funded in the budget), or passed
  on to a later level and not yet decided there;
- rejected: rejected at some level (the reason is public);
- village funds: kept by the village for its own funds (Dana Desa/ADD);
- in process: entered and not yet decided nor sent on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from .. import workflow
from ..extensions import db
from ..usulan.models import Usulan
from ..wilayah.models import Wilayah

ACCEPTED = frozenset({"diterima", "diterima_dengan_perubahan", "didanai", "tidak_didanai"})
PENDING = frozenset({"belum_dibahas", "diperiksa"})
#: Stage kinds whose proposals are part of the regional plan (RKPD).
RKPD_KINDS = ("penetapan_rkpd", "penganggaran")
#: Sources that came up through the Musrenbang chain (KPK's "usulan melalui musrenbang").
MUSRENBANG_SOURCES = ("lingkungan", "kelurahan", "kecamatan")


def rkpd_stage_keys(cycle: workflow.Cycle) -> set[str]:
    return {s.key for s in cycle.stages if s.kind in RKPD_KINDS}


def bucket(status: str, locked: bool) -> str:
    if status in ACCEPTED or (status in PENDING and locked):
        return "accepted"
    if status == "ditolak":
        return "rejected"
    if status == "dana_desa":
        return "village_funds"
    return "in_process"


@dataclass
class Summary:
    proposed: int = 0
    accepted: int = 0
    rejected: int = 0
    village_funds: int = 0
    in_process: int = 0
    in_rkpd: int = 0
    funded: int = 0
    not_funded: int = 0
    total_proposed: int = 0
    total_planned: int = 0
    total_funded: int = 0
    #: stage key -> {status: count}
    by_stage: dict = field(default_factory=dict)

    def add(self, stage_key, status, locked, count, total, pagu, funded, rkpd_keys) -> None:
        count, total, pagu, funded = int(count), int(total or 0), int(pagu or 0), int(funded or 0)
        self.proposed += count
        self.total_proposed += total
        name = bucket(status, locked)
        setattr(self, name, getattr(self, name) + count)
        if stage_key in rkpd_keys:
            self.in_rkpd += count
            self.total_planned += pagu
        if status == "didanai":
            self.funded += count
            self.total_funded += funded
        elif status == "tidak_didanai":
            self.not_funded += count
        per_stage = self.by_stage.setdefault(stage_key, {})
        per_stage[status] = per_stage.get(status, 0) + count


def summarise(siklus, cycle: workflow.Cycle, *conditions) -> Summary:
    """One grouped query over the cycle's proposals matching ``conditions``."""
    rows = db.session.execute(
        select(Usulan.tahapan, Usulan.status, Usulan.terkunci, func.count(), func.sum(Usulan.total),
               func.sum(Usulan.pagu), func.sum(Usulan.anggaran_jumlah))
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, *conditions)
        .group_by(Usulan.tahapan, Usulan.status, Usulan.terkunci)).all()
    summary, keys = Summary(), rkpd_stage_keys(cycle)
    for row in rows:
        summary.add(*row, rkpd_keys=keys)
    return summary


def rejection_reasons(siklus, *conditions, limit: int = 20) -> list[tuple[str, str, int]]:
    """(stage key, reason, count), the most frequent first: why proposals were rejected."""
    count = func.count().label("n")
    return [tuple(r) for r in db.session.execute(
        select(Usulan.tahapan, Usulan.alasan, count)
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Usulan.status == "ditolak", *conditions)
        .group_by(Usulan.tahapan, Usulan.alasan).order_by(count.desc(), Usulan.alasan)
        .limit(limit)).all()]


def children_counts(siklus, unit: Wilayah) -> list[dict]:
    """Per unit one level down: proposed, accepted, rejected, funded (two queries)."""
    children = db.session.execute(select(Wilayah.kode, Wilayah.nama).where(
        Wilayah.tenant_id == unit.tenant_id, Wilayah.parent_id == unit.id)
        .order_by(Wilayah.kode)).all()
    if not children:
        return []
    rows = db.session.execute(
        select(Usulan.lokasi_kode, Usulan.status, Usulan.terkunci, func.count())
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               or_(Usulan.lokasi_kode == unit.kode,
                   Usulan.lokasi_kode.startswith(unit.kode + ".", autoescape=True)))
        .group_by(Usulan.lokasi_kode, Usulan.status, Usulan.terkunci)).all()
    depth = unit.kode.count(".") + 2
    table = {kode: {"kode": kode, "nama": nama, "proposed": 0, "accepted": 0, "rejected": 0,
                    "funded": 0} for kode, nama in children}
    for lokasi, status, locked, count in rows:
        child = table.get(".".join(lokasi.split(".")[:depth]))
        if child is None:
            continue
        child["proposed"] += count
        name = bucket(status, locked)
        if name in ("accepted", "rejected"):
            child[name] += count
        if status == "didanai":
            child["funded"] += count
    return list(table.values())

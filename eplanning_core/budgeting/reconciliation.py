"""The budget checked against the plan: what KPK asks e-planning to make visible.

Findings, each with a link to the proposal's history where there is a proposal:

- ``tanpa_kode``: a budget line with no kode_lacak (no planning provenance at all);
- ``kode_tidak_dikenal``: a line whose kode_lacak names no proposal of this region's cycle;
- ``bukan_rkpd``: a line naming a proposal that was never in the locked RKPD (rejected or
  left behind at an earlier stage);
- ``melebihi_pagu``: a planned item whose lines sum to more than its pagu;
- ``hilang``: a planned item of the locked RKPD that no line funds, once a *final* import
  said the APBD is complete (before that, a missing line may simply not be sent yet).

And the money followed to the result (realisasi/):

- ``tanpa_realisasi``: a funded item with no execution record after the date the region
  sets (``[realisasi] record_deadline`` of the budget year);
- ``realisasi_melebihi``: an item whose realised amount is above what was funded;
- ``selesai_tanpa_foto``: an item reported completed without a single photo;
- ``terlambat_tanpa_alasan``: progress reported after the budget year without a reason.

Three queries, whatever the number of lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from ..accounts.models import PerangkatDaerah
from ..audit.models import AuditEntry
from ..extensions import db
from ..usulan.engine_adapter import cycle_for
from ..siklus.models import Siklus
from ..usulan.models import Usulan
from .export import plan_clause, require_locked, rkpd_stage_keys
from .models import AnggaranBaris, AnggaranImpor

KINDS = ("tanpa_kode", "kode_tidak_dikenal", "bukan_rkpd", "melebihi_pagu", "hilang", "tanpa_realisasi",
         "realisasi_melebihi", "selesai_tanpa_foto", "terlambat_tanpa_alasan")
KIND_LABELS = {
    "tanpa_kode": _l("Budget line without a tracking code"),
    "kode_tidak_dikenal": _l("Budget line with an unknown tracking code"),
    "bukan_rkpd": _l("Budget line for a proposal not in the RKPD"),
    "melebihi_pagu": _l("Funded above the plan"),
    "hilang": _l("Planned item with no budget line"),
    "tanpa_realisasi": _l("Funded item with no execution record"),
    "realisasi_melebihi": _l("Realised above the funded amount"),
    "selesai_tanpa_foto": _l("Completed item without a photo"),
    "terlambat_tanpa_alasan": _l("Progress reported after the budget year without a reason"),
}
#: The rupiah a planned item claims: the agency's pagu once mapped, else its total.
PLAN = func.coalesce(Usulan.pagu, Usulan.total)


@dataclass
class Finding:
    kind: str
    external_id: str | None = None       # the budget line (None for item findings)
    kode_lacak: str | None = None
    usulan_id: int | None = None         # the proposal, when there is one: its history page
    perangkat_daerah_kode: str | None = None
    perangkat_daerah_nama: str | None = None
    sub_kegiatan_kode: str | None = None
    uraian: str | None = None            # the line's description, or the proposal's activity
    jumlah: int | None = None            # the line's amount, or the sum of the item's lines
    pagu: int | None = None              # what the plan gives the item
    tahapan: str | None = None           # where the named proposal stands

    @property
    def selisih(self) -> int | None:
        if self.jumlah is None or self.pagu is None:
            return None
        return self.jumlah - self.pagu

    @property
    def riwayat_url(self) -> str | None:
        return f"/usulan/{self.usulan_id}" if self.usulan_id else None

    def as_dict(self) -> dict:
        return {"jenis": self.kind, "external_id": self.external_id, "kode_lacak": self.kode_lacak,
                "usulan_id": self.usulan_id, "perangkat_daerah_kode": self.perangkat_daerah_kode,
                "perangkat_daerah_nama": self.perangkat_daerah_nama, "sub_kegiatan_kode": self.sub_kegiatan_kode,
                "uraian": self.uraian, "jumlah": self.jumlah, "pagu": self.pagu, "selisih": self.selisih,
                "tahapan": self.tahapan, "riwayat_url": self.riwayat_url}


@dataclass
class Report:
    siklus: Siklus
    findings: list[Finding] = field(default_factory=list)
    lines: int = 0                 # budget lines stored for the cycle
    budget_total: int = 0          # their sum
    final_at: datetime | None = None  # the last final import, if any (naive UTC)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for finding in self.findings:
            out[finding.kind] += 1
        return out

    def filtered(self, kind: str | None = None, agency: str | None = None, text: str | None = None
                 ) -> list[Finding]:
        found = self.findings
        if kind in KINDS:
            found = [f for f in found if f.kind == kind]
        if agency:
            found = [f for f in found if f.perangkat_daerah_kode == agency]
        if text:
            needle = text.lower()
            found = [f for f in found if any(needle in (v or "").lower() for v in
                                             (f.external_id, f.kode_lacak, f.uraian, f.sub_kegiatan_kode))]
        return found


def final_import_at(siklus: Siklus) -> datetime | None:
    """When the last import marked final was made (its history entry says so)."""
    return db.session.scalar(
        select(func.max(AuditEntry.created_at)).where(
            AuditEntry.tenant_id == siklus.tenant_id, AuditEntry.action == "anggaran.impor_final",
            AuditEntry.object_type == AnggaranImpor.__tablename__,
            AuditEntry.object_id.in_(select(AnggaranImpor.id).where(AnggaranImpor.siklus_id == siklus.id))))


def reconcile(siklus: Siklus) -> Report:
    """Every finding of the cycle; raises export.RkpdNotLocked before the RKPD is set."""
    require_locked(siklus)
    cycle = cycle_for(siklus)
    keys = rkpd_stage_keys(cycle)
    report = Report(siklus, final_at=final_import_at(siklus))
    of_cycle = (AnggaranBaris.tenant_id == siklus.tenant_id, AnggaranBaris.siklus_id == siklus.id)
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(AnggaranBaris.jumlah), 0)).where(*of_cycle)).one()
    report.lines, report.budget_total = count, int(total)
    agency = and_(PerangkatDaerah.tenant_id == siklus.tenant_id,
                  PerangkatDaerah.kode == AnggaranBaris.perangkat_daerah_kode)
    for row in db.session.execute(
            select(AnggaranBaris.external_id, AnggaranBaris.kode_lacak, AnggaranBaris.usulan_id,
                   AnggaranBaris.perangkat_daerah_kode, PerangkatDaerah.nama, AnggaranBaris.sub_kegiatan_kode,
                   AnggaranBaris.uraian, AnggaranBaris.jumlah, Usulan.tahapan, Usulan.tertutup)
            .outerjoin(Usulan, Usulan.id == AnggaranBaris.usulan_id)
            .outerjoin(PerangkatDaerah, agency)
            .where(*of_cycle, or_(AnggaranBaris.kode_lacak.is_(None), AnggaranBaris.usulan_id.is_(None),
                                  Usulan.tahapan.not_in(keys), Usulan.tertutup.is_(True)))
            .order_by(AnggaranBaris.perangkat_daerah_kode, AnggaranBaris.external_id)):
        kind = ("tanpa_kode" if not row.kode_lacak else
                "kode_tidak_dikenal" if row.usulan_id is None else "bukan_rkpd")
        report.findings.append(Finding(
            kind, row.external_id, row.kode_lacak, row.usulan_id, row.perangkat_daerah_kode, row.nama,
            row.sub_kegiatan_kode, row.uraian, row.jumlah, tahapan=row.tahapan))
    # Plain queries joined here, not in SQL: right after a large import the planner has no
    # statistics yet for the new rows, and a join on an aggregate could then take minutes.
    sums = {usulan_id: int(amount) for usulan_id, amount in db.session.execute(
        select(AnggaranBaris.usulan_id, func.sum(AnggaranBaris.jumlah))
        .where(*of_cycle, AnggaranBaris.usulan_id.is_not(None)).group_by(AnggaranBaris.usulan_id))}
    above, vanished = [], []
    for row in db.session.execute(
            select(Usulan.id, Usulan.kode_lacak, PerangkatDaerah.kode, PerangkatDaerah.nama,
                   Usulan.sub_kegiatan_kode, Usulan.usulan_kegiatan, PLAN.label("plan"), Usulan.tahapan)
            .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
            .where(*plan_clause(siklus, cycle)).order_by(PerangkatDaerah.kode, Usulan.kode_lacak)):
        amount = sums.get(row.id, 0)
        if amount > row.plan:
            above.append(Finding("melebihi_pagu", None, row[1], row[0], row[2], row[3], row[4], row[5],
                                 amount, int(row.plan), row.tahapan))
        elif amount == 0 and report.final_at is not None:
            vanished.append(Finding("hilang", None, row[1], row[0], row[2], row[3], row[4], row[5],
                                    0, int(row.plan), row.tahapan))
    report.findings += above + vanished
    report.findings += execution_findings(siklus, cycle)
    return report


def execution_findings(siklus: Siklus, cycle) -> list[Finding]:
    """The findings on the execution of the funded items (three queries)."""
    from ..realisasi.models import Realisasi, RealisasiFoto, RealisasiTahap
    from ..realisasi.operations import local_today
    from ..realisasi.queries import deadline

    overdue = local_today() > deadline(siklus)
    funded = (*plan_clause(siklus, cycle), Usulan.status == "didanai")
    found: dict[str, list] = {kind: [] for kind in KINDS[5:]}
    completed = {}
    for row in db.session.execute(
            select(Usulan.id, Usulan.kode_lacak, PerangkatDaerah.kode, PerangkatDaerah.nama, Usulan.sub_kegiatan_kode,
                   Usulan.usulan_kegiatan, Usulan.anggaran_jumlah, Usulan.tahapan, Realisasi.id.label("record"),
                   Realisasi.status.label("state"), Realisasi.realisasi_jumlah)
            .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
            .outerjoin(Realisasi, and_(Realisasi.usulan_id == Usulan.id, Realisasi.tenant_id == Usulan.tenant_id))
            .where(*funded).order_by(PerangkatDaerah.kode, Usulan.kode_lacak)):
        base = (row[1], row[0], row[2], row[3], row[4], row[5])
        funded_amount = int(row.anggaran_jumlah or 0)
        if row.record is None:
            if overdue:
                found["tanpa_realisasi"].append(Finding("tanpa_realisasi", None, *base, 0, funded_amount, row.tahapan))
            continue
        if row.realisasi_jumlah > funded_amount:
            found["realisasi_melebihi"].append(Finding("realisasi_melebihi", None, *base, int(row.realisasi_jumlah),
                                                       funded_amount, row.tahapan))
        if row.state == "selesai":
            completed[row.id] = Finding("selesai_tanpa_foto", None, *base, int(row.realisasi_jumlah), funded_amount,
                                        row.tahapan)
    if completed:
        with_photo = set(db.session.scalars(select(RealisasiFoto.usulan_id).where(
            RealisasiFoto.tenant_id == siklus.tenant_id, RealisasiFoto.usulan_id.in_(sorted(completed))).distinct()))
        found["selesai_tanpa_foto"] = [f for uid, f in completed.items() if uid not in with_photo]
    for row in db.session.execute(
            select(Usulan.id, Usulan.kode_lacak, PerangkatDaerah.kode, PerangkatDaerah.nama, Usulan.sub_kegiatan_kode,
                   Usulan.usulan_kegiatan, Usulan.anggaran_jumlah, Usulan.tahapan, RealisasiTahap.tanggal,
                   RealisasiTahap.realisasi_jumlah)
            .join(RealisasiTahap, and_(RealisasiTahap.usulan_id == Usulan.id,
                                       RealisasiTahap.tenant_id == Usulan.tenant_id))
            .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
            .where(*funded, RealisasiTahap.tanggal > date(siklus.tahun, 12, 31),
                   or_(RealisasiTahap.alasan_terlambat.is_(None), RealisasiTahap.alasan_terlambat == ""))
            .order_by(PerangkatDaerah.kode, Usulan.kode_lacak, RealisasiTahap.tanggal)):
        found["terlambat_tanpa_alasan"].append(Finding(
            "terlambat_tanpa_alasan", None, row[1], row[0], row[2], row[3], row[4],
            f"{row[5]} ({row.tanggal.isoformat()})", int(row.realisasi_jumlah), int(row.anggaran_jumlah or 0),
            row.tahapan))
    return [finding for kind in KINDS[5:] for finding in found[kind]]


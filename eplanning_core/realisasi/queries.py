"""Reading the execution: the planned items of a cycle with their funding and execution, per
agency and per kecamatan (planned vs funded vs realised), late items, one item's milestones.

A fixed number of queries whatever the number of items: one for the items with their
records, one for the names.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from ..accounts.models import PerangkatDaerah
from ..budgeting.export import plan_clause
from ..extensions import db
from ..tenancy.context import tenant_config
from ..usulan.models import Usulan
from .models import Realisasi, RealisasiFoto, RealisasiTahap
from .operations import local_today

PLAN = func.coalesce(Usulan.pagu, Usulan.total)


def deadline(siklus) -> date:
    """The date by which every funded item of the cycle has its execution record (the
    region's ``[realisasi] record_deadline``, a month-day of the budget year)."""
    month, day = (int(part) for part in tenant_config().record_deadline.split("-"))
    return date(siklus.tahun, month, min(day, calendar.monthrange(siklus.tahun, month)[1]))


@dataclass
class Item:
    usulan_id: int
    kode_lacak: str
    kegiatan: str
    perangkat_daerah_id: int | None
    lokasi_kode: str | None
    plan: int
    funded: int | None             # the APBD amount, when funded
    status: str | None = None      # the execution's state; None: no record yet
    progres: int = 0
    realised: int = 0
    terakhir: date | None = None
    kontrak_akhir: date | None = None
    late: bool = False

    @property
    def has_record(self) -> bool:
        return self.status is not None


@dataclass
class Progress:
    """Planned vs funded vs realised for a group of items (an agency, a kecamatan, the region)."""

    key: object = None
    name: str = ""
    planned_items: int = 0
    planned: int = 0
    funded_items: int = 0
    funded: int = 0
    realised: int = 0
    weighted: int = 0              # sum of progress x funded amount
    completed: int = 0
    failed: int = 0
    without_record: int = 0
    late: int = 0
    items: list = field(default_factory=list, repr=False)

    def add(self, item: Item) -> None:
        self.planned_items += 1
        self.planned += item.plan
        if item.funded is not None:
            self.funded_items += 1
            self.funded += item.funded
            self.realised += item.realised
            self.weighted += item.progres * item.funded
            self.completed += item.status == "selesai"
            self.failed += item.status == "gagal"
            self.without_record += not item.has_record
            self.late += item.late

    @property
    def physical(self) -> int:
        """Physical progress weighted by the funded amounts, in percent."""
        return round(self.weighted / self.funded) if self.funded else 0

    @property
    def financial(self) -> int:
        return round(self.realised * 100 / self.funded) if self.funded else 0


def items(siklus, cycle, agency_id: int | None = None, today: date | None = None) -> list[Item]:
    """The planned items of the cycle's RKPD with their funding and execution (one query)."""
    return items_with(siklus, cycle, agency_id, today)[0]


def items_with(siklus, cycle, agency_id: int | None = None, today: date | None = None,
               extra: tuple = ()) -> tuple[list[Item], tuple | None]:
    """:func:`items`, plus ``extra`` uncorrelated scalar subqueries read in the same statement
    (the Command Center's budget totals): their values, or None when there is no item."""
    today = today or local_today()
    due = deadline(siklus)
    query = (select(Usulan.id, Usulan.kode_lacak, Usulan.usulan_kegiatan, Usulan.perangkat_daerah_id,
                    Usulan.lokasi_kode, PLAN.label("plan"), Usulan.anggaran_jumlah, Usulan.status,
                    Realisasi.status.label("r_status"), Realisasi.progres, Realisasi.realisasi_jumlah,
                    Realisasi.terakhir_tanggal, Realisasi.kontrak_akhir, *extra)
             .outerjoin(Realisasi, (Realisasi.usulan_id == Usulan.id) & (Realisasi.tenant_id == Usulan.tenant_id))
             .where(*plan_clause(siklus, cycle)).order_by(Usulan.kode_lacak))
    if agency_id is not None:
        query = query.where(Usulan.perangkat_daerah_id == agency_id)
    out, extras = [], None
    for row in db.session.execute(query):
        if extras is None and extra:
            extras = tuple(row[len(row) - len(extra):])
        funded = int(row.anggaran_jumlah) if row.status == "didanai" and row.anggaran_jumlah is not None else None
        item = Item(row.id, row.kode_lacak, row.usulan_kegiatan, row.perangkat_daerah_id, row.lokasi_kode,
                    int(row.plan), funded, row.r_status, row.progres or 0, int(row.realisasi_jumlah or 0),
                    row.terakhir_tanggal, row.kontrak_akhir)
        if funded is not None:
            item.late = (item.status is None and today > due) or (
                item.status == "berjalan" and item.kontrak_akhir is not None and today > item.kontrak_akhir)
        out.append(item)
    return out, extras


def agency_names(tenant_id: int) -> dict[int, tuple[str, str]]:
    return {row.id: (row.kode, row.nama) for row in db.session.execute(
        select(PerangkatDaerah.id, PerangkatDaerah.kode, PerangkatDaerah.nama)
        .where(PerangkatDaerah.tenant_id == tenant_id))}


def by_agency(rows: list[Item], names: dict) -> tuple[list[Progress], Progress]:
    groups: dict = {}
    total = Progress(name="")
    for item in rows:
        group = groups.get(item.perangkat_daerah_id)
        if group is None:
            code, name = names.get(item.perangkat_daerah_id, ("", ""))
            group = groups[item.perangkat_daerah_id] = Progress(item.perangkat_daerah_id, name)
        group.add(item)
        total.add(item)
    return sorted(groups.values(), key=lambda g: (-g.funded, g.name)), total


def by_kecamatan(rows: list[Item], kecamatan: dict[str, str], kec_len: int) -> list[Progress]:
    """``kecamatan``: code -> name; items without a location fall under ''."""
    groups: dict = {}
    for item in rows:
        code = (item.lokasi_kode or "")[:kec_len]
        group = groups.get(code)
        if group is None:
            group = groups[code] = Progress(code, kecamatan.get(code, ""))
        group.add(item)
    return sorted(groups.values(), key=lambda g: (-g.funded, g.name))


def record_of(usulan) -> Realisasi | None:
    return db.session.scalar(select(Realisasi).where(Realisasi.tenant_id == usulan.tenant_id,
                                                     Realisasi.usulan_id == usulan.id))


def milestones(usulan) -> list[tuple[RealisasiTahap, list[RealisasiFoto]]]:
    """The item's milestones, newest first, each with its photos (two queries)."""
    steps = db.session.scalars(select(RealisasiTahap).where(
        RealisasiTahap.tenant_id == usulan.tenant_id, RealisasiTahap.usulan_id == usulan.id)
        .order_by(RealisasiTahap.tanggal.desc())).all()
    photos: dict[int, list] = {}
    if steps:
        for photo in db.session.scalars(select(RealisasiFoto).where(
                RealisasiFoto.tenant_id == usulan.tenant_id, RealisasiFoto.usulan_id == usulan.id)
                .order_by(RealisasiFoto.id)):
            photos.setdefault(photo.tahap_id, []).append(photo)
    return [(step, photos.get(step.id, [])) for step in steps]


def overview(siklus, rows: list[Item], units, agencies, kec_len: int, today: date | None = None,
             late_limit: int = 15) -> dict:
    """The Command Center's planned vs funded vs realised: the region, per agency and per
    kecamatan, and the late items (latest first by their funded amount). ``rows`` may be
    cached: lateness is worked out again against ``today``.

    ``units``: (kode, nama, tingkat) rows; ``agencies``: (id, kode, nama, ...) rows."""
    today = today or local_today()
    due = deadline(siklus)
    for item in rows:
        item.late = item.funded is not None and (
            (item.status is None and today > due)
            or (item.status == "berjalan" and item.kontrak_akhir is not None and today > item.kontrak_akhir))
    names = {row[0]: (row[1], row[2]) for row in agencies}
    agency_rows, total = by_agency(rows, names)
    kecamatan = {row[0]: row[1] for row in units if row[2] == 1}
    late = sorted((item for item in rows if item.late), key=lambda i: -(i.funded or 0))
    return {"total": total, "agencies": agency_rows, "kecamatan": by_kecamatan(rows, kecamatan, kec_len),
            "late": late[:late_limit], "late_total": len(late), "agency_names": names, "deadline": due}

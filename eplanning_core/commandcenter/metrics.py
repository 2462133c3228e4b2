"""The Command Center's numbers for one cycle, from a fixed handful of grouped queries.

Whatever the number of proposals, the page runs the same queries: per stage and status,
per kecamatan (a prefix of lokasi_kode), per agency, the sends (Pengiriman), the units and
agencies, Pokir entry times, budget lines and map cells. Everything else is arithmetic here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import case, func, literal, select

from .. import workflow
from ..accounts.models import PerangkatDaerah
from ..budgeting.models import AnggaranBaris
from ..extensions import db
from ..portal.stats import MUSRENBANG_SOURCES, Summary, rkpd_stage_keys
from ..usulan.engine_adapter import now_utc
from ..tenancy.context import tenant_config
from ..usulan.models import Pengiriman, Usulan
from ..wilayah.models import Wilayah
from ..workflow.windows import effective_close, localize

#: Where a proposal of each source enters the cycle (the first stage at that level).
SOURCE_LEVEL = {"lingkungan": 3, "kelurahan": 2, "kecamatan": 1, "pokir": "dprd", "pd": "pd",
                "bappeda": "bappeda"}
COORDINATE_DECIMALS = 3
#: More map cells than this are merged into coarser ones (about 1 km, then 10 km): the page
#: stays light whatever the number of proposals.
MAX_MAP_CELLS = 1000
MAX_LATE_LISTED = 200


def _amount():
    return func.coalesce(Usulan.pagu, Usulan.total)


@dataclass
class HolderProgress:
    sent: int = 0
    expected: int = 0
    late: int = 0


@dataclass
class Dashboard:
    siklus: object
    cycle: workflow.Cycle
    now_local: datetime
    summary: Summary
    funnel: list = field(default_factory=list)              # (stage, reached count)
    schedule: list = field(default_factory=list)            # dicts per stage
    kecamatan: list = field(default_factory=list)           # dicts per kecamatan
    agencies: list = field(default_factory=list)            # dicts per agency
    unit_stages: list = field(default_factory=list)
    agency_stages: list = field(default_factory=list)
    ceiling_stages: list = field(default_factory=list)      # (stage, [(name, used, limit)])
    late: list = field(default_factory=list)                # (stage name, holder name, closes)
    late_total: int = 0
    share: dict = field(default_factory=dict)
    kpk: dict = field(default_factory=dict)
    points: list = field(default_factory=list)
    bbox: tuple | None = None
    execution: dict = field(default_factory=dict)           # realisasi/queries.overview


def _closed_for(stage, cycle, holder, now_utc_aware) -> bool:
    close = effective_close(stage, cycle.extensions, holder)
    return now_utc_aware >= localize(close, cycle.timezone)


def _chain(cycle: workflow.Cycle, key: str) -> list[str]:
    keys, stage = [], cycle.stage(key)
    while stage is not None and stage.key not in keys:
        keys.append(stage.key)
        stage = cycle.next_stage(stage.key)
    return keys


def _entry_stage(cycle: workflow.Cycle, source: str) -> str | None:
    level = SOURCE_LEVEL.get(source)
    return next((s.key for s in cycle.stages if s.level.key == level), None)


def _funnel(cycle, per_stage_source) -> list:
    """Stage by stage, how many proposals reached it: their path from where they entered."""
    reached = {s.key: 0 for s in cycle.stages}
    for (stage_key, source), count in per_stage_source.items():
        entry = _entry_stage(cycle, source)
        path = _chain(cycle, entry) if entry else []
        passed = path[: path.index(stage_key) + 1] if stage_key in path else [stage_key]
        for key in passed:
            if key in reached:
                reached[key] += count
    return [(s, reached[s.key]) for s in cycle.stages]


@dataclass(frozen=True)
class Reads:
    """The results of the page's grouped queries: all that :func:`build` needs from the database."""

    per_stage: list
    units: list
    agencies: list
    sent: list
    per_kec: list
    per_pd: list
    cells: list
    pokir: tuple | None
    budget_lines: list
    execution: tuple = ()      # the plan's items with their funding and execution (realisasi/)


def build(siklus, cycle: workflow.Cycle, now: datetime | None = None, head=None) -> Dashboard:
    """The dashboard at ``now`` (default: the current time): the grouped reads (cached until
    the region's history ``head`` moves on, see cache.py) turned into numbers against the clock."""
    from . import cache

    reads = cache.reads(siklus, lambda: read(siklus, cycle), head)
    config = tenant_config()
    now = now or now_utc()
    rkpd_keys = rkpd_stage_keys(cycle)

    # 1. per stage, status, source: funnel, summary, Pokir share, KPK indicators
    summary = Summary()
    per_stage_source: dict = {}
    share = {scope: {group: [0, 0] for group in ("musrenbang", "pokir", "other")}
             for scope in ("all", "rkpd")}
    rkpd_total = rkpd_outcome = 0
    for stage_key, status, locked, source, count, total, pagu, funded, amount in reads.per_stage:
        summary.add(stage_key, status, locked, count, total, pagu, funded, rkpd_keys)
        per_stage_source[(stage_key, source)] = per_stage_source.get((stage_key, source), 0) + count
        group = "pokir" if source == "pokir" else "musrenbang" if source in MUSRENBANG_SOURCES else "other"
        scopes = ("all", "rkpd") if stage_key in rkpd_keys else ("all",)
        for scope in scopes:
            share[scope][group][0] += count
            share[scope][group][1] += int(amount or 0)
        if stage_key in rkpd_keys:
            rkpd_total += count
            if status in ("didanai", "tidak_didanai"):
                rkpd_outcome += count

    dash = Dashboard(siklus, cycle, now.astimezone(cycle.timezone), summary,
                     funnel=_funnel(cycle, per_stage_source), share=share)
    dash.unit_stages = [s for s in cycle.stages if s.level.is_unit and s.spec.sends]
    dash.agency_stages = [s for s in cycle.stages if s.level.is_agency and s.spec.sends]

    sent: dict[str, dict[str, int]] = {}
    for stage_key, holder, total in reads.sent:
        sent.setdefault(stage_key, {})[holder] = int(total or 0)
    kec_len = len(config.code) + 3
    _units_progress(dash, reads.units, sent, reads.per_kec, now, kec_len)
    _agencies_progress(dash, reads.agencies, sent, reads.per_pd, now)
    _schedule(dash, reads.units, sent, now)
    dash.kpk = _kpk(cycle, reads, share, rkpd_total, rkpd_outcome)

    dash.points, dash.bbox = _map_of(reads.cells)
    from ..realisasi.queries import overview  # planned vs funded vs realised, late items

    dash.execution = overview(siklus, list(reads.execution), reads.units, reads.agencies, kec_len)
    return dash


def map_only(siklus, cycle: workflow.Cycle) -> tuple[list, tuple | None]:
    """The map's points and box alone, for the interactive map's own request: the same
    cached reads as the page, none of the page's arithmetic."""
    from . import cache

    return _map_of(cache.reads(siklus, lambda: read(siklus, cycle)).cells)


def _map_of(cells) -> tuple[list, tuple | None]:
    """Points (lat, lng, status, count), merged when too many, and their padded box."""
    points = coarsen([(float(a), float(b), status, int(n)) for a, b, status, n in cells])
    if not points:
        return points, None
    lats = [p[0] for p in points]
    lngs = [p[1] for p in points]
    pad_lat = max((max(lats) - min(lats)) * 0.05, 0.005)
    pad_lng = max((max(lngs) - min(lngs)) * 0.05, 0.005)
    return points, (min(lats) - pad_lat, min(lngs) - pad_lng, max(lats) + pad_lat, max(lngs) + pad_lng)


def read(siklus, cycle: workflow.Cycle) -> Reads:
    """The grouped queries, whatever the number of proposals: the same handful every time."""
    config = tenant_config()
    tid, sid = siklus.tenant_id, siklus.id
    base = (Usulan.tenant_id == tid, Usulan.siklus_id == sid)
    # Pokir entered inside the entry window (the rest came after it, under an extension):
    # counted in the same grouped query, per source.
    pokir_stage = next((s for s in cycle.stages if s.kind == "pokir"), None)
    early = literal(0)
    if pokir_stage is not None:
        deadline = localize(pokir_stage.entry_closes or pokir_stage.closes, cycle.timezone)
        cutoff = deadline.astimezone(timezone.utc).replace(tzinfo=None)
        early = case((Usulan.created_at < cutoff, 1), else_=0)
    grouped = db.session.execute(
        select(Usulan.tahapan, Usulan.status, Usulan.terkunci, Usulan.sumber, func.count(),
               func.sum(Usulan.total), func.sum(Usulan.pagu), func.sum(Usulan.anggaran_jumlah),
               func.sum(_amount()), func.sum(early))
        .where(*base)
        .group_by(Usulan.tahapan, Usulan.status, Usulan.terkunci, Usulan.sumber)).all()
    per_stage = [tuple(row[:9]) for row in grouped]
    pokir = None
    if pokir_stage is not None:
        pokir_rows = [row for row in grouped if row[3] == "pokir"]
        pokir = (sum(int(row[9] or 0) for row in pokir_rows), sum(row[4] for row in pokir_rows))
    units = db.session.execute(select(Wilayah.kode, Wilayah.nama, Wilayah.tingkat)
                               .where(Wilayah.tenant_id == tid).order_by(Wilayah.kode)).all()
    agencies = db.session.execute(select(PerangkatDaerah.id, PerangkatDaerah.kode, PerangkatDaerah.nama,
                                         PerangkatDaerah.aktif)
                                  .where(PerangkatDaerah.tenant_id == tid)
                                  .order_by(PerangkatDaerah.nama)).all()
    sent = db.session.execute(select(Pengiriman.tahapan, Pengiriman.holder, Pengiriman.total)
                              .where(Pengiriman.tenant_id == tid, Pengiriman.siklus_id == sid)).all()
    kec_code = func.substr(Usulan.lokasi_kode, 1, len(config.code) + 3)
    per_kec = db.session.execute(
        select(kec_code, Usulan.tahapan, Usulan.status, Usulan.terkunci, Usulan.tertutup, func.count(),
               func.sum(_amount()))
        .where(*base, Usulan.lokasi_kode.is_not(None))
        .group_by(kec_code, Usulan.tahapan, Usulan.status, Usulan.terkunci, Usulan.tertutup)).all()
    per_pd = db.session.execute(
        select(Usulan.perangkat_daerah_id, Usulan.tahapan, Usulan.status, Usulan.terkunci,
               Usulan.tertutup, func.count(), func.sum(_amount()))
        .where(*base, Usulan.perangkat_daerah_id.is_not(None))
        .group_by(Usulan.perangkat_daerah_id, Usulan.tahapan, Usulan.status, Usulan.terkunci,
                  Usulan.tertutup)).all()
    # map cells: proposals with coordinates, rounded to about 100 m
    lat = func.round(Usulan.lat, COORDINATE_DECIMALS)
    lng = func.round(Usulan.lng, COORDINATE_DECIMALS)
    cells = db.session.execute(
        select(lat, lng, Usulan.status, func.count())
        .where(*base, Usulan.lat.is_not(None), Usulan.lng.is_not(None))
        .group_by(lat, lng, Usulan.status)).all()
    # Items are funded and executed only once the RKPD is set (then e-Budgeting answers): their
    # execution (realisasi/) is read with the budget totals in one statement, within the budget.
    execution, budget_lines = (), None
    if siklus.status == "rkpd_ditetapkan":
        from ..realisasi.queries import items_with

        of_lines = (AnggaranBaris.tenant_id == tid, AnggaranBaris.siklus_id == sid)
        totals = [select(aggregate).where(*of_lines, AnggaranBaris.usulan_id.is_(None) if unplanned
                                          else AnggaranBaris.usulan_id.is_not(None)).scalar_subquery()
                  for unplanned in (True, False)
                  for aggregate in (func.count(), func.coalesce(func.sum(AnggaranBaris.jumlah), 0))]
        rows, extras = items_with(siklus, cycle, extra=tuple(totals))
        execution = tuple(rows)
        if extras is not None:
            budget_lines = [(True, extras[0], extras[1]), (False, extras[2], extras[3])]
    if budget_lines is None:
        budget_lines = db.session.execute(
            select(AnggaranBaris.usulan_id.is_(None), func.count(), func.sum(AnggaranBaris.jumlah))
            .where(AnggaranBaris.tenant_id == tid, AnggaranBaris.siklus_id == sid)
            .group_by(AnggaranBaris.usulan_id.is_(None))).all()
    return Reads(per_stage, units, agencies, sent, per_kec, per_pd, cells, pokir, budget_lines, execution)


def coarsen(points: list, decimals: int = COORDINATE_DECIMALS - 1, limit: int = MAX_MAP_CELLS) -> list:
    """Merge cells to ``decimals`` until at most ``limit`` remain."""
    while len(points) > limit and decimals >= 0:
        merged: dict = {}
        for lat, lng, status, count in points:
            key = (round(lat, decimals), round(lng, decimals), status)
            merged[key] = merged.get(key, 0) + count
        points = [(*key, count) for key, count in merged.items()]
        decimals -= 1
    return points


def _units_progress(dash, units, sent, per_kec, now, kec_len) -> None:
    cycle = dash.cycle
    config = tenant_config()
    kecamatan = {kode: {"kode": kode, "nama": nama, "summary": Summary(), "stages": {},
                        "ceilings": {}} for kode, nama, level in units if level == 1}
    by_level: dict[int, list] = {}
    names = {kode: config.unit_label(level, nama) for kode, nama, level in units}
    for kode, _nama, level in units:
        by_level.setdefault(level, []).append(kode)
    for kec_code, stage_key, status, locked, closed, count, amount in per_kec:
        row = kecamatan.get(kec_code)
        if row is None:
            continue
        row["summary"].add(stage_key, status, locked, count, 0, 0, 0, ())
        stage = cycle.stage(stage_key)
        if stage is not None and stage.level.depth == 1 and status in stage.spec.forwards and not closed:
            row["ceilings"][stage_key] = row["ceilings"].get(stage_key, 0) + int(amount or 0)
    for stage in dash.unit_stages:
        holders_sent = sent.get(stage.key, {})
        for code in by_level.get(stage.level.depth, []):
            row = kecamatan.get(code[:kec_len])
            if row is None:
                continue
            progress = row["stages"].setdefault(stage.key, HolderProgress())
            progress.expected += 1
            if code in holders_sent:
                progress.sent += 1
            elif _closed_for(stage, cycle, code, now):
                progress.late += 1
                dash.late_total += 1
                if len(dash.late) < MAX_LATE_LISTED:
                    dash.late.append((stage.name, names.get(code, code),
                                      effective_close(stage, cycle.extensions, code)))
    dash.kecamatan = list(kecamatan.values())
    for stage in cycle.stages:
        if stage.level.depth != 1 or stage.ceiling is None:
            continue
        bars = []
        for row in dash.kecamatan:
            used = sent.get(stage.key, {}).get(row["kode"])
            if used is None:
                used = row["ceilings"].get(stage.key, 0)
            bars.append((row["nama"], used, stage.ceiling.for_holder(row["kode"])))
        dash.ceiling_stages.append((stage, bars))


def _agencies_progress(dash, agencies, sent, per_pd, now) -> None:
    cycle = dash.cycle
    rows = {pid: {"id": pid, "kode": kode, "nama": nama, "aktif": aktif, "summary": Summary(),
                  "held": {}, "stages": {}, "used": {}} for pid, kode, nama, aktif in agencies}
    rkpd_keys = rkpd_stage_keys(cycle)
    for pid, stage_key, status, locked, closed, count, amount in per_pd:
        row = rows.get(pid)
        if row is None:
            continue
        row["summary"].add(stage_key, status, locked, count, 0, 0, 0, rkpd_keys)
        if not closed:
            row["held"][stage_key] = row["held"].get(stage_key, 0) + count
        stage = cycle.stage(stage_key)
        if stage is not None and status in stage.spec.forwards and not closed:
            row["used"][stage_key] = row["used"].get(stage_key, 0) + int(amount or 0)
    for stage in dash.agency_stages:
        holders_sent = sent.get(stage.key, {})
        for row in rows.values():
            holder = str(row["id"])
            if holder in holders_sent:
                row["stages"][stage.key] = "sent"
            elif row["held"].get(stage.key):
                late = _closed_for(stage, cycle, row["id"], now)
                row["stages"][stage.key] = "late" if late else "waiting"
                if late:
                    dash.late_total += 1
                    if len(dash.late) < MAX_LATE_LISTED:
                        dash.late.append((stage.name, row["nama"],
                                          effective_close(stage, cycle.extensions, row["id"])))
    dash.agencies = [r for r in rows.values() if r["aktif"] or r["summary"].proposed]
    for stage in cycle.stages:
        if not stage.level.is_agency or stage.ceiling is None:
            continue
        bars = []
        for row in dash.agencies:
            used = sent.get(stage.key, {}).get(str(row["id"]))
            if used is None:
                used = row["used"].get(stage.key, 0)
            limit = stage.ceiling.for_holder(row["id"])
            if used or limit is not None:
                bars.append((row["nama"], used, limit))
        dash.ceiling_stages.append((stage, bars))


def _schedule(dash, units, sent, now) -> None:
    """Each stage's window and where it stands now, with its sends."""
    cycle = dash.cycle
    per_level: dict = {}
    for _kode, _nama, level in units:
        per_level[level] = per_level.get(level, 0) + 1
    for stage in cycle.stages:
        opens, closes = localize(stage.opens, cycle.timezone), localize(stage.closes, cycle.timezone)
        state = "upcoming" if now < opens else "open" if now < closes else "closed"
        expected = per_level.get(stage.level.depth) if stage.level.is_unit else None
        dash.schedule.append({"stage": stage, "state": state, "sent": len(sent.get(stage.key, {})),
                              "expected": expected, "extended": any(
                                  e.stage_key == stage.key for e in cycle.extensions)})


def _kpk(cycle, reads: Reads, share, rkpd_total, rkpd_outcome) -> dict:
    pokir = next((s for s in cycle.stages if s.kind == "pokir"), None)
    inside = after = None
    if reads.pokir is not None:
        early, count = reads.pokir
        inside = int(early or 0)
        after = count - inside
    lines = {bool(k): (int(n), int(s or 0)) for k, n, s in reads.budget_lines}
    unplanned = lines.get(True, (0, 0))
    return {
        "rkpd_items": rkpd_total,
        "rkpd_musrenbang": share["rkpd"]["musrenbang"][0],
        "pokir_stage": pokir, "pokir_inside": inside, "pokir_after": after,
        "rkpd_outcome": rkpd_outcome,
        "budget_lines": unplanned[0] + lines.get(False, (0, 0))[0],
        "budget_unplanned": unplanned[0], "budget_unplanned_amount": unplanned[1],
    }


def percent(part, whole) -> str:
    return "—" if not whole else f"{100 * part / whole:.0f}%"


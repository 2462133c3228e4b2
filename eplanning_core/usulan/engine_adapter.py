"""Between the plain-Python workflow engine and the database: actors, states and cycles.

The engine knows nothing of rows; this module turns a User into an Actor, an Usulan row
into a ProposalState, and a Siklus with its schedule, ceilings and extensions into the
engine's Cycle. :data:`COLUMN_OF` is the one mapping of engine fields to columns: rows are
read through it here and a Transition's changes are written through it by
:mod:`.transitions`, the only writer of those columns.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timezone
from operator import attrgetter
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .. import workflow
from ..accounts.models import Role, User
from ..accounts.scope import dapil_kecamatan_codes
from ..extensions import db
from ..siklus.models import Pagu, Perpanjangan, Siklus, Tahapan
from ..tenancy.context import tenant_config
from ..tenancy.stages import stage_config_for_year
from ..wilayah.models import Wilayah
from .models import Usulan

#: ProposalState field -> Usulan column.
COLUMN_OF = {
    "stage_key": "tahapan", "status": "status", "unit_code": "lokasi_kode",
    "agency_id": "perangkat_daerah_id", "owner_id": "dprd_user_id", "source": "sumber",
    "total": "total", "surveyed": "survei_selesai", "locked": "terkunci", "closed": "tertutup",
    "priority": "prioritas", "score": "skor", "sub_kegiatan": "sub_kegiatan_kode", "pagu": "pagu",
    "target": "target", "funded_amount": "anggaran_jumlah",
}
#: The columns to load when only the engine's view of many proposals is needed, with the
#: version a write of them compares against (:mod:`.transitions`).
STATE_COLUMNS = [Usulan.id] + [getattr(Usulan, c) for c in COLUMN_OF.values()] + [Usulan.version]


def now_utc() -> datetime:
    """The app's clock (``app.extensions["eplanning.clock"]``; tests set a fixed one)."""
    from flask import current_app

    clock = current_app.extensions.get("eplanning.clock")
    return clock() if clock else datetime.now(timezone.utc)


def actor_for(user: User) -> workflow.Actor:
    if user.role == Role.OPERATOR.value:
        return workflow.Actor(user.id, "operator", unit_code=user.wilayah.kode)
    if user.role == Role.OPERATOR_PD.value:
        return workflow.Actor(user.id, "operator_pd", agency_id=user.perangkat_daerah_id)
    if user.role == Role.DPRD.value:
        return workflow.Actor(user.id, "dprd", dapil=dapil_kecamatan_codes(user))
    return workflow.Actor(user.id, user.role)


_READ = attrgetter("id", *COLUMN_OF.values())
# COLUMN_OF lists ProposalState's fields in their order, so a row is read as one tuple.
if [f.name for f in fields(workflow.ProposalState)] != ["id", *COLUMN_OF]:
    raise RuntimeError("COLUMN_OF must list ProposalState's fields in their order")


def state_of(row) -> workflow.ProposalState:
    """The engine's view of an Usulan row (or of a row of STATE_COLUMNS).

    Bulk operations build 20,000 of these: positional arguments from one attrgetter.
    """
    id_, stage, status, unit, agency, owner, source, *rest = _READ(row)
    return workflow.ProposalState(id_, stage, status, unit, agency, owner, source or "", *rest)


# ---- the Cycle of a Siklus ----------------------------------------------------------------

def _holder_key(pagu: Pagu, codes: dict[int, str]) -> str:
    return codes[pagu.wilayah_id] if pagu.wilayah_id else str(pagu.perangkat_daerah_id)


def _with_limits(stage: dict, rows: list[Pagu], codes: dict[int, str]) -> dict:
    """Per-unit/agency ceilings and quotas from the Pagu table override the region's defaults."""
    if not rows:
        return stage
    stage = dict(stage)
    for limit, column in (("ceiling", "jumlah"), ("quota", "kuota")):
        overrides = {_holder_key(r, codes): getattr(r, column) for r in rows
                     if getattr(r, column) is not None}
        if not overrides:
            continue
        current = stage.get(limit)
        if isinstance(current, dict):
            merged = dict(current.get("overrides", {}))
            merged.update(overrides)
            stage[limit] = {"default": current.get("default"), "overrides": merged}
        else:
            stage[limit] = {"default": current, "overrides": overrides}
    return stage


def build_cycle(siklus: Siklus) -> workflow.Cycle:
    """The engine's Cycle for a stored Siklus: 3 queries (stages, ceilings, extensions)."""
    config = tenant_config()
    tahapan = {t.kunci: t for t in db.session.scalars(
        select(Tahapan).where(Tahapan.siklus_id == siklus.id))}
    pagu_rows = db.session.scalars(select(Pagu).where(Pagu.siklus_id == siklus.id)).all()
    unit_ids = {p.wilayah_id for p in pagu_rows if p.wilayah_id}
    codes = dict(db.session.execute(select(Wilayah.id, Wilayah.kode).where(
        Wilayah.id.in_(unit_ids))).all()) if unit_ids else {}
    stages = []
    for stage in stage_config_for_year(
            list(config.stages) if config.stages is not None else None, siklus.tahun):
        row = tahapan.get(stage["key"])
        if row is None:  # a stage added to tenant.toml after the cycle opened
            continue
        stage = dict(stage, name=row.nama, opens=row.dibuka, closes=row.ditutup)
        if row.pemasukan_ditutup is not None:
            stage["entry_closes"] = row.pemasukan_ditutup
        else:
            stage.pop("entry_closes", None)
        stage = _with_limits(stage, [p for p in pagu_rows if p.tahapan_kunci == stage["key"]], codes)
        stages.append(stage)
    _drop_dangling_next(stages)
    extensions = []
    by_id = {t.id: t.kunci for t in tahapan.values()}
    for ext in db.session.scalars(select(Perpanjangan).where(
            Perpanjangan.tahapan_id.in_(list(by_id)))):
        holder = ext.holder
        extensions.append(workflow.Extension(
            by_id[ext.tahapan_id], ext.ditutup_baru, ext.alasan,
            holder=_holder_value(holder), entry=ext.pemasukan, granted_by=ext.user_id))
    cycle = workflow.cycle_from_config(siklus.tahun, stages, config.timezone, extensions)
    # the RKPD is set: its decisions are locked (no reopen); the penetapan bumps the version
    return replace(cycle, fixed=True) if siklus.status == "rkpd_ditetapkan" else cycle


def _holder_value(holder: str | None):
    """Holders are unit codes (text) or agency/member ids (int), as the engine compares them."""
    if holder is None:
        return None
    return int(holder) if holder.isdecimal() else holder


def _drop_dangling_next(stages: list[dict]) -> None:
    keys = {s["key"] for s in stages}
    for stage in stages:
        if stage.get("next") and stage["next"] not in keys:
            stage.pop("next")


#: Engine cycles kept per process; a stale key is never asked for again, so the oldest go.
MAX_CACHED_CYCLES = 256


def cycle_for(siklus: Siklus) -> workflow.Cycle:
    """Built once per process and Siklus version: pages skip the 3 queries of build_cycle.

    Every change of a stage window, an extension or a ceiling bumps the Siklus version
    (:mod:`.operations`), and a Cycle is immutable, so a cached one is never out of date.
    """
    cache = current_app.extensions.setdefault("eplanning.cycles", {})
    key = (tenant_config().slug, siklus.id, siklus.version, siklus.tahun)
    cycle = cache.get(key)
    if cycle is None:
        cycle = build_cycle(siklus)
        if len(cache) >= MAX_CACHED_CYCLES:
            cache.pop(next(iter(cache)))
        cache[key] = cycle
    return cycle


def local_now(config=None) -> datetime:
    config = config or tenant_config()
    return now_utc().astimezone(ZoneInfo(config.timezone))

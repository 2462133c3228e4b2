"""Work waiting in the demo for the bulk-decision browser tests (tests/e2e/test_bulk_tasks.py):
topped up to an exact number with rows inserted like :func:`support.rows.add_rows`, so each
test knows how many proposals its list holds whatever the demo story left there."""

from __future__ import annotations

from sqlalchemy import func, insert, or_, select

from eplanning_core.accounts.models import User
from eplanning_core.extensions import db
from eplanning_core.siklus.models import Siklus
from eplanning_core.usulan.desk import task_clause
from eplanning_core.usulan.engine_adapter import cycle_for
from eplanning_core.usulan.models import Usulan
from eplanning_core.wilayah.models import Wilayah


def _running_cycle(tenant_id: int) -> Siklus:
    return db.session.scalar(select(Siklus).where(Siklus.tenant_id == tenant_id, Siklus.status == "berjalan")
                             .order_by(Siklus.tahun.desc()))


def top_up(username: str, stage_key: str, task: str, want: int, *, start: int, **values) -> dict:
    """Make exactly ``want`` proposals wait for ``task`` at ``stage_key`` in the list of
    ``username`` (a unit operator, or Setwan for Pokir), adding rows in its unit (for Pokir:
    of the demo's DPRD member). Returns the cycle, the unit and the count of rows added."""
    user = db.session.scalar(select(User).where(User.username == username))
    siklus = _running_cycle(user.tenant_id)
    cycle = cycle_for(siklus)
    stage = cycle.stage(stage_key)
    query = select(func.count()).select_from(Usulan).where(
        Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, task_clause(cycle, stage, task))
    unit = user.wilayah
    if unit is not None:
        query = query.where(or_unit(unit.kode))
    waiting = db.session.scalar(query)
    missing = want - waiting
    if missing < 0:
        raise AssertionError(f"{waiting} proposals already wait for {task!r} at {stage_key}; the test wants {want}")
    place = unit
    if place is None or place.tingkat < 3:
        place = db.session.scalar(select(Wilayah).where(
            Wilayah.tenant_id == siklus.tenant_id, Wilayah.tingkat == 3,
            *([Wilayah.kode.startswith(unit.kode + ".")] if unit is not None else [])).order_by(Wilayah.kode))
    rows = [{"tenant_id": siklus.tenant_id, "siklus_id": siklus.id, "kode_lacak": f"MDN-{siklus.tahun}-{start + n:06d}",
             "sumber": "lingkungan", "bidang": "fisik_prasarana", "permasalahan": "Saluran tersumbat",
             "usulan_kegiatan": f"Normalisasi saluran gang {n + 1}", "volume": 10, "satuan": "m",
             "harga_satuan": 1_500_000, "total": 15_000_000, "lokasi_wilayah_id": place.id,
             "lokasi_kode": place.kode, "tahapan": stage_key, "status": "belum_dibahas", **values}
            for n in range(missing)]
    if rows:
        db.session.execute(insert(Usulan), rows)
    db.session.commit()
    return {"siklus": siklus, "unit": unit, "added": missing}


def or_unit(code: str):
    """The proposals located in a unit or below it."""
    return or_(Usulan.lokasi_kode == code, Usulan.lokasi_kode.startswith(code + ".", autoescape=True))


def dprd_member() -> User:
    return db.session.scalar(select(User).where(User.username == "dprd"))

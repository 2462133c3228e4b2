"""Bappeda's cycle operations: open a cycle, move a stage window, extend it, set ceilings.

Each is one transaction with its history entry, and bumps the Siklus version so that any
cached engine Cycle of it is rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import workflow
from ..audit.operations import record
from ..conflicts import claim_version
from ..extensions import db
from ..tenancy.context import tenant_config
from ..tenancy.stages import stage_config_for_year
from ..usulan.engine_adapter import actor_for, cycle_for, now_utc
from .models import Pagu, Perpanjangan, Siklus, Tahapan


@dataclass
class Result:
    ok: bool
    obj: object = None
    refusal: workflow.Refusal | None = None
    errors: dict[str, str] = field(default_factory=dict)


def open_cycle(tenant_id: int, actor, tahun: int) -> Result:
    """Create the cycle "RKPD <tahun>" with the region's stages and their default dates."""
    if not 2000 <= tahun <= 2100:
        return Result(False, errors={"tahun": "out_of_range"})
    if db.session.scalar(select(Siklus.id).where(Siklus.tenant_id == tenant_id, Siklus.tahun == tahun)):
        return Result(False, errors={"tahun": "exists"})
    config = tenant_config()
    raw = list(config.stages) if config.stages is not None else None
    stages = workflow.stages_from_config(stage_config_for_year(raw, tahun), config.timezone)
    siklus = Siklus(tenant_id=tenant_id, tahun=tahun, nama=f"RKPD {tahun}")
    db.session.add(siklus)
    db.session.flush()
    for position, stage in enumerate(stages):
        db.session.add(Tahapan(tenant_id=tenant_id, siklus_id=siklus.id, kunci=stage.key,
                               urutan=position, nama=stage.name, jenis=stage.kind,
                               dibuka=stage.opens, ditutup=stage.closes,
                               pemasukan_ditutup=stage.entry_closes))
    record(tenant_id=tenant_id, actor=actor, action="siklus.buka", obj=siklus,
           changes={"tahun": [None, tahun], "tahapan": [None, [s.key for s in stages]]})
    db.session.commit()
    return Result(True, siklus)


def reschedule(siklus: Siklus, tahapan: Tahapan, actor, *, dibuka: datetime, ditutup: datetime,
               pemasukan_ditutup: datetime | None, alasan: str, expected_version) -> Result:
    """Move a stage's window (before or during the cycle); the reason is kept."""
    if str(tahapan.version) != str(expected_version):
        return Result(False, errors={"_": "stale"})
    if not (alasan or "").strip():
        return Result(False, errors={"alasan": "required"})
    if ditutup <= dibuka:
        return Result(False, errors={"ditutup": "before_opens"})
    if pemasukan_ditutup is not None and not dibuka < pemasukan_ditutup <= ditutup:
        return Result(False, errors={"pemasukan_ditutup": "outside_window"})
    changes = {}
    for name, value in (("dibuka", dibuka), ("ditutup", ditutup), ("pemasukan_ditutup", pemasukan_ditutup)):
        if getattr(tahapan, name) != value:
            changes[name] = [str(getattr(tahapan, name)), str(value)]
            setattr(tahapan, name, value)
    if not changes:
        return Result(True, tahapan)
    if not claim_version(tahapan, expected_version):   # a concurrent save came first
        db.session.rollback()
        return Result(False, errors={"_": "stale"})
    siklus.version += 1
    record(tenant_id=siklus.tenant_id, actor=actor, action="tahapan.jadwal", obj=tahapan,
           changes=changes, reason=alasan.strip())
    db.session.commit()
    return Result(True, tahapan)


def extend(siklus: Siklus, tahapan: Tahapan, user, *, ditutup_baru: datetime, alasan: str,
           holder: str | None = None, pemasukan: bool = False) -> Result:
    """Extend a stage for everyone or one holder; the engine checks role, reason and date."""
    cycle = cycle_for(siklus)
    try:
        extension = workflow.extend(cycle, actor_for(user), tahapan.kunci, ditutup_baru, alasan,
                                    now_utc(), holder=holder, entry=pemasukan)
    except workflow.Refused as refused:
        return Result(False, refusal=refused.refusal)
    stage = cycle.stage(tahapan.kunci)
    previous = workflow.windows.effective_close(stage, cycle.extensions, holder, pemasukan)
    row = Perpanjangan(tenant_id=siklus.tenant_id, tahapan_id=tahapan.id, ditutup_lama=previous,
                       ditutup_baru=extension.closes, holder=None if holder is None else str(holder),
                       pemasukan=pemasukan, alasan=extension.reason, user_id=user.id)
    db.session.add(row)
    siklus.version += 1
    record(tenant_id=siklus.tenant_id, actor=user, action="tahapan.perpanjang", obj=tahapan,
           changes={"ditutup": [str(previous), str(extension.closes)],
                    "holder": [None, row.holder], "pemasukan": [None, pemasukan]},
           reason=extension.reason)
    db.session.commit()
    return Result(True, row)


#: errors key of a save refused because another save changed the ceilings first
STALE = "stale"


def set_limits(siklus: Siklus, tahapan_kunci: str, actor, rows: list[dict],
               seen: dict[int, int] | None = None) -> Result:
    """Upsert ceilings/quotas: rows of {wilayah_id | perangkat_daerah_id, jumlah, kuota}.

    ``seen`` (the form's): {pagu id: version} of the ceilings the editor was shown. Each
    changed ceiling is then claimed in the database (UPDATE ... WHERE version = seen) and a
    new one inserted under the unique key, so of two saves at the same instant the second
    is refused (errors {"stale": ...}) instead of overwriting the first; nothing is saved.
    """
    existing = {(p.wilayah_id, p.perangkat_daerah_id): p for p in db.session.scalars(
        select(Pagu).where(Pagu.siklus_id == siklus.id, Pagu.tahapan_kunci == tahapan_kunci))}
    changes = {}
    for item in rows:
        key = (item.get("wilayah_id"), item.get("perangkat_daerah_id"))
        jumlah, kuota = item.get("jumlah"), item.get("kuota")
        for name, value in (("jumlah", jumlah), ("kuota", kuota)):
            if value is not None and (type(value) is not int or value < 0):
                db.session.rollback()
                return Result(False, errors={name: "not_whole"})
        row = existing.get(key)
        if row is None:
            if jumlah is None and kuota is None:
                continue
            row = Pagu(tenant_id=siklus.tenant_id, siklus_id=siklus.id, tahapan_kunci=tahapan_kunci,
                       wilayah_id=key[0], perangkat_daerah_id=key[1], jumlah=jumlah, kuota=kuota)
            db.session.add(row)
            changes[f"{key}"] = [None, [jumlah, kuota]]
        elif (row.jumlah, row.kuota) != (jumlah, kuota) or (seen is not None and row.id not in seen):
            if seen is not None and not claim_version(row, seen.get(row.id)):
                db.session.rollback()  # changed, or added, since the form was opened
                return Result(False, errors={STALE: "stale"})
            changes[f"{key}"] = [[row.jumlah, row.kuota], [jumlah, kuota]]
            row.jumlah, row.kuota = jumlah, kuota
            if seen is None:
                row.version += 1
    if changes:
        try:
            siklus.version += 1
            record(tenant_id=siklus.tenant_id, actor=actor, action="pagu.atur", obj=siklus,
                   changes={"tahapan": [None, tahapan_kunci], **changes})
            db.session.commit()
        except IntegrityError:  # a ceiling of the same unit inserted by a concurrent save
            db.session.rollback()
            return Result(False, errors={STALE: "stale"})
    return Result(True, siklus)

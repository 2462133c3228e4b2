"""Published chain heads: one checkpoint per region and UTC day, kept by anyone who wants.

A checkpoint is (day, seq, entry_hash) of the region's chain head. Whoever saved yesterday's
file can later prove that the history up to that entry was not rewritten
(``eplanning audit verify --checkpoints FILE``): a consistent rewrite changes every hash after
the first changed entry, so it no longer matches the saved one. Checkpoints are made by
``eplanning audit checkpoint`` (cron) or, failing that, on the first portal visit of the day.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..timeutil import utcnow
from .chain import canonical_time
from .models import AuditChainHead, AuditCheckpoint

log = logging.getLogger(__name__)
COLUMNS = ("day", "seq", "entry_hash", "taken_at")
_MADE = "eplanning.audit.checkpoint_days"  # app.extensions: {tenant_id: day} already made


def take_checkpoint(tenant_id: int) -> AuditCheckpoint | None:
    """Today's checkpoint of a region (made now if missing, committed); None without history."""
    day = utcnow().date()
    found = _of_day(tenant_id, day)
    if found is not None:
        return found
    head = db.session.execute(select(AuditChainHead.seq, AuditChainHead.entry_hash)
                              .where(AuditChainHead.tenant_id == tenant_id)).first()
    if head is None or head.seq == 0:
        return None
    table = AuditCheckpoint.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    db.session.execute(upsert(table).values(tenant_id=tenant_id, day=day, seq=head.seq,
                                            entry_hash=head.entry_hash, created_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["tenant_id", "day"]))
    db.session.commit()
    return _of_day(tenant_id, day)


def _of_day(tenant_id: int, day: date) -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id,
                                                           AuditCheckpoint.day == day))


def ensure_today(tenant_id: int) -> None:
    """Make today's checkpoint on the first portal visit of the day; a failure only logs.

    Checked once a day per process (a region without history yet gets its first checkpoint
    the next day, or from cron).
    """
    made = current_app.extensions.setdefault(_MADE, {})
    today = utcnow().date()
    if made.get(tenant_id) == today:
        return
    try:
        take_checkpoint(tenant_id)
        made[tenant_id] = today
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not make today's audit checkpoint of tenant %s", tenant_id, exc_info=True)


def published(tenant_id: int, limit: int | None = None) -> list[AuditCheckpoint]:
    """The region's checkpoints, newest first."""
    query = (select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id)
             .order_by(AuditCheckpoint.day.desc()))
    return list(db.session.scalars(query.limit(limit) if limit else query))


def as_rows(checkpoints) -> list[list]:
    """COLUMNS values of each checkpoint, oldest first."""
    return [[c.day.isoformat(), c.seq, c.entry_hash, canonical_time(c.created_at)]
            for c in sorted(checkpoints, key=lambda c: c.day)]


# ---- a saved copy, read back ------------------------------------------------------------------

class CheckpointFileError(ValueError):
    pass


def load_file(path: str | Path) -> tuple[str | None, dict[int, tuple[str, str]]]:
    """(region slug named in the file or None, {seq: (entry_hash, label)}) of a saved copy.

    Reads the portal's JSON (``{"tenant": ..., "data": [{"day", "seq", "entry_hash"}]}``) or CSV.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    slug = None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
            records, slug = document["data"], document.get("tenant")
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointFileError(f"{path}: not a checkpoint file of the portal ({exc})") from exc
    else:
        try:
            records = list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise CheckpointFileError(f"{path}: not a checkpoint file of the portal ({exc})") from exc
    out: dict[int, tuple[str, str]] = {}
    for number, record in enumerate(records, start=1):
        try:
            seq, digest = int(record["seq"]), str(record["entry_hash"]).strip().lower()
            label = f"of {record.get('day') or '?'}"
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointFileError(f"{path}: record {number} has no valid seq / entry_hash") from exc
        if len(digest) != 64:
            raise CheckpointFileError(f"{path}: record {number}: entry_hash is not 64 hex digits")
        out[seq] = (digest, label)
    return slug, out

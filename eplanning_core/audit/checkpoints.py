"""Published chain heads (checkpoints), rolled forward, and the files anyone keeps of them.

A checkpoint is (seq, entry_hash) of the region's chain head at a moment. Whoever saved the
file of the checkpoints, or of the live head the portal shows, can later prove that the
history up to that entry was neither rewritten nor cut short (``eplanning audit verify
--checkpoints FILE``): a consistent rewrite changes every hash after the first changed entry,
and a history shorter than a saved checkpoint misses the entry it names.

Tamper evidence is only as fresh as the newest witness outside the database, so checkpoints
roll forward: a new one whenever the head moved since the last, by ``eplanning audit
checkpoint`` every hour (cron), after each penetapan (:func:`after_milestone`), and on a
portal visit when the newest is over an hour old. The region's ``[audit]
checkpoint_max_age_hours`` (tenant.toml) is the age past which ``verify`` warns that later
entries are in no checkpoint.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..caching import Kept
from ..extensions import db
from ..timeutil import utcnow
from .chain import canonical_time
from .head import head_of
from .models import AuditCheckpoint, AuditEntry

log = logging.getLogger(__name__)
COLUMNS = ("day", "seq", "entry_hash", "taken_at")
#: A portal visit rolls the checkpoint forward when the newest is this old (cron: hourly).
ROLL_EVERY = timedelta(hours=1)
#: Default of tenant.toml's [audit] checkpoint_max_age_hours.
DEFAULT_MAX_AGE_HOURS = 2
#: Portal visits look at the newest checkpoint at most every five minutes per worker.
_LOOKED = Kept("eplanning.audit.checkpoint_looked", max_entries=1000, max_age=300)


def newest(tenant_id: int) -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id)
                             .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()).limit(1))


def take_checkpoint(tenant_id: int) -> AuditCheckpoint | None:
    """Roll the region's checkpoint forward to its head (committed); the newest checkpoint.

    A new one only when the head moved past the newest (a head behind it is not published
    again: ``verify`` reports that history as shorter). None without history.
    """
    last = newest(tenant_id)
    seq, digest = head_of(tenant_id)
    if seq == 0 or (last is not None and last.seq >= seq):
        return last
    now = utcnow()
    made = AuditCheckpoint(tenant_id=tenant_id, day=now.date(), seq=seq, entry_hash=digest, created_at=now)
    db.session.add(made)
    db.session.commit()
    return made


def ensure_fresh(tenant_id: int) -> None:
    """On a portal visit: roll forward when the newest checkpoint is over ROLL_EVERY old (or
    there is none) and the head moved; a failure only logs."""
    if _LOOKED.get(tenant_id):
        return
    try:
        last = newest(tenant_id)
        if last is None or utcnow() - last.created_at >= ROLL_EVERY:
            take_checkpoint(tenant_id)
        _LOOKED.put(tenant_id, True)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not roll the audit checkpoint of tenant %s forward", tenant_id, exc_info=True)


def after_milestone(tenant_id: int) -> AuditCheckpoint | None:
    """After a committed milestone (penetapan): its history in a checkpoint at once.

    Called after the milestone's own commit; a failure only logs (cron's hourly run follows).
    """
    try:
        return take_checkpoint(tenant_id)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("no audit checkpoint after the milestone of tenant %s", tenant_id, exc_info=True)
        return None


def unwitnessed(tenant_id: int, max_age: timedelta, now: datetime | None = None) -> tuple[int, datetime] | None:
    """(first seq in no checkpoint, when it was written) if that is longer ago than ``max_age``."""
    last = newest(tenant_id)
    first = (last.seq if last is not None else 0) + 1
    written = db.session.scalar(select(AuditEntry.created_at).where(
        AuditEntry.tenant_id == tenant_id, AuditEntry.seq == first))
    if written is None or (now or utcnow()) - written <= max_age:
        return None
    return first, written


def max_age_of(slug: str) -> timedelta:
    """The region's checkpoint_max_age_hours (the default for a region not configured here)."""
    from ..tenancy.context import all_tenants

    config = all_tenants().get(slug)
    hours = getattr(config, "checkpoint_max_age_hours", None) or DEFAULT_MAX_AGE_HOURS
    return timedelta(hours=hours)


def published(tenant_id: int, limit: int | None = None) -> list[AuditCheckpoint]:
    """The region's checkpoints, newest first."""
    query = (select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id)
             .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()))
    return list(db.session.scalars(query.limit(limit) if limit else query))


def as_rows(checkpoints) -> list[list]:
    """COLUMNS values of each checkpoint, oldest first."""
    return [[c.day.isoformat(), c.seq, c.entry_hash, canonical_time(c.created_at)]
            for c in sorted(checkpoints, key=lambda c: (c.seq, c.id))]


def head_record(tenant_id: int) -> dict:
    """The live chain head as the portal publishes it (seq, entry_hash, read_at in UTC)."""
    seq, digest = head_of(tenant_id)
    return {"seq": seq, "entry_hash": digest, "read_at": canonical_time(utcnow())}


# ---- a saved copy, read back ------------------------------------------------------------------

class CheckpointFileError(ValueError):
    pass


def load_file(path: str | Path) -> tuple[str | None, dict[int, tuple[str, str]]]:
    """(region slug named in the file or None, {seq: (entry_hash, label)}) of a saved copy.

    Reads the portal's JSON (``{"tenant": ..., "data": [{"day", "seq", "entry_hash", "taken_at"}],
    "head": {"seq", "entry_hash", "read_at"}}``, ``data`` or ``head`` alone too) or its CSV.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    slug = None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
            records, slug = list(document.get("data") or []), document.get("tenant")
            head = document.get("head")
            if head is not None:  # the live head the portal showed when the file was saved
                records.append({**head, "label": f"head read at {head.get('read_at') or '?'} (saved)"})
            if not records and "data" not in document:
                raise KeyError("data")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
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
            taken = record.get("taken_at") or record.get("day") or "?"
            label = record.get("label") or f"checkpoint of {taken} (saved)"
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointFileError(f"{path}: record {number} has no valid seq / entry_hash") from exc
        if len(digest) != 64:
            raise CheckpointFileError(f"{path}: record {number}: entry_hash is not 64 hex digits")
        if seq not in out or not record.get("label"):  # a checkpoint's name wins over the head's
            out[seq] = (digest, label)
    return slug, out

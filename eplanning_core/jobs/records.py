"""The job rows' life: created, claimed by one run, progress, done or failed, retried, expired.

Every write after creation is a short transaction of its own on a connection of its own
(:func:`side_write`), never the job's working session: an import's single transaction stays
all-or-nothing while the progress bar moves. Each write names the attempt it belongs to; a
run whose attempt was taken away (its worker was taken for dead and the job retried) finds
its writes refused and stops (:class:`Abandoned`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..timeutil import utcnow
from .models import DONE, EXPIRED, FAILED, QUEUED, RUNNING, Tugas


class Abandoned(Exception):
    """This run no longer owns the job (it was retried or failed by the sweeper)."""


def side_write(tenant_id: int, statement, *, tolerant: bool = False) -> int:
    """Run one UPDATE in a transaction of its own; returns the rows changed.

    ``tolerant``: a busy SQLite file (the job's own import holding the write lock) skips
    this write after 0.2 s rather than wait; used for progress and heartbeats, which the
    next step repeats anyway.
    """
    try:
        with db.engine.connect() as connection:
            restore = None
            if tolerant and connection.dialect.name == "sqlite":
                restore = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
                connection.exec_driver_sql("PRAGMA busy_timeout = 200")
                connection.commit()
            try:
                with connection.begin():
                    if connection.dialect.name == "postgresql":
                        connection.execute(text("select set_config('eplanning.tenant_id', :t, true)"),
                                           {"t": str(int(tenant_id))})
                    return connection.execute(statement).rowcount
            finally:
                if restore is not None:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {restore}")
                    connection.commit()
    except OperationalError:
        if tolerant and db.engine.dialect.name == "sqlite":
            return -1
        raise


def _mine(tugas_id: int, attempt: int):
    return update(Tugas).where(Tugas.id == tugas_id, Tugas.attempt == attempt, Tugas.status == RUNNING)


def claim(tenant_id: int, tugas_id: int, attempt: int, worker: str) -> bool:
    """Take the queued job for this run; False when it is not queued for this attempt."""
    now = utcnow()
    return side_write(tenant_id, update(Tugas).where(
        Tugas.id == tugas_id, Tugas.attempt == attempt, Tugas.status == QUEUED).values(
        status=RUNNING, started_at=now, heartbeat_at=now, worker=worker[:120], done_count=0)) == 1


def progress(tenant_id: int, tugas_id: int, attempt: int, done: int, total: int | None) -> None:
    changed = side_write(tenant_id, _mine(tugas_id, attempt).values(
        done_count=max(0, int(done)), total_count=total, heartbeat_at=utcnow()), tolerant=True)
    if changed == 0:
        raise Abandoned()


def heartbeat(tenant_id: int, tugas_id: int, attempt: int) -> bool:
    return side_write(tenant_id, _mine(tugas_id, attempt).values(heartbeat_at=utcnow()), tolerant=True) != 0


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=int(current_app.config.get("JOBS_KEEP_DAYS") or 7))


def finish(tenant_id: int, tugas_id: int, attempt: int, *, file: tuple | None = None,
           report: dict | None = None, done: int | None = None) -> bool:
    """Mark the run's job done with its file ``(relative path, name, mimetype, size)`` or report."""
    now = utcnow()
    values = {"status": DONE, "finished_at": now, "heartbeat_at": now, "expires_at": _expiry(now),
              "report": json.dumps(report, ensure_ascii=False) if report is not None else None}
    if done is not None:
        values["done_count"] = done
    if file is not None:
        values.update(file_path=file[0], file_name=file[1], file_type=file[2], file_size=file[3])
    return side_write(tenant_id, _mine(tugas_id, attempt).values(**values)) == 1


def fail(tenant_id: int, tugas_id: int, attempt: int | None, error: str, *, report: dict | None = None) -> bool:
    """Mark the job failed with ``error`` (already in its starter's language)."""
    now = utcnow()
    statement = update(Tugas).where(Tugas.id == tugas_id, Tugas.status.in_((QUEUED, RUNNING)))
    if attempt is not None:
        statement = statement.where(Tugas.attempt == attempt)
    return side_write(tenant_id, statement.values(
        status=FAILED, finished_at=now, expires_at=_expiry(now), error=error[:4000],
        report=json.dumps(report, ensure_ascii=False) if report is not None else None)) == 1


def requeue(tenant_id: int, tugas_id: int, attempt: int) -> bool:
    """Give a job whose run died another attempt (the caller then puts it on the queue)."""
    return side_write(tenant_id, update(Tugas).where(
        Tugas.id == tugas_id, Tugas.attempt == attempt, Tugas.status.in_((RUNNING, QUEUED))).values(
        status=QUEUED, attempt=attempt + 1, done_count=0, heartbeat_at=None, worker=None)) == 1


def stale_before() -> datetime:
    return utcnow() - timedelta(seconds=int(current_app.config.get("JOBS_STALE_SECONDS") or 60))


def is_stale(tugas: Tugas) -> bool:
    return tugas.status == RUNNING and (tugas.heartbeat_at is None or tugas.heartbeat_at < stale_before())


def stale_jobs(tenant_id: int) -> list[Tugas]:
    return db.session.scalars(select(Tugas).where(
        Tugas.tenant_id == tenant_id, Tugas.status == RUNNING,
        (Tugas.heartbeat_at.is_(None)) | (Tugas.heartbeat_at < stale_before()))).all()


def expired_jobs(tenant_id: int, now: datetime) -> list[Tugas]:
    return db.session.scalars(select(Tugas).where(
        Tugas.tenant_id == tenant_id, Tugas.status.in_((DONE, FAILED)), Tugas.expires_at < now)).all()


def mark_expired(tenant_id: int, tugas_id: int) -> bool:
    return side_write(tenant_id, update(Tugas).where(
        Tugas.id == tugas_id, Tugas.status.in_((DONE, FAILED))).values(
        status=EXPIRED, file_path=None)) == 1

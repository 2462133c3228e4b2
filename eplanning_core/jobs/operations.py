"""Starting a job, sweeping the runs of dead workers, expiring old results."""

from __future__ import annotations

import json
import logging

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import force_locale

from ..extensions import db
from ..tenancy.context import current_tenant_id, tenant_config
from ..timeutil import utcnow
from . import files, queue, records
from .models import QUEUED, RUNNING, Tugas

log = logging.getLogger(__name__)


def start(jenis: str, params: dict, user, *, upload: tuple[str, bytes] | None = None) -> Tugas:
    """Record a job of the current region and put it on the queue.

    ``upload``: ``(file name, content)`` of an import, kept under JOBS_DIR for the worker.
    Redis down: the job is marked failed with the reason at once, never left waiting for ever.
    """
    slug = tenant_config().slug
    locale = str(get_locale() or tenant_config().default_language)
    tugas = Tugas(tenant_id=current_tenant_id(), user_id=getattr(user, "id", None), jenis=jenis,
                  params="{}", locale=locale, attempt=1)
    db.session.add(tugas)
    db.session.flush()
    if upload is not None:
        params = {**params, "input": files.save_input(slug, tugas.id, upload[0], upload[1])}
    tugas.params = json.dumps(params, ensure_ascii=False)
    db.session.commit()
    try:
        queue.put(slug, tugas.id, tugas.attempt)
    except queue.QueueDown as down:
        log.error("job %s: the queue is down: %s", tugas.id, down)
        records.fail(tugas.tenant_id, tugas.id, tugas.attempt,
                     _("The job queue cannot be reached; nothing was done. Try again in a few minutes; "
                       "if it persists, tell the administrator."))
        files.remove_input(slug, tugas.id)
    db.session.expire(tugas)
    return tugas


def dead_worker_message(attempts: int) -> str:
    return _("The worker running this job stopped (%(num)d attempts); nothing was kept. Start it again.",
             num=attempts)


def sweep_one(tugas: Tugas) -> str | None:
    """A running job whose run gave no sign of life: retried, or failed after the last attempt.

    Without Redis, a job still queued long after it started lost its thread with its web
    process before it began: it is started again (a duplicate finds its attempt taken)."""
    slug = tenant_config().slug
    if (tugas.status == QUEUED and not queue.redis_url() and tugas.created_at is not None
            and tugas.created_at < records.stale_before()):
        queue.put(slug, tugas.id, tugas.attempt)
        return "restarted"
    if not records.is_stale(tugas):
        return None
    if tugas.attempt < int(current_app.config.get("JOBS_MAX_ATTEMPTS") or 1):
        if records.requeue(tugas.tenant_id, tugas.id, tugas.attempt):
            files.remove_parts(slug, tugas.id)
            try:
                queue.put(slug, tugas.id, tugas.attempt + 1)
            except queue.QueueDown:
                pass  # stays queued; the next sweep or a worker's start puts it on again
            return "retried"
        return None
    with force_locale(tugas.locale):
        message = dead_worker_message(tugas.attempt)
    if records.fail(tugas.tenant_id, tugas.id, tugas.attempt, message):
        files.remove_parts(slug, tugas.id)
        return "failed"
    return None


def sweep() -> dict[str, int]:
    """Every stale running job of the current region (`eplanning jobs sweep`, workers, pages)."""
    counts = {"retried": 0, "failed": 0, "restarted": 0}
    for tugas in records.stale_jobs(current_tenant_id()):
        outcome = sweep_one(tugas)
        if outcome:
            counts[outcome] += 1
    db.session.expire_all()
    return counts


def requeue_lost() -> int:
    """Queued jobs whose message Redis lost (a restart without persistence): put on again.

    Safe to repeat: a duplicate message finds its attempt already claimed and does nothing.
    """
    from sqlalchemy import select

    slug = tenant_config().slug
    count = 0
    queued_ids = set(queue.rq_queue().get_job_ids()) if queue.redis_url() else set()
    for tugas in db.session.scalars(select(Tugas).where(Tugas.tenant_id == current_tenant_id(),
                                                        Tugas.status == QUEUED)).all():
        if f"tugas-{slug}-{tugas.id}-{tugas.attempt}" not in queued_ids:
            queue.put(slug, tugas.id, tugas.attempt)
            count += 1
    return count


def expire(now=None) -> int:
    """Delete the files of finished jobs past their expires_at; their rows say expired."""
    now = now or utcnow()
    slug = tenant_config().slug
    count = 0
    for tugas in records.expired_jobs(current_tenant_id(), now):
        if records.mark_expired(tugas.tenant_id, tugas.id):
            files.remove_all(slug, tugas.id)
            count += 1
    db.session.expire_all()
    return count


def is_running(tugas: Tugas) -> bool:
    """Running or waiting: a job the sweeper may have to look at."""
    return tugas.status in (RUNNING, QUEUED)

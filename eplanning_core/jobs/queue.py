"""Putting a job on its way: RQ on Redis when JOBS_REDIS_URL is set, else a thread.

RQ (as CKAN uses): a Redis list per queue, workers that need nothing but Redis (already the
login counters' store), ``SimpleWorker`` running jobs in the worker process itself. The
message is only ``(region, job id, attempt)``; the database row is the record of truth, so
what RQ does not guarantee on its own (a job acknowledged only when done, a worker killed
mid-job) is covered by the row's attempt and heartbeat (records.py, sweep.py).
"""

from __future__ import annotations

import logging
import threading

from flask import current_app

log = logging.getLogger(__name__)
RUN = "eplanning_core.jobs.runner.run"


class QueueDown(Exception):
    """Redis cannot be reached: the job cannot be handed to a worker."""


def redis_url(config=None) -> str | None:
    config = config if config is not None else current_app.config
    return config.get("JOBS_REDIS_URL") or config.get("REDIS_URL") or None


def connection():
    from redis import Redis

    return Redis.from_url(redis_url(), socket_connect_timeout=5, socket_timeout=30)


def rq_queue(conn=None):
    from rq import Queue

    return Queue(current_app.config.get("JOBS_QUEUE") or "eplanning-jobs", connection=conn or connection())


def put(slug: str, tugas_id: int, attempt: int) -> None:
    """Hand attempt ``attempt`` of the job to a worker (or to a thread of this process)."""
    if not redis_url():
        app = current_app._get_current_object()
        threading.Thread(target=_in_thread, args=(app, slug, tugas_id, attempt), daemon=True,
                         name=f"tugas-{tugas_id}").start()
        return
    from redis.exceptions import RedisError

    timeout = int(current_app.config.get("JOBS_TIMEOUT_SECONDS") or 3600)
    try:
        rq_queue().enqueue(RUN, slug, tugas_id, attempt, job_id=f"tugas-{slug}-{tugas_id}-{attempt}",
                           job_timeout=timeout, result_ttl=3600, failure_ttl=7 * 86400,
                           description=f"tugas {tugas_id} ({slug}), attempt {attempt}")
    except RedisError as exc:
        raise QueueDown(str(exc)) from exc


def _in_thread(app, slug: str, tugas_id: int, attempt: int) -> None:
    from . import runner

    with app.app_context():
        try:
            runner.run(slug, tugas_id, attempt)
        except Exception:
            log.exception("job %s in a thread", tugas_id)

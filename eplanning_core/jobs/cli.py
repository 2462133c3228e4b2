"""``eplanning jobs``: the worker (RQ on Redis), the sweeper and the expiry of old results."""

from __future__ import annotations

import logging
import os
import socket
import threading

import click
from flask import current_app

from ..cli_support import with_database
from ..tenancy.context import TenantNotRegistered, all_tenants, use_tenant
from . import operations, queue

jobs_cli = click.Group("jobs", help="Background jobs: run a worker, sweep dead runs, expire old results.")
log = logging.getLogger(__name__)


def each_region(action) -> dict[str, object]:
    """``action()`` once per region of this deployment that has its row."""
    out = {}
    for slug in all_tenants():
        try:
            with use_tenant(slug):
                out[slug] = action()
        except TenantNotRegistered:
            continue
    return out


class _Sweeper(threading.Thread):
    """In the worker: every JOBS_STALE_SECONDS, the runs of dead workers are retried or failed."""

    def __init__(self, app):
        super().__init__(daemon=True, name="tugas-sweeper")
        self.app, self.stop = app, threading.Event()
        self.every = max(1, int(app.config.get("JOBS_STALE_SECONDS") or 60) // 2)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                with self.app.app_context():
                    each_region(operations.sweep)
            except Exception:
                log.exception("job sweep failed")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop (tests, cron).")
@with_database
def worker_command(burst: bool) -> None:
    """Run jobs from Redis (EPLANNING_JOBS_REDIS_URL) until stopped; several may run at once."""
    from redis.exceptions import RedisError
    from rq import SimpleWorker

    if not queue.redis_url():
        raise click.ClickException("EPLANNING_JOBS_REDIS_URL is not set: without Redis, jobs run in the web "
                                   "process itself and need no worker")
    connection = queue.connection()
    try:
        connection.ping()
    except RedisError as exc:
        raise click.ClickException(f"Redis at {queue.redis_url()} cannot be reached: {exc}") from None
    found = each_region(operations.sweep)
    requeued = each_region(operations.requeue_lost)
    click.echo(f"worker {os.getpid()}: swept {found}, put back on the queue {requeued}")
    sweeper = _Sweeper(current_app._get_current_object())
    sweeper.start()
    worker = SimpleWorker([queue.rq_queue(connection)], connection=connection,
                          name=f"eplanning-{socket.gethostname()}-{os.getpid()}")
    try:
        worker.work(burst=burst, logging_level="INFO")
    finally:
        sweeper.stop.set()


@jobs_cli.command("sweep")
@with_database
def sweep_command() -> None:
    """Retry (or fail) the jobs whose worker died under them; for cron, every few minutes."""
    for slug, counts in each_region(operations.sweep).items():
        click.echo(f"{slug}: retried {counts['retried']}, failed {counts['failed']}")


@jobs_cli.command("expire")
@with_database
def expire_command() -> None:
    """Delete the result files of jobs past their keeping time (JOBS_KEEP_DAYS); for cron, daily."""
    for slug, count in each_region(operations.expire).items():
        click.echo(f"{slug}: {count} job result(s) expired")

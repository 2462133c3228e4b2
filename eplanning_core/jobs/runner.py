"""One run of one job, the same in an RQ worker and in a thread of the web process.

:func:`run` is what the queue calls with ``(region slug, job id, attempt)``: it claims the
row for this attempt (a duplicate or late message finds nothing to claim), beats while it
works, and ends the row done (the file renamed into place first) or failed with the reason
in the starter's language. Nothing half-done is ever published: an export writes a
``.part`` file, an import is one transaction of its own.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..tenancy.context import current_tenant_id, use_tenant
from . import files, records
from .models import Tugas

log = logging.getLogger(__name__)
#: About this many progress writes per job, whatever its size.
STEPS = 50


class JobFailed(Exception):
    """The job cannot be done (a refused export, a file with problems); nothing was kept."""

    def __init__(self, message: str, report: dict | None = None):
        super().__init__(message)
        self.message = message
        self.report = report


@dataclass
class Result:
    """What a kind hands back: a complete ``.part`` file to publish, or an import report."""

    part: Path | None = None
    name: str | None = None
    mimetype: str | None = None
    report: dict | None = None
    done: int | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


class Run:
    """What a job's code sees: its row, its parameters, progress and output helpers."""

    def __init__(self, tugas: Tugas, slug: str):
        self.tugas_id, self.tenant_id, self.attempt = tugas.id, tugas.tenant_id, tugas.attempt
        self.user_id, self.params, self.slug = tugas.user_id, tugas.parameters, slug
        self._last = -1
        self._delay = max(0, int(current_app.config.get("JOBS_STEP_DELAY_MS") or 0)) / 1000

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Record ``done`` of ``total`` every ~1/STEPS of the way (and at its ends)."""
        step = max(1, (total or 0) // STEPS)
        if not force and 0 <= done <= self._last:
            return  # a second pass over the same rows: the bar never moves back
        if force or done == total or self._last < 0 or done - self._last >= step:
            records.progress(self.tenant_id, self.tugas_id, self.attempt, done, total)
            self._last = done
            if self._delay:
                time.sleep(self._delay)

    def counted(self, items: list) -> "Counted":
        """``items`` as a list whose iteration records progress (exports and imports iterate once)."""
        return Counted(items, self)

    def output(self, name: str) -> Path:
        return files.part_path(self.slug, self.tugas_id, self.attempt, name)

    def input_bytes(self) -> bytes:
        return files.absolute(self.params["input"]).read_bytes()


class Counted(list):
    """A list that reports how far an iteration over it got."""

    def __init__(self, items, run: Run):
        super().__init__(items)
        self._run = run

    def __iter__(self):
        total = len(self)
        self._run.progress(0, total)
        for done, item in enumerate(super().__iter__(), 1):
            yield item
            self._run.progress(done, total)


class _Heartbeat(threading.Thread):
    """Tells the sweeper this run is alive while a long step writes no progress."""

    def __init__(self, app, run: Run):
        super().__init__(daemon=True, name=f"tugas-{run.tugas_id}-heartbeat")
        self.app, self.run_, self.stop = app, run, threading.Event()
        self.every = max(1, int(app.config.get("JOBS_STALE_SECONDS") or 60) // 6)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                with self.app.app_context():
                    records.heartbeat(self.run_.tenant_id, self.run_.tugas_id, self.run_.attempt)
            except Exception:  # a missed beat is retried at the next one
                log.exception("job %s: heartbeat failed", self.run_.tugas_id)


def run(slug: str, tugas_id: int, attempt: int) -> str:
    """Run attempt ``attempt`` of job ``tugas_id`` of region ``slug``; returns what happened."""
    from .kinds import KINDS

    app = current_app._get_current_object()
    with use_tenant(slug):
        tenant_id = current_tenant_id()
        if not records.claim(tenant_id, tugas_id, attempt, worker_name()):
            return "not-queued"
        tugas = db.session.get(Tugas, tugas_id)
        db.session.refresh(tugas)
        job = Run(tugas, slug)
        locale = tugas.locale
        files.remove_parts(slug, tugas_id)
        beat = _Heartbeat(app, job)
        beat.start()
        try:
            with force_locale(locale):
                outcome = _work(KINDS.get(tugas.jenis), job)
        finally:
            beat.stop.set()
            db.session.remove()
        return outcome


def _work(kind, job: Run) -> str:
    try:
        if kind is None:
            raise JobFailed(_("This kind of job is not known to this version."))
        result = kind.run(job)
    except records.Abandoned:
        db.session.rollback()
        files.remove_parts(job.slug, job.tugas_id)
        return "abandoned"
    except JobFailed as failed:
        db.session.rollback()
        records.fail(job.tenant_id, job.tugas_id, job.attempt, failed.message, report=failed.report)
        _cleanup(job)
        return "failed"
    except Exception:
        db.session.rollback()
        log.exception("job %s (attempt %s) stopped", job.tugas_id, job.attempt)
        records.fail(job.tenant_id, job.tugas_id, job.attempt,
                     _("An unexpected error stopped the job; nothing was kept. Start it again; if it "
                       "fails again, tell the administrator (job %(id)s).", id=job.tugas_id))
        _cleanup(job)
        return "failed"
    published = None
    if result.part is not None:
        published = files.publish(result.part, result.name)
        stored = (files.relative(published), result.name, result.mimetype, published.stat().st_size)
    else:
        stored = None
    if not records.finish(job.tenant_id, job.tugas_id, job.attempt, file=stored, report=result.report,
                          done=result.done):
        if published is not None:  # another attempt owns the job now
            published.unlink(missing_ok=True)
        return "abandoned"
    _cleanup(job)
    return "done"


def _cleanup(job: Run) -> None:
    files.remove_parts(job.slug, job.tugas_id)
    files.remove_input(job.slug, job.tugas_id)

"""Tugas: one piece of long work (an export, an import) and how far it got."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
STATES = (QUEUED, RUNNING, DONE, FAILED, EXPIRED)
#: States a job does not leave by itself (only expiry moves DONE/FAILED on).
FINISHED = (DONE, FAILED, EXPIRED)


class Tugas(db.Model):
    """A job: who asked for what (``jenis`` + ``params``), its state and progress, its result.

    ``attempt`` counts the runs started; the queue message names the attempt it is for, so a
    message delivered twice, or a run left behind by a dead worker, never runs it twice.
    ``error`` is written in the language of the person who started it (``locale``); the
    result is a file under JOBS_DIR (``file_path``, moved into place only when complete) or
    an import report (``report``, JSON).
    """

    __tablename__ = "tugas"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status_valid"),
        CheckConstraint("done_count >= 0", name="done_count_positive"),
        Index(None, "tenant_id", "user_id", "id"),
        Index(None, "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    jenis: Mapped[str] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text, default="{}")
    locale: Mapped[str] = mapped_column(String(10), default="id")
    status: Mapped[str] = mapped_column(String(12), default=QUEUED)
    done_count: Mapped[int] = mapped_column(default=0)
    total_count: Mapped[int | None]
    attempt: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(String(400))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(120))
    file_size: Mapped[int | None]

    @property
    def parameters(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def report_data(self) -> dict | None:
        return json.loads(self.report) if self.report else None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

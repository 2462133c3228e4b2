"""Notifikasi: one row per (recipient, cause), with a count, never one per proposal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

#: Proposals arrived at a stage the recipient holds (a batch was sent up to them).
ARRIVED = "masuk"
#: A decision at the next level on proposals the recipient's unit or agency sent.
DECIDED = "keputusan"
KINDS = (ARRIVED, DECIDED)


class Notifikasi(db.Model):
    """Something happened that one person should know; ``jumlah`` proposals are concerned.

    ``usulan_id`` is set when exactly one proposal is concerned (the link opens it); otherwise
    the link is the stage's list. ``emailed_at``: sent in a digest (never twice).
    """

    __tablename__ = "notifikasi"
    __table_args__ = (
        CheckConstraint("jenis IN ('masuk', 'keputusan')", name="jenis_valid"),
        CheckConstraint("jumlah > 0", name="jumlah_positive"),
        Index(None, "tenant_id", "user_id", "read_at"),
        Index(None, "tenant_id", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    jenis: Mapped[str] = mapped_column(String(20))
    #: The stage the proposals are at now (arrived) or were decided at (decided).
    tahapan: Mapped[str] = mapped_column(String(40))
    #: The decision (diterima, ditolak ...) of a DECIDED notification.
    keputusan: Mapped[str | None] = mapped_column(String(40))
    jumlah: Mapped[int] = mapped_column(default=1)
    usulan_id: Mapped[int | None] = mapped_column(ForeignKey("usulan.id"))
    #: Who caused it (the name as it was then).
    oleh_nama: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

"""AnggaranImpor (one imported budget file or API batch) and AnggaranBaris (one budget line)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AnggaranImpor(db.Model):
    """A budget file (or API batch), recognised by its SHA-256: the same file twice changes nothing."""

    __tablename__ = "anggaran_impor"
    __table_args__ = (UniqueConstraint("tenant_id", "siklus_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    nama_berkas: Mapped[str] = mapped_column(String(200))
    sumber: Mapped[str] = mapped_column(String(10))  # 'file' or 'api'
    jumlah_baris: Mapped[int]
    baris_baru: Mapped[int]
    baris_berubah: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnggaranBaris(db.Model):
    """One line of the APBD as e-Budgeting knows it, identified by its external id.

    ``kode_lacak`` names the planned proposal it funds; a line without one (or naming a
    proposal the plan does not hold) has no planning provenance and is reported.
    """

    __tablename__ = "anggaran_baris"
    __table_args__ = (
        UniqueConstraint("tenant_id", "siklus_id", "external_id"),
        CheckConstraint("jumlah >= 0", name="jumlah_not_negative"),
        Index(None, "tenant_id", "siklus_id", "kode_lacak"),
        Index(None, "tenant_id", "siklus_id", "usulan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    impor_id: Mapped[int] = mapped_column(ForeignKey("anggaran_impor.id"))
    external_id: Mapped[str] = mapped_column(String(80))
    kode_lacak: Mapped[str | None] = mapped_column(String(30))
    usulan_id: Mapped[int | None] = mapped_column(ForeignKey("usulan.id"))
    perangkat_daerah_kode: Mapped[str | None] = mapped_column(String(40))
    sub_kegiatan_kode: Mapped[str | None] = mapped_column(String(40))
    uraian: Mapped[str] = mapped_column(Text)
    jumlah: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Siklus, Tahapan (stage of a cycle), Perpanjangan (window extension) and Pagu (ceilings, quotas)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Siklus(db.Model):
    __tablename__ = "siklus"
    __table_args__ = (
        UniqueConstraint("tenant_id", "tahun"),
        CheckConstraint("status IN ('berjalan', 'rkpd_ditetapkan')", name="status_valid"),
        CheckConstraint("(status = 'rkpd_ditetapkan') = (rkpd_ditetapkan_at IS NOT NULL)",
                        name="locked_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    #: The budget year the plan is for (planned in tahun - 1).
    tahun: Mapped[int]
    nama: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="berjalan")
    rkpd_ditetapkan_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    tahapan: Mapped[list["Tahapan"]] = relationship(order_by="Tahapan.urutan", back_populates="siklus")


class Tahapan(db.Model):
    """One stage of a cycle and its window, in the region's local time (WIB/WITA/WIT).

    Local time is what the schedule means ("closes at the end of 31 January"); the engine
    localises it with the region's time zone.
    """

    __tablename__ = "tahapan"
    __table_args__ = (
        UniqueConstraint("siklus_id", "kunci"),
        CheckConstraint("ditutup > dibuka", name="window_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    kunci: Mapped[str] = mapped_column(String(40))
    urutan: Mapped[int]
    nama: Mapped[str] = mapped_column(String(120))
    jenis: Mapped[str] = mapped_column(String(40))
    dibuka: Mapped[datetime]
    ditutup: Mapped[datetime]
    #: Last moment to enter new proposals, where the stage has one (Pokir's entry week).
    pemasukan_ditutup: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    siklus: Mapped[Siklus] = relationship(back_populates="tahapan")


class Perpanjangan(db.Model):
    """Bappeda extended a stage (for everyone, or for one holder): by whom, to when, and why."""

    __tablename__ = "perpanjangan"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    tahapan_id: Mapped[int] = mapped_column(ForeignKey("tahapan.id"), index=True)
    ditutup_lama: Mapped[datetime]
    ditutup_baru: Mapped[datetime]
    #: One unit code / agency id / DPRD member id, or None for every holder of the stage.
    holder: Mapped[str | None] = mapped_column(String(40))
    #: Extends the entry deadline (pemasukan) rather than the decision window.
    pemasukan: Mapped[bool] = mapped_column(default=False)
    alasan: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pagu(db.Model):
    """The ceiling (jumlah, rupiah) and quota (kuota, items) of one unit or agency at one stage."""

    __tablename__ = "pagu"
    __table_args__ = (
        UniqueConstraint("siklus_id", "tahapan_kunci", "wilayah_id", "perangkat_daerah_id"),
        CheckConstraint("(wilayah_id IS NULL) <> (perangkat_daerah_id IS NULL)", name="one_target"),
        CheckConstraint("jumlah IS NULL OR jumlah >= 0", name="jumlah_not_negative"),
        CheckConstraint("kuota IS NULL OR kuota >= 0", name="kuota_not_negative"),
        Index(None, "tenant_id", "siklus_id", "tahapan_kunci"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    tahapan_kunci: Mapped[str] = mapped_column(String(40))
    wilayah_id: Mapped[int | None] = mapped_column(ForeignKey("wilayah.id"))
    perangkat_daerah_id: Mapped[int | None] = mapped_column(ForeignKey("perangkat_daerah.id"))
    jumlah: Mapped[int | None] = mapped_column(BigInteger)
    kuota: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

"""The execution record of a funded proposal, its milestones and photos, the reports imported,
and a planned item's funding sources and output indicator (keyed by the proposal's id, so the
proposal's one writer, usulan/transitions.py, stays the only writer of ``usulan``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

STATUS = ("berjalan", "selesai", "gagal")


class Realisasi(db.Model):
    """One funded proposal's execution: its contract and where it stands now (the latest
    milestone's progress and realised amount)."""

    __tablename__ = "realisasi"
    __table_args__ = (
        UniqueConstraint("tenant_id", "usulan_id"),
        CheckConstraint("status IN ('berjalan', 'selesai', 'gagal')", name="status_valid"),
        CheckConstraint("progres >= 0 AND progres <= 100", name="progres_range"),
        CheckConstraint("realisasi_jumlah >= 0", name="jumlah_not_negative"),
        CheckConstraint("status <> 'gagal' OR alasan IS NOT NULL", name="reason_for_failure"),
        Index(None, "tenant_id", "siklus_id", "perangkat_daerah_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    perangkat_daerah_id: Mapped[int | None] = mapped_column(ForeignKey("perangkat_daerah.id"))
    kontrak_nomor: Mapped[str | None] = mapped_column(String(80))
    kontrak_tanggal: Mapped[date | None] = mapped_column(Date)
    kontrak_nilai: Mapped[int | None] = mapped_column(BigInteger)
    #: The date the contract says the work is done by: past it and not done, the item is late.
    kontrak_akhir: Mapped[date | None] = mapped_column(Date)
    progres: Mapped[int] = mapped_column(default=0)
    realisasi_jumlah: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default="berjalan")
    alasan: Mapped[str | None] = mapped_column(Text)
    terakhir_tanggal: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RealisasiTahap(db.Model):
    """A milestone: on a date, the physical progress (percent) and the money realised so far.

    One per item and date: a report imported again finds its milestones by that key."""

    __tablename__ = "realisasi_tahap"
    __table_args__ = (
        UniqueConstraint("realisasi_id", "tanggal"),
        CheckConstraint("progres >= 0 AND progres <= 100", name="progres_range"),
        CheckConstraint("realisasi_jumlah >= 0", name="jumlah_not_negative"),
        Index(None, "tenant_id", "usulan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    realisasi_id: Mapped[int] = mapped_column(ForeignKey("realisasi.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    tanggal: Mapped[date] = mapped_column(Date)
    progres: Mapped[int]
    realisasi_jumlah: Mapped[int] = mapped_column(BigInteger)
    catatan: Mapped[str | None] = mapped_column(Text)
    #: Why progress is reported after the budget year ended (the reconciliation asks).
    alasan_terlambat: Mapped[str | None] = mapped_column(Text)
    sumber: Mapped[str] = mapped_column(String(10), default="form")  # form, impor, api
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RealisasiFoto(db.Model):
    """A photo of a milestone (re-encoded without metadata by uploads.py)."""

    __tablename__ = "realisasi_foto"
    __table_args__ = (Index(None, "tenant_id", "usulan_id"), CheckConstraint("ukuran > 0", name="not_empty"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    tahap_id: Mapped[int] = mapped_column(ForeignKey("realisasi_tahap.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    nama_asli: Mapped[str] = mapped_column(String(200))
    nama_simpan: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(80))
    ukuran: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RealisasiImpor(db.Model):
    """An execution report file, recognised by its SHA-256: the same file twice changes nothing."""

    __tablename__ = "realisasi_impor"
    __table_args__ = (UniqueConstraint("tenant_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    nama_berkas: Mapped[str] = mapped_column(String(200))
    jumlah_baris: Mapped[int]
    baris_baru: Mapped[int]
    baris_berubah: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SumberDana(db.Model):
    """One funding source of a planned item and its amount; an item's sources add up to its pagu."""

    __tablename__ = "usulan_sumber_dana"
    __table_args__ = (UniqueConstraint("usulan_id", "sumber"), CheckConstraint("jumlah > 0", name="jumlah_positive"),
                      Index(None, "tenant_id", "usulan_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    sumber: Mapped[str] = mapped_column(String(40))
    jumlah: Mapped[int] = mapped_column(BigInteger)


class IndikatorKeluaran(db.Model):
    """The output indicator of a planned item: what is delivered, how much, in which unit."""

    __tablename__ = "usulan_indikator"
    __table_args__ = (UniqueConstraint("tenant_id", "usulan_id"), CheckConstraint("target > 0", name="target_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    indikator: Mapped[str] = mapped_column(String(250))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    satuan: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Aspirasi (a citizen's aspiration), its photos, and Pengikut (someone following a proposal
by email). Contacts and follower addresses are personal data (UU 27/2022): never published,
never in open data, never in another person's message."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from ..wilayah.models import Wilayah

#: awaiting the contact's confirmation code (hidden from operators), in the unit's inbox,
#: turned into a proposal, merged into one, declined with a reason, marked as spam.
STATUS = ("menunggu_konfirmasi", "masuk", "diusulkan", "digabung", "ditolak", "spam")
KONTAK_JENIS = ("email", "telepon")
FOLLOW_STATUS = ("menunggu", "aktif", "berhenti")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Aspirasi(db.Model):
    __tablename__ = "aspirasi"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kode"),
        CheckConstraint(_in("status", STATUS), name="status_valid"),
        CheckConstraint(_in("kontak_jenis", KONTAK_JENIS), name="kontak_jenis_valid"),
        CheckConstraint("status NOT IN ('diusulkan', 'digabung') OR usulan_id IS NOT NULL",
                        name="linked_when_proposed"),
        CheckConstraint("status <> 'ditolak' OR alasan IS NOT NULL", name="reason_when_declined"),
        Index(None, "tenant_id", "wilayah_kode", "status"),
        Index(None, "tenant_id", "usulan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    #: The citizen's tracking code, random (e.g. ASP-7K3Q-9XW2): it cannot be guessed.
    kode: Mapped[str] = mapped_column(String(20))
    wilayah_id: Mapped[int] = mapped_column(ForeignKey("wilayah.id"))
    #: The unit's code (materialised path): an operator's inbox is a prefix.
    wilayah_kode: Mapped[str] = mapped_column(String(40))
    # The citizen's own words, kept as written whatever the proposal becomes.
    permasalahan: Mapped[str] = mapped_column(Text)
    usulan_kegiatan: Mapped[str] = mapped_column(Text)
    jalan: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    lng: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    nama: Mapped[str | None] = mapped_column(String(120))
    #: Personal data: the operators of the unit see it; never published.
    kontak: Mapped[str] = mapped_column(String(254))
    kontak_jenis: Mapped[str] = mapped_column(String(10))
    terkonfirmasi: Mapped[bool] = mapped_column(Boolean, default=False)
    #: sha256 of the confirmation code sent to the contact (None once used or never sent).
    konfirmasi_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(30), default="masuk")
    alasan: Mapped[str | None] = mapped_column(Text)
    usulan_id: Mapped[int | None] = mapped_column(ForeignKey("usulan.id"))
    oleh_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ditindaklanjuti_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    wilayah: Mapped[Wilayah] = relationship()


class AspirasiFoto(db.Model):
    """A photo of an aspiration, re-encoded without metadata (uploads.py)."""

    __tablename__ = "aspirasi_foto"
    __table_args__ = (Index(None, "aspirasi_id"), CheckConstraint("ukuran > 0", name="not_empty"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    aspirasi_id: Mapped[int] = mapped_column(ForeignKey("aspirasi.id"))
    nama_asli: Mapped[str] = mapped_column(String(200))
    nama_simpan: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(80))
    ukuran: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pengikut(db.Model):
    """One email address following one proposal: 'menunggu' until the link in the first
    message is opened (double opt-in), then 'aktif' until unsubscribed ('berhenti')."""

    __tablename__ = "pengikut"
    __table_args__ = (
        UniqueConstraint("tenant_id", "usulan_id", "email"),
        CheckConstraint(_in("status", FOLLOW_STATUS), name="status_valid"),
        Index(None, "tenant_id", "usulan_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    #: Personal data: only ever in this follower's own messages.
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(12), default="menunggu")
    #: The aspiration whose confirmed contact follows automatically (None: the public form).
    aspirasi_id: Mapped[int | None] = mapped_column(ForeignKey("aspirasi.id"))
    locale: Mapped[str] = mapped_column(String(10), default="id")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]

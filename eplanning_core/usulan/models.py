"""Usulan, Keputusan (decision at a level), Pengiriman (a batch sent up) and Lampiran (an
attachment of a proposal or of a meeting, ``rapat.models.Rapat``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import PerangkatDaerah, User
from ..extensions import db
from ..kamus.models import KamusUsulan
from ..timeutil import utcnow
from ..wilayah.models import Wilayah

SUMBER = ("lingkungan", "kelurahan", "kecamatan", "pd", "pokir", "bappeda")
STATUS = ("belum_dibahas", "diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa",
          "diperiksa", "didanai", "tidak_didanai")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Usulan(db.Model):
    __tablename__ = "usulan"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kode_lacak"),
        CheckConstraint(_in("sumber", SUMBER), name="sumber_valid"),
        CheckConstraint(_in("status", STATUS), name="status_valid"),
        CheckConstraint("bidang IN ('ekonomi', 'sosial_budaya', 'fisik_prasarana')", name="bidang_valid"),
        CheckConstraint("volume > 0", name="volume_positive"),
        CheckConstraint("harga_satuan >= 0 AND total >= 0", name="money_not_negative"),
        CheckConstraint("(sumber = 'pokir') = (dprd_user_id IS NOT NULL)", name="pokir_has_member"),
        CheckConstraint("status NOT IN ('ditolak', 'diterima_dengan_perubahan') OR alasan IS NOT NULL",
                        name="reason_for_change_or_rejection"),
        CheckConstraint("(status = 'didanai') = (anggaran_jumlah IS NOT NULL)",
                        name="funded_has_amount"),
        Index(None, "tenant_id", "siklus_id", "tahapan", "status"),
        Index(None, "tenant_id", "siklus_id", "tahapan", "lokasi_kode"),
        # text_pattern_ops: "everything in kecamatan X" (LIKE 'X.%') can use it whatever the
        # database collation; a plain index on SQLite (migration 0007).
        Index(None, "tenant_id", "siklus_id", "lokasi_kode", postgresql_ops={"lokasi_kode": "text_pattern_ops"}),
        Index(None, "tenant_id", "siklus_id", "perangkat_daerah_id", "tahapan"),
        Index(None, "tenant_id", "siklus_id", "dprd_user_id"),
        Index(None, "tenant_id", "siklus_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    #: Public tracking code, e.g. MDN-2027-000123: what a citizen types on the portal.
    kode_lacak: Mapped[str] = mapped_column(String(30))

    # Origin
    sumber: Mapped[str] = mapped_column(String(20))
    wilayah_asal_id: Mapped[int | None] = mapped_column(ForeignKey("wilayah.id"))
    rapat_id: Mapped[int | None] = mapped_column(ForeignKey("rapat.id"))
    pengusul_nama: Mapped[str | None] = mapped_column(String(120))
    #: Personal data (UU 27/2022): never shown publicly nor exported in open data.
    pengusul_telepon: Mapped[str | None] = mapped_column(String(30))
    pengusul_nik: Mapped[str | None] = mapped_column(String(16))
    dprd_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dapil: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # What
    bidang: Mapped[str] = mapped_column(String(20))
    permasalahan: Mapped[str] = mapped_column(Text)
    usulan_kegiatan: Mapped[str] = mapped_column(Text)
    kamus_id: Mapped[int | None] = mapped_column(ForeignKey("kamus_usulan.id"))
    volume: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    satuan: Mapped[str] = mapped_column(String(40))
    harga_satuan: Mapped[int] = mapped_column(BigInteger)
    #: volume x harga_satuan, rounded to the rupiah.
    total: Mapped[int] = mapped_column(BigInteger)

    # Where
    lokasi_wilayah_id: Mapped[int | None] = mapped_column(ForeignKey("wilayah.id"))
    #: Code of lokasi_wilayah (a materialised path): "everything in kecamatan X" is a prefix.
    lokasi_kode: Mapped[str | None] = mapped_column(String(40))
    jalan: Mapped[str | None] = mapped_column(String(200))
    lokasi_detail: Mapped[str | None] = mapped_column(String(250))
    lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    lng: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    # Where it is now
    tahapan: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), default="belum_dibahas")
    alasan: Mapped[str | None] = mapped_column(Text)
    survei_selesai: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Sent up at least once: every later change needs a reason.
    terkunci: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Its holder sent the batch and it stayed behind: final at this stage.
    tertutup: Mapped[bool] = mapped_column(Boolean, default=False)
    dana_desa: Mapped[bool] = mapped_column(Boolean, default=False)
    prioritas: Mapped[int | None]
    skor: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    skor_rincian: Mapped[dict] = mapped_column(JSON, default=dict)

    # Routing and plan
    perangkat_daerah_id: Mapped[int | None] = mapped_column(ForeignKey("perangkat_daerah.id"))
    sub_kegiatan_kode: Mapped[str | None] = mapped_column(String(40))
    pagu: Mapped[int | None] = mapped_column(BigInteger)
    target: Mapped[str | None] = mapped_column(String(120))
    indikator: Mapped[str | None] = mapped_column(String(250))

    #: Budget outcome: the amount funded in the APBD (status 'didanai' at the budgeting stage).
    anggaran_jumlah: Mapped[int | None] = mapped_column(BigInteger)

    #: Moved on by every change of the proposal's state (usulan.transitions, through
    #: conflicts.compare_and_set): a concurrent change is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    wilayah_asal: Mapped[Wilayah | None] = relationship(foreign_keys=[wilayah_asal_id])
    lokasi_wilayah: Mapped[Wilayah | None] = relationship(foreign_keys=[lokasi_wilayah_id])
    perangkat_daerah: Mapped[PerangkatDaerah | None] = relationship()
    kamus: Mapped[KamusUsulan | None] = relationship()
    dprd_user: Mapped[User | None] = relationship(foreign_keys=[dprd_user_id])


class Pengiriman(db.Model):
    """One holder sent its batch from a stage: the fact that closes the stage for that holder.

    ``holder`` is the unit code, the agency id or the DPRD member id, as the engine names it.
    """

    __tablename__ = "pengiriman"
    __table_args__ = (UniqueConstraint("siklus_id", "tahapan", "holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    tahapan: Mapped[str] = mapped_column(String(40))
    ke_tahapan: Mapped[str] = mapped_column(String(40))
    holder: Mapped[str] = mapped_column(String(40))
    jumlah_usulan: Mapped[int]
    jumlah_tertahan: Mapped[int]
    total: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Keputusan(db.Model):
    """One decision on a proposal at one stage: kept forever, shown on the public timeline."""

    __tablename__ = "keputusan"
    __table_args__ = (Index(None, "usulan_id", "id"), Index(None, "tenant_id", "tahapan", "keputusan"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    usulan_id: Mapped[int] = mapped_column(ForeignKey("usulan.id"))
    tahapan: Mapped[str] = mapped_column(String(40))
    keputusan: Mapped[str] = mapped_column(String(40))
    alasan: Mapped[str | None] = mapped_column(Text)
    #: The unit or agency that decided, for the public timeline (never a person's name there).
    oleh_wilayah_id: Mapped[int | None] = mapped_column(ForeignKey("wilayah.id"))
    oleh_perangkat_daerah_id: Mapped[int | None] = mapped_column(ForeignKey("perangkat_daerah.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user_nama: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lampiran(db.Model):
    """An uploaded file (photo or document) of a proposal or a meeting, stored on disk."""

    __tablename__ = "lampiran"
    __table_args__ = (
        CheckConstraint("(usulan_id IS NULL) <> (rapat_id IS NULL)", name="one_owner"),
        CheckConstraint("ukuran > 0", name="not_empty"),
        Index(None, "usulan_id"), Index(None, "rapat_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    usulan_id: Mapped[int | None] = mapped_column(ForeignKey("usulan.id"))
    rapat_id: Mapped[int | None] = mapped_column(ForeignKey("rapat.id"))
    jenis: Mapped[str] = mapped_column(String(30))
    nama_asli: Mapped[str] = mapped_column(String(200))
    #: Generated storage name under the instance folder; no user text reaches the file system.
    nama_simpan: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(80))
    ukuran: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""KamusUsulan (catalogue item) and Nomenklatur (programme code)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import PerangkatDaerah
from ..extensions import db

BIDANG = ("ekonomi", "sosial_budaya", "fisik_prasarana")
NOMENKLATUR_LEVELS = ("urusan", "bidang_urusan", "program", "kegiatan", "sub_kegiatan")


class Nomenklatur(db.Model):
    """One Permendagri 90/2019 code. Sub kegiatan codes are kept in the 4-digit form."""

    __tablename__ = "nomenklatur"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kode"),
        CheckConstraint("tingkat IN ('urusan', 'bidang_urusan', 'program', 'kegiatan', 'sub_kegiatan')",
                        name="tingkat_valid"),
        Index(None, "tenant_id", "tingkat", "kode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    tingkat: Mapped[str] = mapped_column(String(20))
    kode: Mapped[str] = mapped_column(String(40))
    nama: Mapped[str] = mapped_column(String(400))


class KamusUsulan(db.Model):
    __tablename__ = "kamus_usulan"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kode"),
        CheckConstraint("bidang IN ('ekonomi', 'sosial_budaya', 'fisik_prasarana')", name="bidang_valid"),
        CheckConstraint("harga_satuan >= 0", name="harga_not_negative"),
        Index(None, "tenant_id", "nama"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    kode: Mapped[str] = mapped_column(String(40))
    nama: Mapped[str] = mapped_column(String(250))
    bidang: Mapped[str] = mapped_column(String(20))
    satuan: Mapped[str] = mapped_column(String(40))
    harga_satuan: Mapped[int] = mapped_column(BigInteger)
    perangkat_daerah_id: Mapped[int | None] = mapped_column(ForeignKey("perangkat_daerah.id"))
    sub_kegiatan_kode: Mapped[str | None] = mapped_column(String(40))
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)

    perangkat_daerah: Mapped[PerangkatDaerah | None] = relationship()

"""The Wilayah model: one administrative unit of a region."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

KECAMATAN, DESA, LINGKUNGAN = 1, 2, 3


class Wilayah(db.Model):
    __tablename__ = "wilayah"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kode"),
        CheckConstraint("tingkat IN (1, 2, 3)", name="tingkat_valid"),
        CheckConstraint("(tingkat = 1) = (parent_id IS NULL)", name="parent_below_kecamatan"),
        Index(None, "tenant_id", "tingkat", "kode"),
        # A unit's subtree is a code prefix (LIKE 'X.%'): text_pattern_ops on PostgreSQL (0007).
        Index("ix_wilayah_tenant_id_kode_pattern", "tenant_id", "kode", postgresql_ops={"kode": "text_pattern_ops"}),
        Index(None, "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    kode: Mapped[str] = mapped_column(String(40))
    nama: Mapped[str] = mapped_column(String(120))
    tingkat: Mapped[int]
    #: 'kelurahan' or 'desa' at level 2 (from the Kemendagri code 1xxx/2xxx), else None.
    jenis: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("wilayah.id"))
    # Profile kept by the unit's own operator (printed on minutes later in the cycle).
    nama_kepala: Mapped[str | None] = mapped_column(String(120))
    alamat_kantor: Mapped[str | None] = mapped_column(String(250))
    telepon_kantor: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(default=1)

    parent: Mapped["Wilayah | None"] = relationship(remote_side=[id])

    def subtree_clause(self):
        """SQL condition: this unit or any unit below it."""
        return or_(Wilayah.id == self.id, Wilayah.kode.startswith(self.kode + ".", autoescape=True))

    def contains(self, other: "Wilayah") -> bool:
        return other.id == self.id or other.kode.startswith(self.kode + ".")

    def __repr__(self) -> str:
        return f"<Wilayah {self.kode} {self.nama}>"

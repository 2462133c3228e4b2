"""Rapat: the record of one unit's meeting at one stage (Rembuk Warga, Musrenbang of the
kelurahan/desa or the kecamatan). Its files are ``usulan.models.Lampiran`` rows with
``rapat_id`` set; sending a unit's batch up needs it on record (see ``workflow.kinds``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..wilayah.models import Wilayah


class Rapat(db.Model):
    """A meeting of one unit at one stage: Rembuk Warga, Musrenbang kelurahan/desa, kecamatan."""

    __tablename__ = "rapat"
    __table_args__ = (
        UniqueConstraint("siklus_id", "tahapan", "wilayah_id"),
        CheckConstraint("jumlah_hadir IS NULL OR jumlah_hadir >= 0", name="hadir_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    siklus_id: Mapped[int] = mapped_column(ForeignKey("siklus.id"))
    tahapan: Mapped[str] = mapped_column(String(40))
    wilayah_id: Mapped[int] = mapped_column(ForeignKey("wilayah.id"), index=True)
    tempat: Mapped[str | None] = mapped_column(String(200))
    alamat: Mapped[str | None] = mapped_column(String(250))
    mulai: Mapped[datetime | None]
    jumlah_hadir: Mapped[int | None]
    notulen: Mapped[str | None] = mapped_column(Text)
    #: Delegates to the next level's forum (three names at the village Musrenbang).
    delegasi: Mapped[list] = mapped_column(JSON, default=list)
    dikirim_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    wilayah: Mapped[Wilayah] = relationship()

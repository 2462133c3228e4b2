"""The demo's execution: a few funded items of the story get what an agency reports before
the budget year starts (early procurement: a contract signed, the site handed over, the
advance paid), one tender that failed, with a photo of the site, through the operations."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..usulan.models import Usulan
from . import operations

#: (contract signed, first milestone, progress, share of the advance paid, state, reason)
STEPS = (
    (date(2026, 11, 20), date(2026, 12, 1), 5, 20, "berjalan", None),
    (date(2026, 11, 24), date(2026, 12, 3), 10, 30, "berjalan", None),
    (date(2026, 11, 27), date(2026, 12, 4), 0, 0, "berjalan", None),
    (None, date(2026, 12, 2), 0, 0, "gagal", "Lelang gagal: tidak ada penawaran yang memenuhi syarat; "
                                             "dilelang ulang pada APBD Perubahan."),
)
NOTES = ("Serah terima lokasi kepada penyedia; mobilisasi alat dan papan nama proyek.",
         "Pengukuran bersama (MC-0) dan pembersihan lokasi.",
         "Kontrak ditandatangani; menunggu jaminan pelaksanaan.")


def _photo(colour: tuple[int, int, int]) -> FileStorage:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (186, 196, 204))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(112, 110, 104))     # the road
    draw.rectangle((60, 120, 300, 260), fill=colour)              # the project board
    draw.rectangle((170, 260, 190, 330), fill=(60, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    return FileStorage(buffer, "lokasi.jpg", content_type="image/jpeg")


def record_execution(siklus, users: dict) -> int:
    """Execution records for the first funded items, by their agency's demo account (Bappeda
    where the agency has none)."""
    by_agency = {u.perangkat_daerah_id: u for u in users.values() if u.perangkat_daerah_id is not None}
    funded = db.session.scalars(select(Usulan).where(
        Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, Usulan.status == "didanai")
        .order_by(Usulan.kode_lacak)).all()
    today = operations.local_today()
    written = 0
    for usulan, (signed, when, progress, advance, state, reason) in zip(funded, STEPS):
        when = min(when, today)
        signed = min(signed, when) if signed else None
        amount = int(usulan.anggaran_jumlah or 0)
        data = operations.read_milestone({
            "tanggal": when, "progres": str(progress), "realisasi_jumlah": str(amount * advance // 100),
            "status": state, "alasan": reason, "catatan": NOTES[written % len(NOTES)] if state != "gagal" else None,
            "kontrak_nomor": f"027/{usulan.kode_lacak[-4:]}/SPK/2026" if signed else None,
            "kontrak_tanggal": signed, "kontrak_nilai": str(amount * 97 // 100) if signed else None,
            "kontrak_akhir": (signed + timedelta(days=150)) if signed else None}, today)
        photos = [_photo((11, 83, 148))] if state != "gagal" else []
        reporter = by_agency.get(usulan.perangkat_daerah_id) or users["admin"]
        operations.record_milestone(usulan, reporter, data, photos=photos)
        written += 1
    return written

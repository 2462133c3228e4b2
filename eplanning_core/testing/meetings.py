"""Holding a unit's meeting in a test: what its operator records before sending its batch up.

Sending from Rembuk Warga or a Musrenbang needs the unit's meeting on record (the stage
kind's ``MeetingRule``; ``usulan.operations.send`` refuses otherwise). Tests that are about
something else call :func:`hold_meeting` first; it goes through the meetings' own
operations, so it is refused like a user would be (wrong window, no operator).
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..rapat import operations as rapat_ops
from ..uploads import store_upload
from ..usulan.engine_adapter import cycle_for, now_utc
from ..wilayah.models import Wilayah

DELEGATE_NAMES = ("Ketua LPM", "Tokoh perempuan", "Tokoh pemuda", "Tokoh agama", "Tokoh adat")


def _signed_pdf() -> bytes:
    """A one-page PDF standing in for the scanned, signed berita acara."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "Berita acara (ditandatangani)")
    page.save()
    return buffer.getvalue()


def hold_meeting(siklus, stage_key: str, holder, *, berita_acara: bool = True):
    """Record the meeting of unit ``holder`` at ``stage_key`` as its operator, started an hour
    ago (or when the window opened), with the delegates and the signed berita acara its
    kind requires. Returns the Rapat; None when the stage is no unit meeting."""
    cycle = cycle_for(siklus)
    stage = rapat_ops.meeting_stage(cycle, stage_key)
    if stage is None:
        return None
    rule = stage.spec.meeting
    unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == siklus.tenant_id,
                                                   Wilayah.kode == str(holder)))
    operator = rapat_ops.operator_of(unit)
    if operator is None:
        raise AssertionError(f"unit {holder} has no operator to record its meeting")
    local_now = now_utc().astimezone(cycle.timezone).replace(tzinfo=None, second=0, microsecond=0)
    opens, _closes = rapat_ops.window_of(siklus, stage, unit)
    start = max(opens, local_now - timedelta(hours=1))
    delegates = list(DELEGATE_NAMES[:rule.delegates[0]]) if rule.delegates else []
    rapat = rapat_ops.get_rapat(siklus, stage_key, unit)
    result = rapat_ops.save(siklus, stage_key, unit, operator, rapat.version if rapat else 0, {
        "tempat": f"Kantor {unit.nama}", "mulai": start.strftime("%Y-%m-%dT%H:%M"),
        "jumlah_hadir": "30", "notulen": f"{stage.name}: usulan dibahas.", "delegasi": delegates})
    if not result.ok:
        raise AssertionError(f"the meeting of {holder} at {stage_key!r} was refused: "
                             f"{result.message or result.errors}")
    if berita_acara and rule.berita_acara and not rapat_ops.count_files(result.rapat, "berita_acara"):
        stored = store_upload(FileStorage(io.BytesIO(_signed_pdf()), filename="berita-acara-ttd.pdf",
                                          content_type="application/pdf"),
                              tenant_id=siklus.tenant_id, allowed=rapat_ops.FILE_KINDS["berita_acara"])
        rapat_ops.attach(result.rapat, operator, "berita_acara", stored)
    return result.rapat

"""The execution as the public sees it: where a citizen's proposal ended up (state, physical
progress, money realised, milestones with their photos). No person's name: the agency acts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class PublicPhotoSchema(ma.Schema):
    url = fields.String()


class PublicMilestoneSchema(ma.Schema):
    tanggal = fields.Date()
    progres = fields.Integer(metadata={"description": "Physical progress, percent"})
    realisasi_jumlah = fields.Integer(metadata={"description": "Money realised so far, whole rupiah"})
    catatan = fields.String(allow_none=True)
    foto = fields.List(fields.Nested(PublicPhotoSchema))


class PublicExecutionSchema(ma.Schema):
    status = fields.String(metadata={"description": "berjalan, selesai or gagal"})
    status_nama = fields.String()
    alasan = fields.String(allow_none=True, metadata={"description": "Why it failed, or the handover note"})
    progres = fields.Integer()
    realisasi_jumlah = fields.Integer()
    kontrak_nomor = fields.String(allow_none=True)
    kontrak_tanggal = fields.Date(allow_none=True)
    kontrak_nilai = fields.Integer(allow_none=True)
    terakhir_tanggal = fields.Date(allow_none=True)
    tahap = fields.List(fields.Nested(PublicMilestoneSchema), metadata={"description": "Newest first"})


def execution(usulan) -> dict | None:
    """The public execution of a proposal, or None when it has no record."""
    from flask import url_for

    from . import operations, queries

    record = queries.record_of(usulan)
    if record is None:
        return None
    return {
        "status": record.status, "status_nama": str(operations.STATUS_LABELS[record.status]), "alasan": record.alasan,
        "progres": record.progres, "realisasi_jumlah": record.realisasi_jumlah, "kontrak_nomor": record.kontrak_nomor,
        "kontrak_tanggal": record.kontrak_tanggal, "kontrak_nilai": record.kontrak_nilai,
        "terakhir_tanggal": record.terakhir_tanggal,
        "tahap": [{"tanggal": step.tanggal, "progres": step.progres, "realisasi_jumlah": step.realisasi_jumlah,
                   "catatan": step.catatan, "foto": [{"url": url_for("realisasi.photo", foto_id=p.id)} for p in photos]}
                  for step, photos in queries.milestones(usulan)],
    }

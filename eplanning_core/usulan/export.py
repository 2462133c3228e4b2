"""The work list as Excel (every filtered row, streamed) or as a printable PDF recap.

Personal data (phone, NIK) is never exported; the proposer's name only to those who may
see it on screen.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import PerangkatDaerah
from ..exports.excel import Column, xlsx_response
from ..exports.labels import bidang_label, source_label, stage_label, status_label
from ..exports.pdf import pdf_response, rekap_pdf
from ..extensions import db
from ..tenancy.context import tenant_config
from ..wilayah.models import Wilayah
from .models import Usulan

EXPORT_LIMIT = 100_000


def _rows(siklus, cycle, query):
    from ..wilayah.labels import compose, parent_alias

    stages = {s.key: s.name for s in cycle.stages}
    parent, config = parent_alias(), tenant_config()  # "Lingkungan I, Pasar Baru" (issue 14)
    rows = db.session.execute(
        query.with_only_columns(
            Usulan.kode_lacak, Usulan.tahapan, Usulan.status, Usulan.alasan, Usulan.sumber,
            Usulan.bidang, Usulan.usulan_kegiatan, Usulan.permasalahan, Usulan.volume, Usulan.satuan,
            Usulan.harga_satuan, Usulan.total, Usulan.lokasi_kode, Wilayah.nama, Usulan.jalan,
            PerangkatDaerah.nama, Usulan.sub_kegiatan_kode, Usulan.pagu, Usulan.skor,
            Usulan.anggaran_jumlah, Wilayah.tingkat, parent.nama)
        .outerjoin(Wilayah, Wilayah.id == Usulan.lokasi_wilayah_id)
        .outerjoin(parent, parent.id == Wilayah.parent_id)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .order_by(Usulan.lokasi_kode, Usulan.id).limit(EXPORT_LIMIT)
        .execution_options(yield_per=2000))
    for r in rows:
        yield (r[0], stage_label(stages, r[1]), status_label(r[2]), r[3] or "", source_label(r[4]),
               bidang_label(r[5]), r[6], r[7],
               r[8], r[9], r[10], r[11], r[12] or "",
               compose(r[13], r[20], r[21], compact=True, config=config) if r[13] else "", r[14] or "", r[15] or "",
               r[16] or "", r[17], r[18], r[19])


def _columns():
    return [Column(_("Tracking code"), width=18), Column(_("Stage"), width=22),
            Column(_("Status"), width=18), Column(_("Reason"), width=30), Column(_("Source"), width=12),
            Column(_("Bidang"), width=14), Column(_("Proposed activity"), width=40),
            Column(_("Problem"), width=40), Column(_("Volume"), "decimal"), Column(_("Unit"), width=8),
            Column(_("Unit price"), "rupiah"), Column(_("Total"), "rupiah"),
            Column(_("Unit code"), width=18), Column(_("Location"), width=20), Column(_("Street"), width=20),
            Column(_("Agency"), width=30), Column(_("Sub kegiatan"), width=18), Column(_("Pagu"), "rupiah"),
            Column(_("Score"), "decimal"), Column(_("Funded"), "rupiah")]


def export_list(siklus, cycle, query, kind: str):
    config = tenant_config()
    name = f"usulan-{config.slug}-{siklus.tahun}"
    if kind == "xlsx":
        return xlsx_response(name, _("Proposals"), _columns(), _rows(siklus, cycle, query), tz=config.timezone)
    return pdf_response(recap_pdf(siklus, cycle, query), name + ".pdf")


def recap_pdf(siklus, cycle, query) -> bytes:
    """Per unit: how many proposals, by status, and their total (the recap a unit prints)."""
    stages = {s.key: s.name for s in cycle.stages}
    subquery = query.subquery()
    rows = db.session.execute(
        select(subquery.c.lokasi_kode, subquery.c.tahapan, subquery.c.status, func.count(),
               func.coalesce(func.sum(subquery.c.total), 0))
        .group_by(subquery.c.lokasi_kode, subquery.c.tahapan, subquery.c.status)
        .order_by(subquery.c.lokasi_kode, subquery.c.tahapan, subquery.c.status)).all()
    from ..wilayah.labels import labels_for_codes

    names = labels_for_codes(siklus.tenant_id, {r[0] for r in rows if r[0]})
    body = [(r[0] or "—", names.get(r[0], ""), stage_label(stages, r[1]), status_label(r[2]), r[3], r[4])
            for r in rows]
    totals = ("", _("Total"), "", "", sum(r[3] for r in rows), sum(r[4] for r in rows))
    return rekap_pdf(title=_("Recap of proposals %(cycle)s", cycle=siklus.nama),
                     subtitle=tenant_config().name,
                     columns=[Column(_("Unit code")), Column(_("Unit")), Column(_("Stage")),
                              Column(_("Status")), Column(_("Proposals"), "int"), Column(_("Total"), "rupiah")],
                     rows=body, totals_row=totals, landscape=True)

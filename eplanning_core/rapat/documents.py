"""The printable documents of a meeting: its berita acara and the recap of the unit's proposals."""

from __future__ import annotations

from flask_babel import gettext as _

from ..exports.excel import Column
from ..exports.pdf import berita_acara_pdf, rekap_pdf
from ..tenancy.context import tenant_config
from ..usulan.forms import BIDANG_CHOICES
from . import operations as ops

#: Where a name is not on record: a line to write it on by hand before signing.
BLANK = "(" + "." * 40 + ")"


def unit_label(unit) -> str:
    """'Kelurahan Pasar Baru, Kecamatan Medan Kota': the unit and the units above it."""
    config, parts, node = tenant_config(), [], unit
    while node is not None:
        parts.append(config.unit_label(node.tingkat, node.nama))
        node = node.parent
    return ", ".join(parts)


def signatures(unit, operator) -> list[tuple[str, str]]:
    level = tenant_config().level_name(unit.tingkat)
    return [(_("Head of %(level)s %(unit)s", level=level, unit=unit.nama), unit.nama_kepala or BLANK),
            (_("Operator %(level)s", level=level), operator.nama if operator else BLANK)]


def berita_acara(siklus, stage, unit, rapat, items=None) -> bytes:
    """The berita acara as signed on paper: meeting facts, every proposal and its decision."""
    items = ops.berita_acara_items(siklus, stage.key, unit) if items is None else items
    return berita_acara_pdf(
        title=_("Berita acara %(stage)s %(cycle)s", stage=stage.name, cycle=siklus.nama),
        region_name=None, unit_label=unit_label(unit),
        meeting={"tempat": rapat.tempat, "alamat": rapat.alamat, "mulai": rapat.mulai,
                 "jumlah_hadir": rapat.jumlah_hadir, "notulen": rapat.notulen},
        items=items, delegates=list(rapat.delegasi or []),
        signatures=signatures(unit, ops.operator_of(unit)), tz=tenant_config().timezone)


def rekap(siklus, stage, unit, items=None) -> bytes:
    """The unit's proposals at the stage per bidang and decision: how many, and their total."""
    items = ops.berita_acara_items(siklus, stage.key, unit) if items is None else items
    bidang = {key: str(label) for key, label in BIDANG_CHOICES if key}
    rows = [(bidang.get(b, b), label, count, total) for b, label, count, total in ops.recap_rows(items)]
    totals = (_("Total"), "", sum(r[2] for r in rows), sum(r[3] for r in rows))
    return rekap_pdf(
        title=_("Recap of proposals: %(stage)s %(cycle)s", stage=stage.name, cycle=siklus.nama),
        subtitle=unit_label(unit),
        columns=[Column(_("Bidang"), width=25), Column(_("Decision"), width=30),
                 Column(_("Proposals"), "int"), Column(_("Total"), "rupiah")],
        rows=rows, totals_row=totals, tz=tenant_config().timezone)

"""The printable documents of a meeting: its berita acara and the recap of the unit's proposals."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..exports.excel import Column
from ..exports.labels import bidang_label
from ..exports.pdf import berita_acara_pdf, rekap_pdf
from ..extensions import db
from ..tenancy.context import tenant_config
from ..usulan.models import Keputusan, Usulan
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


#: The official title of the head of a unit, by the level's name (Permendagri and regional
#: usage): "Lurah Pasar Baru", "Camat Medan Kota", "Wali Nagari Koto Tangah". A level not
#: listed is headed by its "Kepala" ("Kepala Lingkungan I", "Kepala Dusun II").
HEAD_TITLES = {"kecamatan": "Camat", "distrik": "Kepala Distrik", "kelurahan": "Lurah",
               "desa": "Kepala Desa", "nagari": "Wali Nagari", "gampong": "Keuchik",
               "jorong": "Wali Jorong", "korong": "Wali Korong"}


def short_name(level: str, nama: str) -> str:
    """The unit's name without its level word: 'Lingkungan I' -> 'I', 'Pasar Baru' stays."""
    if nama.lower().startswith(level.lower() + " ") and len(nama) > len(level) + 1:
        return nama[len(level) + 1:].strip()
    return nama


def head_title(unit) -> str:
    """'Lurah Pasar Baru', 'Kepala Lingkungan I' (never 'Kepala Lingkungan Lingkungan I')."""
    level = tenant_config().level_name(unit.tingkat)
    title = HEAD_TITLES.get(level.lower())
    if title is not None:
        return f"{title} {short_name(level, unit.nama)}"
    return _("Head of %(unit)s", unit=tenant_config().unit_label(unit.tingkat, unit.nama))


def signatures(unit, operator) -> list[tuple[str, str]]:
    config = tenant_config()
    return [(head_title(unit), unit.nama_kepala or BLANK),
            (_("Operator of %(unit)s", unit=config.unit_label(unit.tingkat, unit.nama)),
             operator.nama if operator else BLANK)]


def letterhead_lines(unit) -> list[str]:
    """The offices under the region's name, top down: 'Kecamatan Medan Kota', 'Kelurahan Pasar Baru'."""
    config, lines, node = tenant_config(), [], unit
    while node is not None:
        lines.append(config.unit_label(node.tingkat, node.nama))
        node = node.parent
    lines.reverse()
    if len(lines) > 2:  # a lingkungan's letter is the kelurahan's, naming the lingkungan below
        return lines[-2:-1] + [lines[-1]]
    return lines


def with_surveys(siklus, stage, items: list[dict]) -> list[dict]:
    """Items the meeting has not decided on yet, but whose site survey is done there, say so
    ("survei selesai") rather than "belum dibahas": read from the decision records, one query."""
    waiting = {item["kode_lacak"]: item for item in items if item.get("status") == "belum_dibahas"}
    if not waiting:
        return items
    surveyed = set(db.session.scalars(
        select(Usulan.kode_lacak).join(Keputusan, Keputusan.usulan_id == Usulan.id)
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Keputusan.tenant_id == siklus.tenant_id, Keputusan.tahapan == stage.key,
               Keputusan.keputusan == "survei_selesai", Usulan.kode_lacak.in_(list(waiting)))))
    for code in surveyed:
        waiting[code]["status"] = "survei_selesai"
        waiting[code]["keputusan"] = _("survey done")
    return items


def berita_acara(siklus, stage, unit, rapat, items=None) -> bytes:
    """The berita acara as signed on paper: meeting facts, every proposal and its decision."""
    items = ops.berita_acara_items(siklus, stage.key, unit) if items is None else items
    items = with_surveys(siklus, stage, items)
    return berita_acara_pdf(
        title=_("Berita acara %(stage)s %(cycle)s", stage=stage.name, cycle=siklus.nama),
        region_name=None, unit_label=unit_label(unit),
        meeting={"tempat": rapat.tempat, "alamat": rapat.alamat, "mulai": rapat.mulai,
                 "jumlah_hadir": rapat.jumlah_hadir, "notulen": rapat.notulen},
        items=items, delegates=list(rapat.delegasi or []),
        signatures=signatures(unit, ops.operator_of(unit)), tz=tenant_config().timezone,
        letterhead_lines=letterhead_lines(unit), place=unit.nama)


def rekap(siklus, stage, unit, items=None) -> bytes:
    """The unit's proposals at the stage per bidang and decision: how many, and their total."""
    items = ops.berita_acara_items(siklus, stage.key, unit) if items is None else items
    rows = [(bidang_label(b) or "—", label, count, total) for b, label, count, total in ops.recap_rows(items)]
    totals = (_("Total"), "", sum(r[2] for r in rows), sum(r[3] for r in rows))
    return rekap_pdf(
        title=_("Recap of proposals: %(stage)s %(cycle)s", stage=stage.name, cycle=siklus.nama),
        subtitle=unit_label(unit),
        columns=[Column(_("Bidang"), width=25), Column(_("Decision"), width=30),
                 Column(_("Proposals"), "int"), Column(_("Total"), "rupiah")],
        rows=rows, totals_row=totals, tz=tenant_config().timezone)

"""The locked RKPD for e-Budgeting: every planned item with its code, agency, pagu, location
and provenance (where it came from and who decided what, when), as JSON, CSV or Excel.

Only a set plan is handed over: before the RKPD of a cycle is set (Penetapan RKPD) the
export is refused. Two queries build the whole file, however many lines it has: one for
the items with their agency, nomenclature, origin and location up the hierarchy, one for
every decision on them. Deciders are named by office (unit, agency, Bappeda), never by
person; the Pokir's council member is named, as the public office holder who proposed it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from .. import workflow
from ..accounts.models import PerangkatDaerah, User
from ..exports.cells import csv_row, csv_writer
from ..exports.excel import Column, write_xlsx
from ..extensions import db
from ..kamus.models import Nomenklatur
from ..usulan.engine_adapter import cycle_for
from ..siklus.models import Siklus
from ..siklus.rkpd import ANGGARAN_KIND, PENETAPAN_KIND, stage_of_kind
from ..tenancy.context import tenant_config, tenant_select
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah

CHUNK = 5000
#: The CSV columns (and the flat keys of a line), in order: stable names for programs.
CSV_FIELDS = (
    "kode_lacak", "usulan_id", "tahapan", "status", "perangkat_daerah_kode", "perangkat_daerah_nama",
    "sub_kegiatan_kode", "sub_kegiatan_nama", "usulan_kegiatan", "pagu", "total", "target", "indikator",
    "volume", "satuan", "lokasi_kode", "lokasi_nama", "sumber", "asal_wilayah_kode", "asal_wilayah_nama",
    "dprd_anggota", "dapil", "dapil_nama", "anggaran_jumlah", "keputusan", "riwayat_url",
)


class RkpdNotLocked(Exception):
    """The cycle's RKPD is not set yet: there is no plan to hand to e-Budgeting."""

    def __init__(self, siklus: Siklus):
        self.siklus = siklus
        super().__init__(f"the RKPD {siklus.tahun} is not set")

    @property
    def message(self) -> str:
        return not_locked_message(self.siklus)


def not_locked_message(siklus: Siklus) -> str:
    return _("The RKPD %(year)s is not set yet: the plan goes to e-Budgeting only after Bappeda "
             "sets it (Penetapan RKPD).", year=siklus.tahun)


def cycle_by_year(tahun: int) -> Siklus | None:
    """The current region's cycle for budget year ``tahun``."""
    return db.session.scalar(tenant_select(Siklus).where(Siklus.tahun == tahun))


def rkpd_stage_keys(cycle: workflow.Cycle) -> list[str]:
    """The stages that hold the set plan: Penetapan RKPD and Penganggaran."""
    return [s.key for s in (stage_of_kind(cycle, PENETAPAN_KIND), stage_of_kind(cycle, ANGGARAN_KIND)) if s]


def require_locked(siklus: Siklus) -> None:
    if siklus.status != "rkpd_ditetapkan":
        raise RkpdNotLocked(siklus)


def plan_clause(siklus: Siklus, cycle: workflow.Cycle) -> tuple:
    """The conditions on Usulan of the locked RKPD: what the budget is reconciled against."""
    return (Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
            Usulan.tahapan.in_(rkpd_stage_keys(cycle)), Usulan.tertutup.is_(False))


# ---- who decided ----------------------------------------------------------------------------

ROLE_LABELS = {"bappeda": "Bappeda", "dprd": _l("DPRD member"),
               "setwan": _l("DPRD secretariat (Setwan)")}


def office_label(config, unit_name, unit_level, agency_name, role) -> str:
    """The office that decided: the unit or agency of the decision, else the role's body."""
    if unit_name:
        level = config.level_name(unit_level) if unit_level else ""
        return unit_name if unit_name.lower().startswith(level.lower()) else f"{level} {unit_name}"
    if agency_name:
        return agency_name
    return str(ROLE_LABELS.get(role, "")) or "—"


def _local_iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).isoformat(timespec="seconds")


def decisions_of(siklus: Siklus, ids: list[int], stage_names: dict[str, str]) -> dict[int, list[dict]]:
    """Every decision and move of the given items, oldest first, by office.

    One query per 5,000 items, by id: an index lookup whatever the planner knows (right
    after a large import PostgreSQL has no statistics on the new rows yet).
    """
    config = tenant_config()
    zone = ZoneInfo(config.timezone)
    out: dict[int, list[dict]] = {}
    connection = db.session.connection()  # Core rows: no ORM bookkeeping per decision
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(
            select(Keputusan.usulan_id, Keputusan.tahapan, Keputusan.keputusan, Keputusan.alasan,
                   Keputusan.created_at, Wilayah.nama, Wilayah.tingkat, PerangkatDaerah.nama, User.role)
            .outerjoin(Wilayah, Wilayah.id == Keputusan.oleh_wilayah_id)
            .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Keputusan.oleh_perangkat_daerah_id)
            .outerjoin(User, User.id == Keputusan.user_id)
            .where(Keputusan.tenant_id == siklus.tenant_id, Keputusan.usulan_id.in_(ids[start:start + CHUNK]))
            .order_by(Keputusan.usulan_id, Keputusan.id)).all()  # one fetchall, not a fetch per row
        for usulan_id, tahapan, keputusan, alasan, at, unit, level, agency, role in rows:
            out.setdefault(usulan_id, []).append({
                "tahapan": tahapan, "tahapan_nama": stage_names.get(tahapan, tahapan), "keputusan": keputusan,
                "alasan": alasan, "oleh": office_label(config, unit, level, agency, role),
                "waktu": _local_iso(at, zone)})
    return out


# ---- the lines ------------------------------------------------------------------------------

@dataclass
class Rkpd:
    """The locked RKPD of one cycle, ready to be written in any format."""

    siklus: Siklus
    lines: list[dict]

    @property
    def total_pagu(self) -> int:
        return sum(line["pagu"] or 0 for line in self.lines)

    def header(self) -> dict:
        config = tenant_config()
        return {"wilayah": {"kode": config.code, "nama": config.name}, "tahun": self.siklus.tahun,
                "siklus": self.siklus.nama,
                "ditetapkan_at": _local_iso(self.siklus.rkpd_ditetapkan_at, ZoneInfo(config.timezone)),
                "jumlah_baris": len(self.lines), "total_pagu": self.total_pagu}


def rkpd(siklus: Siklus) -> Rkpd:
    """Every item of the set plan with its provenance; raises RkpdNotLocked before Penetapan."""
    require_locked(siklus)
    config = tenant_config()
    cycle = cycle_for(siklus)
    stage_names = {s.key: s.name for s in cycle.stages}
    where = plan_clause(siklus, cycle)
    origin, place, parent, grandparent = (aliased(Wilayah) for _i in range(4))
    rows = db.session.connection().execute(
        select(Usulan.id, Usulan.kode_lacak, Usulan.tahapan, Usulan.status, PerangkatDaerah.kode,
               PerangkatDaerah.nama, Usulan.sub_kegiatan_kode, Nomenklatur.nama, Usulan.usulan_kegiatan,
               Usulan.pagu, Usulan.total, Usulan.target, Usulan.indikator, Usulan.volume, Usulan.satuan,
               Usulan.lokasi_kode, grandparent.nama, parent.nama, place.nama, Usulan.sumber,
               origin.kode, origin.nama, User.nama, Usulan.dapil, Usulan.anggaran_jumlah)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .outerjoin(Nomenklatur, and_(Nomenklatur.tenant_id == Usulan.tenant_id,
                                     Nomenklatur.kode == Usulan.sub_kegiatan_kode))
        .outerjoin(place, place.id == Usulan.lokasi_wilayah_id)
        .outerjoin(parent, parent.id == place.parent_id)
        .outerjoin(grandparent, grandparent.id == parent.parent_id)
        .outerjoin(origin, origin.id == Usulan.wilayah_asal_id)
        .outerjoin(User, User.id == Usulan.dprd_user_id)
        .where(*where)
        .order_by(PerangkatDaerah.kode, Usulan.sub_kegiatan_kode, Usulan.kode_lacak)).all()
    decisions = decisions_of(siklus, [r[0] for r in rows], stage_names)
    lines = []
    for r in rows:
        dapil = config.dapil_by_code(r[23]) if r[23] else None
        lines.append({
            "kode_lacak": r[1], "usulan_id": r[0], "tahapan": r[2], "status": r[3],
            "perangkat_daerah_kode": r[4], "perangkat_daerah_nama": r[5],
            "sub_kegiatan_kode": r[6], "sub_kegiatan_nama": r[7], "usulan_kegiatan": r[8],
            "pagu": r[9], "total": r[10], "target": r[11], "indikator": r[12],
            "volume": str(r[13]) if r[13] is not None else None, "satuan": r[14],
            "lokasi": {"kode": r[15], "nama": [n for n in (r[16], r[17], r[18]) if n]},
            "asal": {"sumber": r[19], "wilayah_kode": r[20], "wilayah_nama": r[21],
                     "dprd_anggota": r[22] if r[19] == "pokir" else None,
                     "dapil": r[23], "dapil_nama": dapil.name if dapil else None},
            "anggaran_jumlah": r[24],
            "keputusan": decisions.get(r[0], []),
            "riwayat_url": f"/usulan/{r[0]}",
        })
    return Rkpd(siklus, lines)


def decision_text(decision: dict) -> str:
    """One decision as one phrase, for the flat formats."""
    day = (decision["waktu"] or "")[:10]
    text = f"{decision['tahapan_nama']}: {decision['keputusan']} ({decision['oleh']}, {day})"
    return text + (f" - {decision['alasan']}" if decision["alasan"] else "")


def flat(line: dict) -> dict:
    """A line with its nested parts as plain columns (CSV_FIELDS)."""
    out = {k: v for k, v in line.items() if k not in ("lokasi", "asal", "keputusan")}
    out["lokasi_kode"] = line["lokasi"]["kode"]
    out["lokasi_nama"] = " > ".join(line["lokasi"]["nama"])
    out["sumber"] = line["asal"]["sumber"]
    for key in ("dprd_anggota", "dapil", "dapil_nama"):
        out[key] = line["asal"][key]
    out["asal_wilayah_kode"] = line["asal"]["wilayah_kode"]
    out["asal_wilayah_nama"] = line["asal"]["wilayah_nama"]
    out["keputusan"] = "; ".join(decision_text(d) for d in line["keputusan"])
    return out


# ---- formats --------------------------------------------------------------------------------

def as_json(plan: Rkpd) -> dict:
    return {**plan.header(), "baris": plan.lines}


def json_bytes(plan: Rkpd) -> bytes:
    return json.dumps(as_json(plan), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def csv_bytes(plan: Rkpd) -> bytes:
    """UTF-8 with a BOM (Excel then reads the accents right), comma separated, one header row."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # text quoted and formula-safe (exports/cells.py)
    writer.writerow(CSV_FIELDS)
    for line in plan.lines:
        row = flat(line)
        writer.writerow(csv_row(row[k] for k in CSV_FIELDS))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def excel_columns() -> list[Column]:
    return [
        Column(_("Tracking code"), width=18), Column(_("Agency code"), width=14), Column(_("Agency"), width=28),
        Column(_("Sub kegiatan"), width=20), Column(_("Sub kegiatan name"), width=36),
        Column(_("Proposed activity"), width=40), Column(_("Pagu"), "rupiah"), Column(_("Target"), width=14),
        Column(_("Indicator"), width=24), Column(_("Unit code"), width=18), Column(_("Location"), width=36),
        Column(_("Source"), width=14), Column(_("Origin unit"), width=24), Column(_("DPRD member"), width=22),
        Column(_("Dapil"), width=12), Column(_("Status"), width=14), Column(_("Funded"), "rupiah"),
        Column(_("Decisions"), width=90),
    ]


def excel_bytes(plan: Rkpd) -> bytes:
    """The RKPD for people: statuses, sources and decisions by their labels in the reader's
    language (the CSV and JSON keep the documented keys, for programs)."""
    from ..exports.labels import action_label, source_label, status_label

    def decisions(line) -> str:
        return "; ".join(decision_text({**d, "keputusan": action_label(d["keputusan"])})
                         for d in line["keputusan"])

    def rows():
        for line in plan.lines:
            r = flat(line)
            origin = " ".join(x for x in (r["asal_wilayah_kode"], r["asal_wilayah_nama"]) if x)
            yield (r["kode_lacak"], r["perangkat_daerah_kode"], r["perangkat_daerah_nama"],
                   r["sub_kegiatan_kode"], r["sub_kegiatan_nama"], r["usulan_kegiatan"], r["pagu"],
                   r["target"], r["indikator"], r["lokasi_kode"], r["lokasi_nama"], source_label(r["sumber"]),
                   origin, r["dprd_anggota"], r["dapil_nama"] or r["dapil"], status_label(r["status"]),
                   r["anggaran_jumlah"], decisions(line))

    buffer = io.BytesIO()
    write_xlsx(buffer, f"RKPD {plan.siklus.tahun}", excel_columns(), rows(), tz=tenant_config().timezone)
    return buffer.getvalue()


FORMATS = {"json": ("application/json", json_bytes), "csv": ("text/csv; charset=utf-8", csv_bytes),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", excel_bytes)}


def filename(siklus: Siklus, fmt: str) -> str:
    return f"rkpd-{tenant_config().slug}-{siklus.tahun}.{fmt}"


# ---- the RKPD as a printed report (PDF) ----------------------------------------------------

@dataclass
class ReportLine:
    agency_id: int | None
    agency: str
    sub_kegiatan: str
    activity: str
    location: str
    source: str
    pagu: int


def report_clause(siklus: Siklus, cycle: workflow.Cycle) -> tuple:
    """What the printed RKPD lists: the set plan once Penetapan is done; before that the draft,
    every item at Musrenbang RKPD that it accepted and every item past it, not left behind."""
    if siklus.status == "rkpd_ditetapkan":
        return plan_clause(siklus, cycle)
    from ..siklus.rkpd import RKPD_KIND, draft_stage_keys

    rkpd_stage = stage_of_kind(cycle, RKPD_KIND)
    keys = draft_stage_keys(cycle)
    if rkpd_stage is None or not keys:
        return (Usulan.id.is_(None),)
    later = [k for k in keys if k != rkpd_stage.key]
    return (Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, Usulan.tertutup.is_(False),
            ((Usulan.tahapan == rkpd_stage.key) & Usulan.status.in_(rkpd_stage.spec.forwards))
            | (Usulan.tahapan.in_(later) & (Usulan.status != "ditolak")))


def report_lines(siklus: Siklus, agency_id: int | None = None) -> list[ReportLine]:
    """The lines of the printed RKPD (of one agency, or all), by agency and sub kegiatan: one query.

    Names, not codes: the sub kegiatan by its name (with the code the finance team files it
    under), the place and the proposer's unit with their parents, the Pokir's member.
    """
    from ..exports.labels import source_label

    config = tenant_config()
    cycle = cycle_for(siklus)
    place, parent, origin, origin_parent = (aliased(Wilayah) for _i in range(4))
    where = report_clause(siklus, cycle)
    if agency_id is not None:
        where = (*where, Usulan.perangkat_daerah_id == agency_id)
    rows = db.session.execute(
        select(Usulan.perangkat_daerah_id, PerangkatDaerah.nama, Usulan.sub_kegiatan_kode, Nomenklatur.nama,
               Usulan.usulan_kegiatan, Usulan.target, Usulan.jalan, place.tingkat, place.nama, parent.nama,
               Usulan.sumber, origin.tingkat, origin.nama, origin_parent.nama, User.nama, Usulan.dapil,
               Usulan.pagu, Usulan.total, Usulan.kode_lacak)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .outerjoin(Nomenklatur, and_(Nomenklatur.tenant_id == Usulan.tenant_id,
                                     Nomenklatur.kode == Usulan.sub_kegiatan_kode))
        .outerjoin(place, place.id == Usulan.lokasi_wilayah_id)
        .outerjoin(parent, parent.id == place.parent_id)
        .outerjoin(origin, origin.id == Usulan.wilayah_asal_id)
        .outerjoin(origin_parent, origin_parent.id == origin.parent_id)
        .outerjoin(User, User.id == Usulan.dprd_user_id)
        .where(*where)
        .order_by(PerangkatDaerah.nama, Usulan.sub_kegiatan_kode, Usulan.kode_lacak)).all()

    def unit(tingkat, nama, parent_nama):
        if not nama:
            return ""
        label = config.unit_label(tingkat, nama) if tingkat else nama
        return f"{label}, {parent_nama}" if parent_nama and tingkat and tingkat > 1 else label

    lines = []
    for r in rows:
        sub = f"{r[3]} ({r[2]})" if r[3] and r[2] else (r[2] or "—")
        activity = r[4] + (f"\n{_('Target')}: {r[5]}" if r[5] else "")
        location = ", ".join(x for x in (r[6], unit(r[7], r[8], r[9])) if x)
        if r[10] == "pokir" and r[14]:
            dapil = config.dapil_by_code(r[15]) if r[15] else None
            who = r[14] + (f" ({dapil.name})" if dapil else "")
        else:
            who = unit(r[11], r[12], r[13])
        source = source_label(r[10]) + (f": {who}" if who else "")
        lines.append(ReportLine(r[0], r[1] or _("no agency"), sub, f"{activity}\n{r[18]}", location, source,
                                int(r[16] if r[16] is not None else (r[17] or 0))))
    return lines


def report_title(siklus: Siklus) -> str:
    if siklus.status == "rkpd_ditetapkan":
        return _("Regional work plan (RKPD) %(year)s", year=siklus.tahun)
    return _("Draft regional work plan (RKPD) %(year)s", year=siklus.tahun)


def report_pdf(siklus: Siklus, agency_id: int | None = None, progress=None) -> tuple[bytes, int]:
    """The RKPD of one agency or of the whole region as a landscape A4 PDF, with the region's
    letterhead, page numbers, rupiah, and a total per agency (and a summary for the region).
    Returns the file and its number of lines. ``progress``: wraps the lines (a job's counter)."""
    from ..exports.pdf import sections_pdf

    lines = report_lines(siklus, agency_id)
    counted = progress(lines) if progress is not None else lines
    groups: dict = {}
    for line in counted:
        groups.setdefault((line.agency, line.agency_id), []).append(line)
    columns = [Column(_("No."), "int", width=5), Column(_("Sub kegiatan"), width=34),
               Column(_("Proposed activity"), width=46), Column(_("Location"), width=30),
               Column(_("Proposed by"), width=30), Column(_("Pagu (Rp)"), "rupiah", width=18)]
    sections = []
    for (agency, _agency_id), items in groups.items():
        rows = [(n, i.sub_kegiatan, i.activity, i.location, i.source, i.pagu) for n, i in enumerate(items, 1)]
        total = ("", _("Total %(agency)s", agency=agency), "", "", "", sum(i.pagu for i in items))
        sections.append((agency, rows, total))
    summary = None
    config = tenant_config()
    if agency_id is None:
        summary_rows = [(n, agency, len(items), sum(i.pagu for i in items))
                        for n, ((agency, _a), items) in enumerate(groups.items(), 1)]
        summary = ([Column(_("No."), "int", width=5), Column(_("Perangkat Daerah"), width=80),
                    Column(_("Lines"), "int", width=12), Column(_("Pagu (Rp)"), "rupiah", width=22)],
                   summary_rows, ("", _("Total"), len(lines), sum(i.pagu for i in lines)))
        subtitle = config.name
    else:
        agency = db.session.scalar(tenant_select(PerangkatDaerah).where(PerangkatDaerah.id == agency_id))
        subtitle = agency.nama if agency else ""
        if not sections:
            sections.append((subtitle, [], ("", _("Total"), "", "", "", 0)))
    if not sections and summary is None:
        sections.append(("", [], None))
    data = sections_pdf(title=report_title(siklus), subtitle=subtitle, columns=columns, sections=sections,
                        summary=summary, landscape=True,
                        letterhead_lines=[_("Regional development planning agency (Bappeda)")],
                        tz=config.timezone)
    return data, len(lines)


def report_filename(siklus: Siklus, agency=None) -> str:
    part = f"-{agency.singkatan or agency.kode}" if agency is not None else ""
    return f"rkpd-{tenant_config().slug}-{siklus.tahun}{part}.pdf"

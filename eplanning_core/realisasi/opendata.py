"""Open data of the execution: one row per funded item of a cycle (``realisasi``) and every
finding of the reconciliation (``temuan``), budget and execution alike. Registered with the
portal's datasets (portal/opendata.py); the data dictionary is docs/open-data.md. Offices and
amounts only: no person's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db


@dataclass(frozen=True)
class Column:
    name: str
    type: str          # text | integer | number | date | boolean
    description: object


REALISASI_COLUMNS = (
    Column("kode_lacak", "text", _l("Tracking code of the funded item (joins to usulan).")),
    Column("tahun", "integer", _l("Budget year of the cycle (RKPD year).")),
    Column("perangkat_daerah_kode", "text", _l("Code of the implementing agency.")),
    Column("perangkat_daerah_nama", "text", _l("Name of that agency.")),
    Column("kecamatan_kode", "text", _l("Kemendagri code of the kecamatan of the location.")),
    Column("pagu", "integer", _l("Planned amount (pagu), whole rupiah.")),
    Column("anggaran_jumlah", "integer", _l("Amount funded in the APBD, whole rupiah.")),
    Column("status", "text", _l("Execution: berjalan (in progress), selesai (completed), gagal (failed); empty: no record yet.")),
    Column("status_nama", "text", _l("The execution's state as the pages show it, in the portal's language.")),
    Column("alasan", "text", _l("Why it failed, or the handover note of a completed item.")),
    Column("progres", "integer", _l("Physical progress at the latest milestone, percent.")),
    Column("realisasi_jumlah", "integer", _l("Money realised at the latest milestone, whole rupiah.")),
    Column("kontrak_nomor", "text", _l("Contract number.")),
    Column("kontrak_tanggal", "date", _l("Contract date.")),
    Column("kontrak_nilai", "integer", _l("Contract value, whole rupiah.")),
    Column("kontrak_akhir", "date", _l("Date the contract says the work is done by.")),
    Column("terakhir_tanggal", "date", _l("Date of the latest milestone.")),
    Column("jumlah_tahap", "integer", _l("Milestones reported.")),
    Column("jumlah_foto", "integer", _l("Photos of the milestones (on the public tracking page).")),
    Column("terlambat", "boolean", _l("Late: no record after the region's date, or past the contract's end and not completed.")),
)

TEMUAN_COLUMNS = (
    Column("jenis", "text", _l("The finding: tanpa_kode, kode_tidak_dikenal, bukan_rkpd, melebihi_pagu, hilang, tanpa_realisasi, realisasi_melebihi, selesai_tanpa_foto, terlambat_tanpa_alasan (docs/integration.md).")),
    Column("jenis_nama", "text", _l("The finding as the pages name it, in the portal's language.")),
    Column("tahun", "integer", _l("Budget year of the cycle (RKPD year).")),
    Column("external_id", "text", _l("The budget line's id in e-Budgeting, for findings on a line.")),
    Column("kode_lacak", "text", _l("Tracking code of the proposal the finding is about, if any.")),
    Column("perangkat_daerah_kode", "text", _l("Code of the agency.")),
    Column("perangkat_daerah_nama", "text", _l("Name of that agency.")),
    Column("sub_kegiatan_kode", "text", _l("Sub kegiatan code.")),
    Column("uraian", "text", _l("The budget line's description, or the proposal's activity.")),
    Column("jumlah", "integer", _l("The line's amount, the sum of an item's lines, or the realised amount, whole rupiah.")),
    Column("pagu", "integer", _l("What the plan gives the item (or, for realised above funded, the funded amount).")),
    Column("selisih", "integer", _l("jumlah minus pagu.")),
    Column("tautan", "text", _l("The proposal's public tracking page.")),
)

DATASETS = {"realisasi": REALISASI_COLUMNS, "temuan": TEMUAN_COLUMNS}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def realisasi_rows(siklus, cycle):
    """One list of values per funded item of the cycle's plan (REALISASI_COLUMNS order)."""
    from .models import RealisasiFoto, RealisasiTahap
    from .operations import STATUS_LABELS
    from .queries import agency_names, items

    rows = [item for item in items(siklus, cycle) if item.funded is not None]
    names = agency_names(siklus.tenant_id)
    steps = dict(db.session.execute(select(RealisasiTahap.usulan_id, func.count()).where(
        RealisasiTahap.tenant_id == siklus.tenant_id).group_by(RealisasiTahap.usulan_id)).all())
    photos = dict(db.session.execute(select(RealisasiFoto.usulan_id, func.count()).where(
        RealisasiFoto.tenant_id == siklus.tenant_id).group_by(RealisasiFoto.usulan_id)).all())
    records = _records(siklus)
    for item in rows:
        record = records.get(item.usulan_id)
        code, name = names.get(item.perangkat_daerah_id, (None, None))
        yield [item.kode_lacak, siklus.tahun, code, name,
               ".".join(item.lokasi_kode.split(".")[:3]) if item.lokasi_kode else None, item.plan, item.funded,
               item.status, str(STATUS_LABELS[item.status]) if item.status else None,
               record.alasan if record else None, item.progres if record else None,
               item.realised if record else None, record.kontrak_nomor if record else None,
               _day(record.kontrak_tanggal) if record else None, record.kontrak_nilai if record else None,
               _day(record.kontrak_akhir) if record else None, _day(item.terakhir),
               steps.get(item.usulan_id, 0), photos.get(item.usulan_id, 0), item.late]


def _records(siklus) -> dict:
    from .models import Realisasi

    return {r.usulan_id: r for r in db.session.scalars(select(Realisasi).where(
        Realisasi.tenant_id == siklus.tenant_id, Realisasi.siklus_id == siklus.id))}


def temuan_rows(siklus, cycle):
    """Every finding of the reconciliation (TEMUAN_COLUMNS order); none before the RKPD is set."""
    from flask import url_for

    from ..budgeting import reconciliation

    if siklus.status != "rkpd_ditetapkan":
        return
    for f in reconciliation.reconcile(siklus).findings:
        yield [f.kind, str(reconciliation.KIND_LABELS[f.kind]), siklus.tahun, f.external_id, f.kode_lacak,
               f.perangkat_daerah_kode, f.perangkat_daerah_nama, f.sub_kegiatan_kode, f.uraian, f.jumlah, f.pagu,
               f.selisih, url_for("portal.track", kode=f.kode_lacak, _external=True) if f.kode_lacak and f.usulan_id
               else None]


ROWS = {"realisasi": realisasi_rows, "temuan": temuan_rows}

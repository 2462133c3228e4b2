"""Open data: every proposal and every decision of a cycle as CSV and JSON, streamed.

The column lists below are the single source of the files and of the data dictionary on
the download page. Codes stay the documented keys (``status``, ``bidang``, ``sumber``,
``keputusan``), for programs; a ``..._nama`` column beside each gives its label, for people. Personal data never enters a file: no phone, no NIK, no account names;
the proposer's name is masked; coordinates are rounded to about 100 m.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import workflow
from ..accounts.models import PerangkatDaerah, User
from ..exports.cells import csv_row, csv_writer
from ..exports.labels import action_label, bidang_label, source_label, status_label
from ..extensions import db
from ..kamus.models import KamusUsulan
from ..tenancy.context import tenant_config
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah
from .privacy import mask_name

#: The region's licence for its open data (the default; a setting can make it configurable).
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
YIELD_PER = 1000
COORDINATE_DECIMALS = 3


@dataclass(frozen=True)
class Column:
    name: str
    type: str          # text | integer | number | datetime
    description: object


USULAN_COLUMNS = (
    Column("kode_lacak", "text", _l("Public tracking code of the proposal, e.g. MDN-2027-000123.")),
    Column("tahun", "integer", _l("Budget year of the cycle (RKPD year).")),
    Column("sumber", "text", _l("Where it was proposed: lingkungan, kelurahan, kecamatan, pd, pokir or bappeda.")),
    Column("sumber_nama", "text", _l("The source as people name it (Rembuk Warga, Pokir DPRD ...), in the portal's language.")),
    Column("dapil", "text", _l("DPRD electoral district, for Pokir.")),
    Column("pengusul", "text", _l("Proposer's name, masked: first letter of each word.")),
    Column("bidang", "text", _l("Development field: ekonomi, sosial_budaya or fisik_prasarana.")),
    Column("bidang_nama", "text", _l("The development field's name (Sosial budaya ...), in the portal's language.")),
    Column("permasalahan", "text", _l("The problem, as proposed.")),
    Column("usulan_kegiatan", "text", _l("The proposed activity.")),
    Column("kamus_kode", "text", _l("Code of the catalogue item (kamus usulan), if any.")),
    Column("kamus_nama", "text", _l("Name of the catalogue item.")),
    Column("volume", "number", _l("Volume, in the unit of the next column.")),
    Column("satuan", "text", _l("Unit of the volume (m, unit, paket ...).")),
    Column("harga_satuan", "integer", _l("Unit price, whole rupiah.")),
    Column("total", "integer", _l("Volume times unit price, whole rupiah.")),
    Column("kecamatan_kode", "text", _l("Kemendagri code of the kecamatan of the location.")),
    Column("kecamatan_nama", "text", _l("Name of that kecamatan.")),
    Column("lokasi_kode", "text", _l("Code of the unit where the work is (kecamatan, village or neighbourhood).")),
    Column("lokasi_nama", "text", _l("Name of that unit.")),
    Column("jalan", "text", _l("Street.")),
    Column("lat", "number", _l("Latitude, rounded to 3 decimals (about 100 m).")),
    Column("lng", "number", _l("Longitude, rounded to 3 decimals (about 100 m).")),
    Column("tahapan", "text", _l("Key of the stage the proposal is at now.")),
    Column("tahapan_nama", "text", _l("Name of that stage.")),
    Column("status", "text", _l("Status at that stage: belum_dibahas, diperiksa, diterima, diterima_dengan_perubahan, ditolak, dana_desa, didanai, tidak_didanai.")),
    Column("status_nama", "text", _l("The status as the pages show it (diterima dengan perubahan ...), in the portal's language.")),
    Column("alasan", "text", _l("Reason of the latest decision (required for a rejection or a change).")),
    Column("prioritas", "integer", _l("Priority order given by the deciding forum.")),
    Column("skor", "number", _l("Weighted score of the kecamatan or agency criteria.")),
    Column("perangkat_daerah_kode", "text", _l("Code of the responsible agency (Perangkat Daerah).")),
    Column("perangkat_daerah_nama", "text", _l("Name of that agency.")),
    Column("sub_kegiatan_kode", "text", _l("Sub kegiatan code (Permendagri 90/2019) the agency mapped it to.")),
    Column("pagu", "integer", _l("Planned amount (pagu) set by the agency, whole rupiah.")),
    Column("target", "text", _l("Output target.")),
    Column("indikator", "text", _l("Output indicator.")),
    Column("anggaran_jumlah", "integer", _l("Amount funded in the budget (APBD), whole rupiah; empty if not (yet) funded.")),
    Column("dibuat", "datetime", _l("When it was entered, ISO 8601 in the region's local time.")),
)

KEPUTUSAN_COLUMNS = (
    Column("kode_lacak", "text", _l("Tracking code of the proposal (joins to usulan).")),
    Column("tahun", "integer", _l("Budget year of the cycle (RKPD year).")),
    Column("urutan", "integer", _l("Order of the decision within its proposal, from 1.")),
    Column("tahapan", "text", _l("Key of the stage the decision was made at.")),
    Column("tahapan_nama", "text", _l("Name of that stage.")),
    Column("keputusan", "text", _l("What happened: buat (entered), survei_selesai, kirim (sent on), diterima, diterima_dengan_perubahan, ditolak, dana_desa, rute (routed), alihkan (handed over), periksa, tetapkan (set in the RKPD), tidak_diteruskan (stayed), didanai, tidak_didanai.")),
    Column("keputusan_nama", "text", _l("What happened, as the pages say it (survei selesai, kirim ...), in the portal's language.")),
    Column("alasan", "text", _l("Reason given with the decision.")),
    Column("oleh_jenis", "text", _l("Who decided, by office: wilayah (a unit), perangkat_daerah (an agency), bappeda, dprd or setwan.")),
    Column("oleh_kode", "text", _l("Code of the unit or agency that decided.")),
    Column("oleh_nama", "text", _l("Name of the unit or agency that decided.")),
    Column("waktu", "datetime", _l("When, ISO 8601 in the region's local time.")),
)

DATASETS = {"usulan": USULAN_COLUMNS, "keputusan": KEPUTUSAN_COLUMNS}

#: The published checkpoints of the audit trail (one file per region, not per cycle).
CHECKPOINT_COLUMNS = (
    Column("day", "date", _l("UTC day the checkpoint was taken.")),
    Column("seq", "integer", _l("Number of history entries of the region up to then: the place of the latest entry in the chain.")),
    Column("entry_hash", "text", _l("SHA-256 (hex) of that entry; it depends on every entry before it.")),
    Column("taken_at", "datetime", _l("When the checkpoint was taken, ISO 8601 in UTC.")),
)


def _local(moment, zone: ZoneInfo) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).isoformat(timespec="seconds")


def _number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _coordinate(value):
    return None if value is None else float(round(Decimal(value), COORDINATE_DECIMALS))


class _Labels(dict):
    """key -> label, each looked up (translated) once per file."""

    def __init__(self, label):
        super().__init__()
        self.label = label

    def __missing__(self, key):
        value = self[key] = self.label(key) or None
        return value


def usulan_rows(siklus, cycle: workflow.Cycle):
    """One list of values per proposal (USULAN_COLUMNS order), fetched YIELD_PER at a time."""
    zone = ZoneInfo(tenant_config().timezone)
    stages = {s.key: s.name for s in cycle.stages}
    kecamatan = dict(db.session.execute(select(Wilayah.kode, Wilayah.nama).where(
        Wilayah.tenant_id == siklus.tenant_id, Wilayah.tingkat == 1)).all())
    statement = (
        select(Usulan.kode_lacak, Usulan.sumber, Usulan.dapil, Usulan.pengusul_nama, Usulan.bidang,
               Usulan.permasalahan, Usulan.usulan_kegiatan, KamusUsulan.kode, KamusUsulan.nama,
               Usulan.volume, Usulan.satuan, Usulan.harga_satuan, Usulan.total, Usulan.lokasi_kode,
               Wilayah.nama, Usulan.jalan, Usulan.lat, Usulan.lng, Usulan.tahapan, Usulan.status,
               Usulan.alasan, Usulan.prioritas, Usulan.skor, PerangkatDaerah.kode,
               PerangkatDaerah.nama, Usulan.sub_kegiatan_kode, Usulan.pagu, Usulan.target,
               Usulan.indikator, Usulan.anggaran_jumlah, Usulan.created_at)
        .outerjoin(KamusUsulan, KamusUsulan.id == Usulan.kamus_id)
        .outerjoin(Wilayah, Wilayah.id == Usulan.lokasi_wilayah_id)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id)
        .order_by(Usulan.id))
    sources, fields, statuses = _Labels(source_label), _Labels(bidang_label), _Labels(status_label)
    for r in db.session.execute(statement, execution_options={"yield_per": YIELD_PER}):
        (kode, sumber, dapil, nama, bidang, masalah, kegiatan, kamus_kode, kamus_nama, volume,
         satuan, harga, total, lokasi, lokasi_nama, jalan, lat, lng, tahapan, status, alasan,
         prioritas, skor, pd_kode, pd_nama, sub_kegiatan, pagu, target, indikator, anggaran,
         dibuat) = r
        kec = ".".join(lokasi.split(".")[:3]) if lokasi else None
        yield [kode, siklus.tahun, sumber, sources[sumber], dapil, mask_name(nama) or None, bidang,
               fields[bidang], masalah, kegiatan,
               kamus_kode, kamus_nama, _number(volume), satuan, harga, total, kec,
               kecamatan.get(kec), lokasi, lokasi_nama, jalan, _coordinate(lat), _coordinate(lng),
               tahapan, stages.get(tahapan, tahapan), status, statuses[status], alasan, prioritas, _number(skor),
               pd_kode, pd_nama, sub_kegiatan, pagu, target, indikator, anggaran, _local(dibuat, zone)]


def keputusan_rows(siklus, cycle: workflow.Cycle):
    """One list of values per decision (KEPUTUSAN_COLUMNS order): offices, never persons."""
    zone = ZoneInfo(tenant_config().timezone)
    stages = {s.key: s.name for s in cycle.stages}
    statement = (
        select(Keputusan.usulan_id, Usulan.kode_lacak, Keputusan.tahapan, Keputusan.keputusan,
               Keputusan.alasan, Wilayah.kode, Wilayah.nama, PerangkatDaerah.kode,
               PerangkatDaerah.nama, User.role, Keputusan.created_at)
        .join(Usulan, Usulan.id == Keputusan.usulan_id)
        .outerjoin(Wilayah, Wilayah.id == Keputusan.oleh_wilayah_id)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Keputusan.oleh_perangkat_daerah_id)
        .outerjoin(User, User.id == Keputusan.user_id)
        .where(Keputusan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id)
        .order_by(Keputusan.usulan_id, Keputusan.id))
    current, order = None, 0
    actions = _Labels(action_label)
    for r in db.session.execute(statement, execution_options={"yield_per": YIELD_PER}):
        usulan_id, kode, tahapan, keputusan, alasan, w_kode, w_nama, pd_kode, pd_nama, role, at = r
        order = order + 1 if usulan_id == current else 1
        current = usulan_id
        if w_kode:
            by = ("wilayah", w_kode, w_nama)
        elif pd_kode:
            by = ("perangkat_daerah", pd_kode, pd_nama)
        elif role in ("bappeda", "dprd", "setwan"):
            by = (role, None, {"bappeda": "Bappeda", "dprd": "DPRD", "setwan": "Sekretariat DPRD"}[role])
        else:
            by = (None, None, None)
        yield [kode, siklus.tahun, order, tahapan, stages.get(tahapan, tahapan), keputusan, actions[keputusan],
               alasan,
               *by, _local(at, zone)]


# ---- the two formats ------------------------------------------------------------------------

def csv_stream(columns, rows, batch: int = 500):
    """UTF-8 CSV with a header row, written and sent a few hundred rows at a time; text
    cells quoted and formula-safe for either separator (exports/cells.py)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([c.name for c in columns])
    count = 0
    for row in rows:
        writer.writerow(csv_row(row))
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_stream(dataset: str, columns, rows, siklus):
    """One JSON object: what the file is, its licence, then ``data``, one object per row."""
    config = tenant_config()
    head = {"dataset": dataset, "region": config.name, "region_code": config.code,
            "tahun": siklus.tahun, "licence": LICENCE, "licence_url": LICENCE_URL,
            "columns": [c.name for c in columns]}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "data": ['
    names = [c.name for c in columns]
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(dict(zip(names, row)), ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


# The execution and the reconciliation's findings (realisasi/opendata.py), beside the above.
from ..realisasi import opendata as _execution  # noqa: E402  (defined there, published here)

DATASETS.update(_execution.DATASETS)
ROWS = {"usulan": usulan_rows, "keputusan": keputusan_rows, **_execution.ROWS}

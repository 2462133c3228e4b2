"""The SIPD-ready export: the proposals, the Pokir and the RKPD sub kegiatan lines of a cycle
in the layout of SIPD-RI's records as regions mirror them, so that an operator imports or
copies them instead of typing everything twice. docs/integration.md lists every column:
which of our fields fills it, and what SIPD asks that this system does not hold (left empty).

Three layouts (``JENIS``): ``usulan`` (Musrenbang proposals, with the recommendation and
budget of each reviewing level), ``pokir`` (the council's Pokir, the same plus the member and
dapil) and ``rkpd`` (one line per agency and sub kegiatan of the set plan: the codes from
urusan down, pagu, funding sources with amounts, locations, output indicators). A fixed
number of queries, whatever the number of items.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.models import PerangkatDaerah, User
from ..budgeting.export import plan_clause
from ..exports.cells import csv_row, csv_writer
from ..exports.excel import Column
from ..extensions import db
from ..kamus.models import KamusUsulan, Nomenklatur
from ..money import format_volume
from ..usulan.engine_adapter import cycle_for
from ..usulan.models import Keputusan, Lampiran, Usulan
from ..wilayah.models import Wilayah
from .models import IndikatorKeluaran, SumberDana

JENIS = ("usulan", "pokir", "rkpd")
#: Stage kind -> the reviewing level SIPD names a recommendation by.
LEVEL_OF_KIND = {"musrenbang_desa": "lurah", "musrenbang_kelurahan": "lurah", "musrenbang_kecamatan": "camat",
                 "forum_pd": "opd", "musrenbang_rkpd": "bappeda", "penetapan_rkpd": "bappeda",
                 "penganggaran": "tapd"}
LEVELS = ("lurah", "camat", "opd", "bappeda", "tapd")


@dataclass(frozen=True)
class Field:
    key: str
    kind: str = "text"   # text, int, rupiah, decimal
    width: float | None = None


PROPOSAL_FIELDS = (
    Field("kode_lacak", width=18), Field("tahun", "int"), Field("sumber"), Field("masalah", width=40),
    Field("gagasan", width=40), Field("kamus_usulan", width=30), Field("volume", "decimal"),
    Field("koefisien"), Field("satuan"), Field("harga_satuan", "rupiah"), Field("anggaran", "rupiah"),
    Field("kecamatan", width=20), Field("kelurahan", width=20), Field("alamat", width=30),
    Field("latitude"), Field("longitude"), Field("jumlah_foto", "int"), Field("tautan_foto", width=40),
    Field("surat_pengantar"),
    *[f for level in LEVELS for f in (Field(f"rekomendasi_{level}", width=20),
                                      Field(f"anggaran_{level}", "rupiah"),
                                      Field(f"keterangan_{level}", width=30))],
    Field("perangkat_daerah", width=30), Field("sub_kegiatan_kode", width=20),
)
POKIR_FIELDS = PROPOSAL_FIELDS[:3] + (Field("anggota_dprd", width=24), Field("fraksi"), Field("dapil"),
                                      Field("reses")) + PROPOSAL_FIELDS[3:]
RKPD_FIELDS = (
    Field("tahun", "int"), Field("kode_urusan"), Field("kode_bidang_urusan"), Field("kode_program"),
    Field("kode_kegiatan"), Field("kode_sub_kegiatan", width=20), Field("nama_sub_kegiatan", width=36),
    Field("kode_skpd", width=16), Field("nama_skpd", width=30), Field("sub_unit"),
    Field("pagu_n_minus_1", "rupiah"), Field("pagu", "rupiah"), Field("pagu_n_plus_1", "rupiah"),
    Field("sumber_dana", width=36), Field("lokasi", width=40), Field("indikator_keluaran", width=40),
    Field("target_keluaran", width=24), Field("jumlah_usulan", "int"), Field("kode_lacak", width=40),
)
FIELDS = {"usulan": PROPOSAL_FIELDS, "pokir": POKIR_FIELDS, "rkpd": RKPD_FIELDS}


def columns(jenis: str) -> list[Column]:
    return [Column(f.key, f.kind, f.width) for f in FIELDS[jenis]]


# ---- the rows -------------------------------------------------------------------------------

def _units(tenant_id: int) -> dict[str, str]:
    return dict(db.session.execute(select(Wilayah.kode, Wilayah.nama).where(Wilayah.tenant_id == tenant_id)).all())


def _names_along(code: str | None, units: dict[str, str]) -> tuple[str | None, str | None]:
    """(kecamatan, kelurahan/desa) names of a location code."""
    if not code:
        return None, None
    parts = code.split(".")
    kecamatan = units.get(".".join(parts[:3])) if len(parts) >= 3 else None
    kelurahan = units.get(".".join(parts[:4])) if len(parts) >= 4 else None
    return kecamatan, kelurahan


def proposal_rows(siklus, jenis: str, base_url: str = "") -> list[dict]:
    """The Musrenbang proposals (``usulan``) or the Pokir (``pokir``) of the cycle."""
    cycle = cycle_for(siklus)
    kinds = {stage.key: stage.kind for stage in cycle.stages}
    units = _units(siklus.tenant_id)
    pokir = jenis == "pokir"
    query = (select(Usulan, KamusUsulan.nama.label("kamus"), PerangkatDaerah.nama.label("pd"),
                    User.nama.label("anggota"))
             .outerjoin(KamusUsulan, KamusUsulan.id == Usulan.kamus_id)
             .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
             .outerjoin(User, User.id == Usulan.dprd_user_id)
             .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
                    (Usulan.sumber == "pokir") if pokir else (Usulan.sumber != "pokir"))
             .order_by(Usulan.kode_lacak))
    found = db.session.execute(query).all()
    ids = [row.Usulan.id for row in found]
    decisions: dict[int, dict] = {}
    photos: dict[int, int] = {}
    if ids:
        for row in db.session.execute(select(Keputusan.usulan_id, Keputusan.tahapan, Keputusan.keputusan,
                                             Keputusan.alasan)
                                      .where(Keputusan.tenant_id == siklus.tenant_id, Keputusan.usulan_id.in_(ids))
                                      .order_by(Keputusan.id)):
            level = LEVEL_OF_KIND.get(kinds.get(row.tahapan))
            if level and row.keputusan not in ("kirim", "buat"):
                decisions.setdefault(row.usulan_id, {})[level] = (row.keputusan, row.alasan)
        photos = dict(db.session.execute(select(Lampiran.usulan_id, func.count()).where(
            Lampiran.tenant_id == siklus.tenant_id, Lampiran.usulan_id.in_(ids), Lampiran.jenis == "foto")
            .group_by(Lampiran.usulan_id)).all())
    dapil_names = {}
    if pokir:
        from ..tenancy.context import tenant_config

        dapil_names = {d.code: d.name for d in tenant_config().dapil}
    out = []
    for row in found:
        u = row.Usulan
        kecamatan, kelurahan = _names_along(u.lokasi_kode, units)
        record = {
            "kode_lacak": u.kode_lacak, "tahun": siklus.tahun, "sumber": u.sumber, "masalah": u.permasalahan,
            "gagasan": u.usulan_kegiatan, "kamus_usulan": row.kamus, "volume": u.volume, "koefisien": None,
            "satuan": u.satuan, "harga_satuan": u.harga_satuan, "anggaran": u.total, "kecamatan": kecamatan,
            "kelurahan": kelurahan, "alamat": ", ".join(x for x in (u.jalan, u.lokasi_detail) if x) or None,
            "latitude": str(u.lat) if u.lat is not None else None,
            "longitude": str(u.lng) if u.lng is not None else None,
            "jumlah_foto": photos.get(u.id, 0), "tautan_foto": f"{base_url}/lacak/{u.kode_lacak}",
            "surat_pengantar": None, "perangkat_daerah": row.pd, "sub_kegiatan_kode": u.sub_kegiatan_kode,
        }
        amounts = {"lurah": u.total, "camat": u.total, "opd": u.pagu, "bappeda": u.pagu, "tapd": u.anggaran_jumlah}
        for level in LEVELS:
            decided = decisions.get(u.id, {}).get(level)
            record[f"rekomendasi_{level}"] = decided[0] if decided else None
            record[f"keterangan_{level}"] = decided[1] if decided else None
            record[f"anggaran_{level}"] = amounts[level] if decided and decided[0] in (
                "diterima", "diterima_dengan_perubahan", "tetapkan", "didanai") else None
        if pokir:
            record.update({"anggota_dprd": row.anggota, "fraksi": None,
                           "dapil": dapil_names.get(u.dapil or "", u.dapil), "reses": None})
        out.append(record)
    return out


def _code_parts(code: str | None) -> tuple:
    """urusan, bidang urusan, program, kegiatan codes of a sub kegiatan code."""
    if not code:
        return (None,) * 4
    parts = code.split(".")
    return (parts[0], ".".join(parts[:2]), ".".join(parts[:3]), ".".join(parts[:5]))


def rkpd_rows(siklus) -> list[dict]:
    """One line per agency and sub kegiatan of the set plan."""
    cycle = cycle_for(siklus)
    units = _units(siklus.tenant_id)
    found = db.session.execute(
        select(Usulan.id, Usulan.kode_lacak, Usulan.sub_kegiatan_kode, Usulan.lokasi_kode, Usulan.pagu, Usulan.total,
               Usulan.indikator, Usulan.target, PerangkatDaerah.kode.label("pd_kode"),
               PerangkatDaerah.nama.label("pd_nama"))
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .where(*plan_clause(siklus, cycle)).order_by(PerangkatDaerah.kode, Usulan.sub_kegiatan_kode,
                                                     Usulan.kode_lacak)).all()
    ids = [row.id for row in found]
    sources: dict[int, list] = {}
    indicators: dict[int, tuple] = {}
    if ids:
        for row in db.session.execute(select(SumberDana.usulan_id, SumberDana.sumber, SumberDana.jumlah).where(
                SumberDana.tenant_id == siklus.tenant_id, SumberDana.usulan_id.in_(ids))):
            sources.setdefault(row.usulan_id, []).append((row.sumber, int(row.jumlah)))
        for row in db.session.execute(select(IndikatorKeluaran).where(
                IndikatorKeluaran.tenant_id == siklus.tenant_id, IndikatorKeluaran.usulan_id.in_(ids))):
            indicator = row[0]
            indicators[indicator.usulan_id] = (indicator.indikator, indicator.target, indicator.satuan)
    names = dict(db.session.execute(select(Nomenklatur.kode, Nomenklatur.nama).where(
        Nomenklatur.tenant_id == siklus.tenant_id, Nomenklatur.tingkat == "sub_kegiatan")).all())
    groups: OrderedDict = OrderedDict()
    for row in found:
        key = (row.pd_kode, row.sub_kegiatan_kode)
        group = groups.setdefault(key, {"row": row, "pagu": 0, "sources": {}, "places": [], "indicators": {},
                                        "codes": []})
        group["pagu"] += int(row.pagu if row.pagu is not None else row.total)
        for name, amount in sources.get(row.id, []):
            group["sources"][name] = group["sources"].get(name, 0) + amount
        kecamatan, kelurahan = _names_along(row.lokasi_kode, units)
        place = ", ".join(x for x in (kelurahan, kecamatan) if x)
        if place and place not in group["places"]:
            group["places"].append(place)
        if row.id in indicators:
            text, target, unit = indicators[row.id]
            group["indicators"][(text, unit)] = group["indicators"].get((text, unit), 0) + target
        elif row.indikator or row.target:
            group["indicators"].setdefault((row.indikator or "", row.target or ""), None)
        group["codes"].append(row.kode_lacak)
    out = []
    for (pd_kode, sub), group in groups.items():
        urusan, bidang, program, kegiatan = _code_parts(sub)
        indicator_texts, target_texts = [], []
        for (text, unit), target in group["indicators"].items():
            indicator_texts.append(text)
            target_texts.append(f"{format_volume(target)} {unit}" if target is not None else unit)
        out.append({
            "tahun": siklus.tahun, "kode_urusan": urusan, "kode_bidang_urusan": bidang, "kode_program": program,
            "kode_kegiatan": kegiatan, "kode_sub_kegiatan": sub, "nama_sub_kegiatan": names.get(sub),
            "kode_skpd": pd_kode, "nama_skpd": group["row"].pd_nama, "sub_unit": None, "pagu_n_minus_1": None,
            "pagu": group["pagu"], "pagu_n_plus_1": None,
            "sumber_dana": "; ".join(f"{name}: {amount}" for name, amount in group["sources"].items()) or None,
            "lokasi": "; ".join(group["places"]) or None,
            "indikator_keluaran": "; ".join(t for t in indicator_texts if t) or None,
            "target_keluaran": "; ".join(t for t in target_texts if t) or None,
            "jumlah_usulan": len(group["codes"]), "kode_lacak": " ".join(group["codes"]),
        })
    return out


def rows(siklus, jenis: str, base_url: str = "") -> list[dict]:
    return rkpd_rows(siklus) if jenis == "rkpd" else proposal_rows(siklus, jenis, base_url)


def to_csv(jenis: str, records: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    keys = [f.key for f in FIELDS[jenis]]
    writer.writerow(keys)
    for record in records:
        writer.writerow(csv_row(format_volume(v) if k == "volume" and v is not None else v
                                for k, v in ((k, record.get(k)) for k in keys)))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_table(jenis: str, records: list[dict]):
    keys = [f.key for f in FIELDS[jenis]]
    return ([record.get(k) for k in keys] for record in records)

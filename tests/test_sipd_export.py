"""The SIPD-ready export: proposals, Pokir and RKPD sub kegiatan lines in SIPD-RI's layout, as
CSV, Excel and JSON, every column of docs/integration.md, funding sources with amounts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook

from eplanning_core.realisasi import operations, sipd

ROOT = Path(__file__).resolve().parent.parent


def _fund_road(rkpd, region):
    road = rkpd["road"]
    plan = operations.read_plan(road, {"sumber_0": "PAD", "jumlah_0": "40.000.000", "sumber_1": "DAK",
                                       "jumlah_1": "20000000", "indikator": "Panjang jalan diaspal", "target": "150",
                                       "satuan": "m"})
    operations.save_plan(road, region["users"]["pu"], plan)
    return road


def test_the_rkpd_lines_carry_codes_funding_sources_and_indicators(rkpd, region):
    road = _fund_road(rkpd, region)
    lines = sipd.rows(rkpd["siklus"], "rkpd")
    line = next(r for r in lines if road.kode_lacak in r["kode_lacak"].split())
    assert (line["kode_urusan"], line["kode_bidang_urusan"], line["kode_program"], line["kode_kegiatan"],
            line["kode_sub_kegiatan"], line["nama_sub_kegiatan"]) == (
        "1", "1.03", "1.03.10", "1.03.10.2.01", "1.03.10.2.01.0005", "Pembangunan Jalan")
    assert line["kode_skpd"] == "1.03.01" and "PAD: 40000000" in line["sumber_dana"]
    assert "DAK: 20000000" in line["sumber_dana"] and "Panjang jalan diaspal" in line["indikator_keluaran"]
    assert "150 m" in line["target_keluaran"] and "Pasar Baru" in line["lokasi"]
    assert line["pagu"] == sum(int(r["pagu"]) for r in lines if r is line)
    assert line["pagu_n_minus_1"] is None and line["sub_unit"] is None  # what SIPD asks and we do not hold


def test_proposals_and_pokir_carry_each_levels_recommendation(rkpd, region):
    proposals = {r["kode_lacak"]: r for r in sipd.rows(rkpd["siklus"], "usulan")}
    road = proposals[rkpd["road"].kode_lacak]
    assert road["masalah"] and road["gagasan"] == rkpd["road"].usulan_kegiatan
    assert (road["kecamatan"], road["kelurahan"]) == ("Medan Kota", "Pasar Baru")
    assert road["rekomendasi_lurah"] == "diterima" and road["rekomendasi_camat"] == "diterima"
    assert road["rekomendasi_opd"] == "diterima" and road["anggaran_opd"] == 60_000_000
    pokir = {r["kode_lacak"]: r for r in sipd.rows(rkpd["siklus"], "pokir")}
    assert rkpd["pokir"].kode_lacak in pokir and rkpd["pokir"].kode_lacak not in proposals
    assert pokir[rkpd["pokir"].kode_lacak]["dapil"] == "Medan 1"
    assert pokir[rkpd["pokir"].kode_lacak]["anggota_dprd"] == "Uji dprd1"


def test_downloads_csv_excel_and_the_api(rkpd, region, as_user):
    _fund_road(rkpd, region)
    client = as_user("admin")
    response = client.get("/realisasi/sipd/2027.csv?jenis=rkpd")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [f.key for f in sipd.RKPD_FIELDS] and len(rows) >= 2
    book = load_workbook(io.BytesIO(client.get("/realisasi/sipd/2027.xlsx?jenis=usulan").data))
    assert [c.value for c in book.active[1]][:3] == ["kode_lacak", "tahun", "sumber"]
    assert client.get("/realisasi/sipd/2027.csv?jenis=nothing").status_code == 404
    assert client.get("/realisasi/sipd/2031.csv?jenis=rkpd").status_code == 404


def test_only_bappeda_and_readers_export(rkpd, as_user):
    assert as_user("pu").get("/realisasi/sipd/2027.csv?jenis=rkpd").status_code == 403


def test_docs_describe_every_sipd_column():
    text = (ROOT / "docs" / "integration.md").read_text(encoding="utf-8")
    section = text.split("## 6. SIPD-ready export", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_0-9]+)` \|", section, re.M))
    expected = {f.key for fields in sipd.FIELDS.values() for f in fields}
    assert expected <= documented, sorted(expected - documented)

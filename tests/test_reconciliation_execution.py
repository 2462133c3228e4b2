"""Reconciliation to the end: beside the budget findings, the execution's. Funded items with no
execution record after the region's date, realised above funded, completed without a photo,
progress reported after the budget year without a reason; each links to its item and is on
the reconciliation page, in its Excel file and in the API."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from support.budget import bulk_planned

from eplanning_core.budgeting import reconciliation
from eplanning_core.extensions import db
from eplanning_core.realisasi import operations
from eplanning_core.usulan.models import Usulan

EXECUTION_KINDS = ("tanpa_realisasi", "realisasi_melebihi", "selesai_tanpa_foto", "terlambat_tanpa_alasan")


@pytest.fixture
def executed(siklus, region, clock):
    """Twelve funded items of a set RKPD 2027, reported on by the agency through 2027, and
    looked at in January 2028 (after the record deadline, 31 March 2027, and the year's end)."""
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    db.session.commit()
    codes = bulk_planned(siklus, region, 12, status="didanai", anggaran_jumlah=9_000_000)
    items = {u.kode_lacak: u for u in db.session.scalars(select(Usulan).where(Usulan.kode_lacak.in_(codes)))}
    items = [items[c] for c in codes]
    pu = region["users"]["pu"]
    clock.set_local("2027-12-20T09:00")
    for i, item in enumerate(items[:8]):  # 8 items with a record, 4 (8..11) without
        operations.record_milestone(item, pu, operations.read_milestone(
            {"tanggal": "2027-06-30", "progres": "60", "realisasi_jumlah": "5000000"}))
    # realised above funded (items 0 and 1)
    for item in items[:2]:
        operations.record_milestone(item, pu, operations.read_milestone(
            {"tanggal": "2027-11-30", "progres": "90", "realisasi_jumlah": "9.500.000"}))
    # completed without a photo (item 2, 3); 4 is completed too but, as the test adds, with a photo
    for item in items[2:5]:
        operations.record_milestone(item, pu, operations.read_milestone(
            {"tanggal": "2027-12-15", "progres": "100", "realisasi_jumlah": "8900000", "status": "selesai",
             "alasan": "Serah terima pekerjaan"}))
    clock.set_local("2028-01-20T09:00")
    # progress after the budget year: item 5 without a reason, item 6 with one
    operations.record_milestone(items[5], pu, operations.read_milestone(
        {"tanggal": "2028-01-10", "progres": "95", "realisasi_jumlah": "8000000"}))
    operations.record_milestone(items[6], pu, operations.read_milestone(
        {"tanggal": "2028-01-10", "progres": "95", "realisasi_jumlah": "8000000",
         "alasan_terlambat": "Addendum waktu karena banjir"}))
    return items


def _photo(item, region, png):
    """A completed item's photo, through the operation (a milestone with a photo)."""
    import io

    from werkzeug.datastructures import FileStorage

    operations.record_milestone(item, region["users"]["pu"], operations.read_milestone(
        {"tanggal": "2027-12-16", "progres": "100", "realisasi_jumlah": "8900000", "status": "selesai",
         "alasan": "Serah terima"}), photos=[FileStorage(io.BytesIO(png), "foto.png")])


@pytest.fixture
def png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_new_findings_on_generated_data(executed, siklus, region, png):
    _photo(executed[4], region, png)
    report = reconciliation.reconcile(siklus)
    found = {kind: sorted(f.kode_lacak for f in report.findings if f.kind == kind) for kind in EXECUTION_KINDS}
    codes = [u.kode_lacak for u in executed]
    assert found == {"tanpa_realisasi": sorted(codes[8:]), "realisasi_melebihi": sorted(codes[:2]),
                     "selesai_tanpa_foto": sorted(codes[2:4]), "terlambat_tanpa_alasan": [codes[5]]}
    above = next(f for f in report.findings if f.kind == "realisasi_melebihi")
    assert (above.jumlah, above.pagu, above.selisih) == (9_500_000, 9_000_000, 500_000)
    assert all(f.riwayat_url == f"/usulan/{f.usulan_id}" for f in report.findings if f.kind in EXECUTION_KINDS)
    assert report.counts()["tanpa_realisasi"] == 4


def test_no_missing_record_finding_before_the_regions_date(siklus, region, clock):
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    db.session.commit()
    bulk_planned(siklus, region, 2, status="didanai", anggaran_jumlah=1_000_000)
    clock.set_local("2027-03-30T09:00")  # the default deadline is 31 March of the budget year
    assert reconciliation.reconcile(siklus).counts()["tanpa_realisasi"] == 0
    clock.set_local("2027-04-01T09:00")
    assert reconciliation.reconcile(siklus).counts()["tanpa_realisasi"] == 2


def test_the_findings_are_on_the_page_in_the_file_and_in_the_api(executed, siklus, region, as_user):
    from io import BytesIO

    from openpyxl import load_workbook

    client = as_user("admin")
    page = client.get("/anggaran/2027/rekonsiliasi?jenis=terlambat_tanpa_alasan").get_data(as_text=True)
    assert executed[5].kode_lacak in page and executed[6].kode_lacak not in page
    book = load_workbook(BytesIO(client.get("/anggaran/2027/rekonsiliasi?jenis=realisasi_melebihi&format=xlsx").data))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert executed[0].kode_lacak in cells and executed[3].kode_lacak not in cells
    summary = client.get("/anggaran/2027").get_data(as_text=True)
    assert 'data-kind="selesai_tanpa_foto"' in summary


def test_the_execution_and_the_findings_are_open_data(executed, siklus, client):
    import csv
    import io
    import json
    from pathlib import Path

    from eplanning_core.realisasi.opendata import REALISASI_COLUMNS, TEMUAN_COLUMNS

    findings = list(csv.DictReader(io.StringIO(client.get("/publik/data/2027/temuan.csv").data.decode())))
    kinds = {row["jenis"] for row in findings}
    assert set(EXECUTION_KINDS) <= kinds
    late = next(row for row in findings if row["jenis"] == "terlambat_tanpa_alasan")
    assert late["kode_lacak"] == executed[5].kode_lacak and late["tautan"].endswith(f"kode={executed[5].kode_lacak}")
    body = json.loads(client.get("/publik/data/2027/realisasi.json").data)
    rows = {row["kode_lacak"]: row for row in body["data"]}
    assert len(rows) == 12 and rows[executed[2].kode_lacak]["status"] == "selesai"
    assert rows[executed[9].kode_lacak]["status"] is None and rows[executed[9].kode_lacak]["terlambat"] is True
    doc = (Path(__file__).resolve().parent.parent / "docs" / "open-data.md").read_text(encoding="utf-8")
    assert not [c.name for c in REALISASI_COLUMNS + TEMUAN_COLUMNS if f"| `{c.name}` |" not in doc]

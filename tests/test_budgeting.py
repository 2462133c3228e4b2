"""e-Budgeting: the locked RKPD out with its provenance, the APBD in (idempotent, all or
nothing), and the reconciliation that makes a budget line with no planning history visible."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert
from support.budget import HEADER, apbd_csv, budget_state, bulk_planned, count_rows
from support.jobs import finished_page
from support.web import csrf_token

from eplanning_core.audit.models import AuditEntry
from eplanning_core.budgeting import export, importer, reconciliation
from eplanning_core.budgeting.models import AnggaranBaris, AnggaranImpor
from eplanning_core.extensions import db
from eplanning_core.siklus.models import Siklus
from eplanning_core.tenancy.models import Tenant
from eplanning_core.usulan.models import Keputusan, Usulan


def _lock(siklus):
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    db.session.commit()


def _import(rkpd, region, data, *, final=False, name="apbd.csv"):
    return importer.import_file(rkpd["siklus"], region["users"]["admin"], data, name, final=final)


# ---- the RKPD out ---------------------------------------------------------------------------

def test_export_refuses_a_cycle_whose_rkpd_is_not_set(siklus, region, as_user):
    with pytest.raises(export.RkpdNotLocked):
        export.rkpd(siklus)
    with pytest.raises(export.RkpdNotLocked):
        reconciliation.reconcile(siklus)
    result = importer.import_file(siklus, region["users"]["admin"], b"x", "apbd.csv")
    assert not result.ok and result.problems[0].kind == "not_locked"
    client = as_user("admin")
    response = client.get("/anggaran/2027/rkpd.json")
    assert response.status_code == 303 and response.headers["Location"].endswith("/anggaran/2027")
    page = client.get("/anggaran/2027").get_data(as_text=True)
    assert 'id="not-locked"' in page and "2027" in page
    assert client.get("/anggaran/2027/rekonsiliasi").status_code == 303


def test_export_of_the_locked_rkpd_holds_the_provenance_of_every_line(rkpd, region, as_user):
    road, pokir = rkpd["road"], rkpd["pokir"]
    plan_ = export.rkpd(rkpd["siklus"])
    lines = {line["kode_lacak"]: line for line in plan_.lines}
    assert set(lines) == {road.kode_lacak, pokir.kode_lacak} | {u.kode_lacak for u in rkpd["extra"]}
    r = lines[road.kode_lacak]
    assert (r["sub_kegiatan_kode"], r["sub_kegiatan_nama"], r["perangkat_daerah_kode"], r["pagu"], r["target"]) == (
        "1.03.10.2.01.0005", "Pembangunan Jalan", "1.03.01", 60_000_000, "150 m")
    assert r["lokasi"] == {"kode": "12.71.01.1001.01", "nama": ["Medan Kota", "Pasar Baru", "Lingkungan I"]}
    assert r["asal"]["sumber"] == "lingkungan" and r["asal"]["wilayah_kode"] == "12.71.01.1001.01"
    assert r["asal"]["dprd_anggota"] is None
    steps = [(d["tahapan"], d["keputusan"], d["oleh"]) for d in r["keputusan"]]
    assert ("musrenbang_kelurahan", "diterima", "Kelurahan Pasar Baru") in steps
    assert ("musrenbang_kecamatan", "diterima", "Kecamatan Medan Kota") in steps
    assert ("forum_pd", "diterima", "Dinas Pekerjaan Umum") in steps
    assert ("musrenbang_rkpd", "diterima", "Bappeda") in steps
    assert steps[-1][:2] == ("penetapan_rkpd", "tetapkan") and all(d["waktu"] for d in r["keputusan"])
    p = lines[pokir.kode_lacak]
    assert p["asal"] == {"sumber": "pokir", "wilayah_kode": None, "wilayah_nama": None, "dprd_anggota": "Uji dprd1",
                         "dapil": "MDN-1", "dapil_nama": "Medan 1"}
    rejected = [d for d in p["keputusan"] if d["keputusan"] == "ditolak"]
    assert rejected and rejected[0]["alasan"] == "Sudah ada di program lain"
    client = as_user("admin")
    body = client.get("/anggaran/2027/rkpd.json")
    assert body.status_code == 200 and body.mimetype == "application/json"
    data = json.loads(body.data)
    assert data["tahun"] == 2027 and data["jumlah_baris"] == 5 and data["total_pagu"] == 120_000_000
    text = body.data.decode() + client.get("/anggaran/2027/rkpd.csv").data.decode("utf-8-sig")
    for secret in ("Siti Aminah", "1271010101010001", "0812-6000-1234", "Uji kel1", "Uji pu", "Uji admin"):
        assert secret not in text  # deciders by office, never a proposer's personal data
    rows = list(csv.DictReader(io.StringIO(client.get("/anggaran/2027/rkpd.csv").data.decode("utf-8-sig"))))
    row = next(x for x in rows if x["kode_lacak"] == pokir.kode_lacak)
    assert (row["dprd_anggota"], row["dapil"], row["pagu"]) == ("Uji dprd1", "MDN-1", "30000000")
    assert "Kelurahan Pasar Baru" in next(x for x in rows if x["kode_lacak"] == road.kode_lacak)["keputusan"]
    sheet = load_workbook(io.BytesIO(client.get("/anggaran/2027/rkpd.xlsx").data), read_only=True).active
    cells = list(sheet.iter_rows(values_only=True))
    assert len(cells) == 6 and any(c[0] == road.kode_lacak and c[6] == 60_000_000 for c in cells[1:])


# ---- the APBD in ----------------------------------------------------------------------------

def test_the_same_file_twice_changes_nothing_and_a_changed_line_is_history(rkpd, region):
    road, pokir, extra = rkpd["road"], rkpd["pokir"], rkpd["extra"]
    data = apbd_csv(f"A-1,{road.kode_lacak},1.03.01,1.03.10.2.01.05,Pengaspalan Jalan Sutomo,40.000.000",
                    f"A-2,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Drainase Jalan Sutomo,15000000",
                    f"A-3,{pokir.kode_lacak},1.03.01,1.03.10.2.01.0005,Lampu jalan,Rp 30.000.000",
                    f"A-4,{extra[0].kode_lacak},1.03.01,1.03.10.2.01.0005,Drainase,9000000")
    first = _import(rkpd, region, data)
    assert first.ok and first.already is None
    assert (first.created, first.updated, first.funded, first.not_funded) == (4, 0, 3, 0)
    db.session.expire_all()
    road_now = db.session.get(Usulan, road.id)
    assert (road_now.status, road_now.anggaran_jumlah) == ("didanai", 55_000_000)
    assert db.session.get(Usulan, extra[1].id).status == "belum_dibahas"  # not named, import not final
    line = db.session.scalar(db.select(AnggaranBaris).where(AnggaranBaris.external_id == "A-1"))
    assert (line.usulan_id, line.sub_kegiatan_kode, line.jumlah) == (road.id, "1.03.10.2.01.0005", 40_000_000)
    before = budget_state()
    again = _import(rkpd, region, data, name="apbd-lagi.csv")
    assert again.ok and again.already is not None and again.already.id == first.impor.id
    assert budget_state() == before
    changed = _import(rkpd, region, apbd_csv(f"A-1,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Pengaspalan Jalan Sutomo,"
                                             "45.000.000"))
    assert changed.ok and (changed.created, changed.updated, changed.unchanged, changed.funded) == (0, 1, 0, 1)
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).anggaran_jumlah == 60_000_000
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "anggaran.baris_ubah"))
    assert entry.object_id == line.id and entry.changes["jumlah"] == [40_000_000, 45_000_000]
    funded = db.session.scalars(db.select(Keputusan.keputusan).where(Keputusan.usulan_id == road.id)
                                .order_by(Keputusan.id)).all()
    assert funded[-2:] == ["didanai", "didanai"]
    assert count_rows(AnggaranBaris) == 4 and count_rows(AnggaranImpor) == 2


def test_a_bad_file_is_refused_whole_with_its_line_numbers(rkpd, region):
    road = rkpd["road"]
    before = budget_state()
    data = apbd_csv(f"B-1,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Jalan,40000000",
                    'B-2,,1.03.01,1.03.10.2.01.0005,Jalan,"40.000.000,50"',
                    "B-3,,9.99.99,1.03.10.2.01.0005,Jalan,1000",
                    "B-1,,1.03.01,1.03.10.2.01.0005,Jalan,1000",
                    "B-5,,1.03.01,1.03.10,Jalan,1000",
                    "B-6,,1.03.01,1.03.10.2.01.0005,,Rp 12.5")
    result = _import(rkpd, region, data)
    assert not result.ok
    assert [(p.line, p.kind) for p in result.problems] == [(3, "jumlah"), (4, "perangkat_daerah_unknown"),
                                                           (5, "duplicate"), (6, "sub_kegiatan_shape"),
                                                           (7, "uraian_empty"), (7, "jumlah")]
    assert "line 2" in str(result.problems[2].message) or "baris 2" in str(result.problems[2].message)
    assert budget_state() == before
    header = importer.import_file(rkpd["siklus"], region["users"]["admin"], b"external_id,jumlah\nX,1\n", "a.csv")
    assert [p.kind for p in header.problems] == ["header"]
    broken = _import(rkpd, region, apbd_csv("C-1,,1.03.01,1.03.10.2.01.0005,Jalan,1000", "C-2,,1.03.01,x,Jalan,1,2"))
    assert [(p.line, p.kind) for p in broken.problems] == [(3, "extra_values")]
    assert budget_state() == before


def test_after_the_budgeting_window_the_engine_refuses_and_nothing_is_written(rkpd, region, clock):
    clock.set_local("2027-01-05T09:00")  # Penganggaran closed at the end of 2026 (WIB)
    before = budget_state()
    result = _import(rkpd, region, apbd_csv(f"W-1,{rkpd['road'].kode_lacak},1.03.01,1.03.10.2.01.0005,Jalan,1000"))
    assert not result.ok and result.rule == "outside_window" and [p.kind for p in result.problems] == ["refused"]
    assert "2026-12-31" in str(result.problems[0].message) or "2027-01-01" in str(result.problems[0].message)
    assert budget_state() == before


def test_an_excel_file_is_read_like_csv_with_row_numbers(rkpd, region):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["E-1", rkpd["road"].kode_lacak, "1.03.01", "1.03.10.2.01.0005", "Jalan", 40000000])
    sheet.append(["E-2", None, "1.03.01", "1.03.10.2.01.0005", "Jalan", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(rkpd, region, buffer.getvalue(), name="apbd.xlsx")
    assert [(p.line, p.kind, p.excel) for p in result.problems] == [(3, "jumlah", True)]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    assert _import(rkpd, region, buffer.getvalue(), name="apbd.xlsx").funded == 1


# ---- the reconciliation -----------------------------------------------------------------------

def test_reconciliation_lists_exactly_the_findings_of_a_prepared_case(rkpd, region, owner_session):
    road, pokir, extra, siklus = rkpd["road"], rkpd["pokir"], rkpd["extra"], rkpd["siklus"]
    rejected = bulk_planned(siklus, region, 1, start=500, tahapan="musrenbang_kecamatan", status="ditolak",
                            alasan="Bukan kewenangan kota")[0]
    # another region's rows, written as the owner (Medan's application role may not)
    other = Tenant(slug="agam", kode="13.06", nama="Kabupaten Agam")
    owner_session.add(other)
    owner_session.flush()
    other_cycle = Siklus(tenant_id=other.id, tahun=2027, nama="RKPD 2027")
    owner_session.add(other_cycle)
    owner_session.flush()
    owner_session.execute(insert(Usulan), [dict(
        tenant_id=other.id, siklus_id=other_cycle.id, kode_lacak="MDN-2027-777777", sumber="kecamatan",
        bidang="fisik_prasarana", permasalahan="x", usulan_kegiatan="Milik daerah lain", volume=Decimal(1), satuan="m",
        harga_satuan=1, total=1, tahapan="penganggaran", status="belum_dibahas", version=1)])
    owner_session.commit()
    db.session.commit()
    data = apbd_csv(f"R-1,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Pengaspalan,40000000",
                    f"R-2,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Drainase,30000000",
                    f"R-3,{pokir.kode_lacak},1.03.01,1.03.10.2.01.0005,Lampu,30000000",
                    "R-4,,1.03.01,1.03.10.2.01.0005,Belanja tanpa usulan,25000000",
                    "R-5,MDN-2027-123456,1.03.01,1.03.10.2.01.0005,Kode salah,1000000",
                    "R-6,mdn-2027-777777,1.03.01,1.03.10.2.01.0005,Kode daerah lain,2000000",
                    f"R-7,{rejected},1.03.01,1.03.10.2.01.0005,Usulan yang ditolak,3000000",
                    f"R-8,{extra[0].kode_lacak},1.03.01,1.03.10.2.01.0005,Drainase,10000000",
                    f"R-9,{extra[2].kode_lacak},1.03.01,1.03.10.2.01.0005,Drainase,0")
    first = _import(rkpd, region, data)
    assert first.ok and first.unlinked == 2
    assert db.session.scalar(db.select(AnggaranBaris.usulan_id).where(AnggaranBaris.external_id == "R-6")) is None
    found = {(f.kind, f.external_id or f.kode_lacak) for f in reconciliation.reconcile(siklus).findings}
    assert found == {("tanpa_kode", "R-4"), ("kode_tidak_dikenal", "R-5"), ("kode_tidak_dikenal", "R-6"),
                     ("bukan_rkpd", "R-7"), ("melebihi_pagu", road.kode_lacak)}
    final = _import(rkpd, region, data, final=True)  # the same content, now declared complete
    assert final.ok and final.already is None and (final.created, final.updated, final.not_funded) == (0, 0, 1)
    report = reconciliation.reconcile(siklus)
    found = {(f.kind, f.external_id or f.kode_lacak) for f in report.findings}
    assert found == {("tanpa_kode", "R-4"), ("kode_tidak_dikenal", "R-5"), ("kode_tidak_dikenal", "R-6"),
                     ("bukan_rkpd", "R-7"), ("melebihi_pagu", road.kode_lacak), ("hilang", extra[1].kode_lacak),
                     ("hilang", extra[2].kode_lacak)}
    above = next(f for f in report.findings if f.kind == "melebihi_pagu")
    assert (above.jumlah, above.pagu, above.selisih, above.riwayat_url) == (
        70_000_000, 60_000_000, 10_000_000, f"/usulan/{road.id}")
    assert next(f for f in report.findings if f.kind == "bukan_rkpd").riwayat_url.startswith("/usulan/")
    db.session.expire_all()
    statuses = {u.kode_lacak: (u.status, u.anggaran_jumlah) for u in db.session.scalars(db.select(Usulan).where(
        Usulan.tenant_id == siklus.tenant_id))}
    assert statuses[road.kode_lacak] == ("didanai", 70_000_000)
    assert statuses[pokir.kode_lacak] == ("didanai", 30_000_000)
    assert statuses[extra[0].kode_lacak] == ("didanai", 10_000_000)
    assert statuses[extra[1].kode_lacak] == statuses[extra[2].kode_lacak] == ("tidak_didanai", None)
    assert statuses[rejected] == ("ditolak", None)
    assert _import(rkpd, region, data, final=True).already is not None


# ---- the screens ------------------------------------------------------------------------------

def _upload(client, data, name="apbd.csv", final=False):
    form = {"csrf_token": csrf_token(client, "/anggaran/2027/impor"), "file": (io.BytesIO(data), name)}
    if final:
        form["final"] = "y"
    return client.post("/anggaran/2027/impor", data=form, content_type="multipart/form-data")


def test_bappeda_uploads_the_apbd_and_reads_the_reconciliation(rkpd, region, as_user):
    client = as_user("admin")
    assert client.get("/anggaran/").headers["Location"].endswith("/anggaran/2027")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/anggaran/"' in page
    road = rkpd["road"]
    bad = _upload(client, apbd_csv("S-1,,1.03.01,1.03.10.2.01.0005,Jalan,satu juta", "S-1,,1.03.01,1.03.10.2.01.0005,x,1"))
    assert bad.status_code == 303  # a background job checks it (jobs/); its page shows the problems
    text = finished_page(client, bad)
    assert 'id="job-error"' in text and 'data-line="2" data-kind="jumlah"' in text
    assert 'data-line="3" data-kind="duplicate"' in text
    assert count_rows(AnggaranBaris) == 0
    forged = client.post("/anggaran/2027/impor", data={"file": (io.BytesIO(apbd_csv()), "apbd.csv")},
                         content_type="multipart/form-data")
    assert forged.status_code == 400  # no CSRF token
    assert _upload(client, b"x" * (10 * 1024 * 1024 + 100 * 1024)).status_code == 413
    data = apbd_csv(f"S-1,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Jalan,70000000",
                    "S-2,,1.03.01,1.03.10.2.01.0005,Belanja tanpa usulan,5000000")
    good = _upload(client, data, final=True)
    assert good.status_code == 303 and 'id="job-report"' in finished_page(client, good)
    assert count_rows(AnggaranBaris) == 2
    overview = client.get("/anggaran/2027").get_data(as_text=True)
    assert overview.count('class="import-row"') == 1 and "apbd.csv" in overview
    again = _upload(client, data, final=True)
    assert 'id="job-report"' in finished_page(client, again) and count_rows(AnggaranImpor) == 1
    report = client.get("/anggaran/2027/rekonsiliasi").get_data(as_text=True)
    kinds = re.findall(r'class="finding" data-kind="([a-z_]+)"', report)
    assert sorted(kinds) == ["hilang", "hilang", "hilang", "hilang", "melebihi_pagu", "tanpa_kode"]
    assert f'href="/usulan/{road.id}"' in report
    only = client.get("/anggaran/2027/rekonsiliasi?jenis=tanpa_kode").get_data(as_text=True)
    assert re.findall(r'class="finding" data-kind="([a-z_]+)"', only) == ["tanpa_kode"]
    sheet = client.get("/anggaran/2027/rekonsiliasi?jenis=hilang&format=xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.data), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 5 and all("/usulan/" in r[10] for r in rows[1:])
    assert client.get("/anggaran/2030").status_code == 404


def test_only_bappeda_reaches_the_budget_pages(app, rkpd, region):
    from support.web import browser, login

    for username in ("kel1", "pu", "viewer", "dprd1"):
        client = browser(app)
        login(client, username)
        for url in ("/anggaran/2027", "/anggaran/2027/rkpd.json", "/anggaran/2027/impor",
                    "/anggaran/2027/rekonsiliasi"):
            assert client.get(url).status_code == 403, (username, url)
    assert browser(app).get("/anggaran/2027/rkpd.json").status_code == 302  # to the login page


# ---- twenty thousand lines ------------------------------------------------------------------

def test_twenty_thousand_lines_out_and_in(siklus, region, clock, database_url):
    codes = bulk_planned(siklus, region, 20_000)
    _lock(siklus)
    clock.set_local("2026-10-10T09:00")
    backend = database_url.split(":", 1)[0]
    started = time.perf_counter()
    plan_ = export.rkpd(siklus)
    built = time.perf_counter()
    sizes = {fmt: len(write(plan_)) for fmt, (_m, write) in export.FORMATS.items()}
    written = time.perf_counter()
    assert len(plan_.lines) == 20_000 and all(sizes.values())
    print(f"\n[{backend}] export of 20,000 lines: query {built - started:.2f}s, "
          + ", ".join(f"{fmt} {size // 1024} KiB" for fmt, size in sizes.items())
          + f", all three formats written in {written - built:.2f}s")
    data = apbd_csv(*(f"L-{i},{code},1.03.01,1.03.10.2.01.05,Normalisasi drainase {i},9.500.000"
                  for i, code in enumerate(codes)))
    started = time.perf_counter()
    result = _import({"siklus": siklus}, region, data, final=True)
    took = time.perf_counter() - started
    assert result.ok and (result.created, result.funded) == (20_000, 20_000), result.problems[:3]
    print(f"[{backend}] import of 20,000 lines (final): {took:.2f}s")
    assert count_rows(Usulan, Usulan.status == "didanai", Usulan.anggaran_jumlah == 9_500_000) == 20_000
    started = time.perf_counter()
    report = reconciliation.reconcile(siklus)
    print(f"[{backend}] reconciliation: {time.perf_counter() - started:.2f}s, {len(report.findings)} findings")
    assert report.findings == []


# ---- the API ----------------------------------------------------------------------------------

def _bearer(region, scope=None, user=None):
    from eplanning_core.api import tokens

    if user:
        result = tokens.issue_user_token(region["users"][user])
    else:
        admin = region["users"]["admin"]
        result = tokens.create_client_token(admin.tenant_id, admin, f"e-Budgeting {scope}", scope)
    assert result.ok
    return {"Authorization": f"Bearer {result.secret}"}


def test_the_api_reads_the_rkpd_and_takes_the_budget_with_a_write_token(rkpd, region, client):
    road, extra = rkpd["road"], rkpd["extra"]
    reader, writer = _bearer(region, "read"), _bearer(region, "write")
    assert client.get("/api/v1/rkpd/2027").status_code == 401
    answer = client.get("/api/v1/rkpd/2027", headers=reader)
    assert answer.status_code == 200 and answer.get_json()["jumlah_baris"] == 5
    line = next(x for x in answer.get_json()["baris"] if x["kode_lacak"] == road.kode_lacak)
    assert line["asal"]["wilayah_kode"] == "12.71.01.1001.01" and line["keputusan"]
    assert client.get("/api/v1/rkpd/2030", headers=reader).status_code == 404
    assert client.get("/api/v1/rkpd/2027", headers=_bearer(region, user="kel1")).get_json()["rule"] == "wrong_role"
    assert client.get("/api/v1/rkpd/2027", headers=_bearer(region, user="viewer")).status_code == 200
    body = {"baris": [{"external_id": "API-1", "kode_lacak": road.kode_lacak, "perangkat_daerah": "1.03.01",
                       "sub_kegiatan": "1.03.10.2.01.05", "uraian": "Pengaspalan", "jumlah": 58_000_000},
                      {"external_id": "API-2", "perangkat_daerah": "1.03.01", "sub_kegiatan": "1.03.10.2.01.0005",
                       "uraian": "Belanja tanpa usulan", "jumlah": "1.500.000"}],
            "nama": "APBD murni 2027"}
    refused = client.post("/api/v1/anggaran/2027", json=body, headers=reader)
    assert refused.status_code == 403 and refused.get_json()["rule"] == "token_scope"
    assert client.post("/api/v1/anggaran/2027", json=body,
                       headers=_bearer(region, user="pu")).get_json()["rule"] == "wrong_role"
    bad = client.post("/api/v1/anggaran/2027", headers=writer, json={"baris": [
        dict(body["baris"][0]), dict(body["baris"][1], jumlah=-5, perangkat_daerah="9.99")]})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"baris.2.jumlah"}  # lines from 1
    unknown = client.post("/api/v1/anggaran/2027", headers=writer, json={"baris": [
        dict(body["baris"][0]), dict(body["baris"][1], perangkat_daerah="9.99")]})
    assert unknown.status_code == 404 and set(unknown.get_json()["errors"]) == {"baris.2"}  # no such agency
    twice = client.post("/api/v1/anggaran/2027", headers=writer, json={"baris": [
        dict(body["baris"][0]), dict(body["baris"][1], external_id="API-1")]})
    assert twice.status_code == 422 and twice.get_json()["rule"] == "invalid_input"
    assert count_rows(AnggaranBaris) == 0
    first = client.post("/api/v1/anggaran/2027", json=body, headers=writer)
    assert first.status_code == 201, first.get_json()
    assert {k: first.get_json()[k] for k in ("baru", "didanai", "tanpa_tautan", "sudah_diimpor")} == {
        "baru": 2, "didanai": 1, "tanpa_tautan": 0, "sudah_diimpor": False}
    before = budget_state()
    again = client.post("/api/v1/anggaran/2027", json=body, headers=writer)
    assert again.status_code == 200 and again.get_json()["sudah_diimpor"] is True
    assert again.get_json()["impor_id"] == first.get_json()["impor_id"] and budget_state() == before
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).anggaran_jumlah == 58_000_000
    decision = db.session.scalar(db.select(Keputusan).where(Keputusan.usulan_id == road.id,
                                                            Keputusan.keputusan == "didanai"))
    assert decision.user_id == region["users"]["admin"].id and decision.user_nama.startswith("API e-Budgeting write")
    final = dict(body, final=True)
    assert client.post("/api/v1/anggaran/2027", json=final, headers=writer).get_json()["tidak_didanai"] == 4
    report = client.get("/api/v1/rekonsiliasi/2027", headers=reader).get_json()
    assert report["ringkasan"] == {"tanpa_kode": 1, "kode_tidak_dikenal": 0, "bukan_rkpd": 0, "melebihi_pagu": 0,
                                   "hilang": 4, "tanpa_realisasi": 0, "realisasi_melebihi": 0,
                                   "selesai_tanpa_foto": 0, "terlambat_tanpa_alasan": 0}
    page = client.get("/api/v1/rekonsiliasi/2027?jenis=hilang&per_page=3&page=2", headers=reader).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 1)
    assert page["items"][0]["riwayat_url"].startswith("/usulan/")
    assert {i["kode_lacak"] for i in client.get("/api/v1/rekonsiliasi/2027?jenis=hilang", headers=reader)
            .get_json()["items"]} == {rkpd["pokir"].kode_lacak} | {u.kode_lacak for u in extra}
    assert client.get("/api/v1/rekonsiliasi/2027?jenis=lain", headers=reader).status_code == 422


def test_the_api_refuses_an_unset_rkpd(siklus, region, client):
    reader, writer = _bearer(region, "read"), _bearer(region, "write")
    for answer in (client.get("/api/v1/rkpd/2027", headers=reader),
                   client.get("/api/v1/rekonsiliasi/2027", headers=reader),
                   client.post("/api/v1/anggaran/2027", headers=writer, json={"baris": [{
                       "external_id": "X", "perangkat_daerah": "1.03.01", "sub_kegiatan": "1.03.10.2.01.0005",
                       "uraian": "Uji", "jumlah": 1}]})):
        assert answer.status_code == 409 and answer.get_json()["rule"] == "rkpd_not_set"

"""Realisasi: the money followed to the result. Milestones entered by the implementing agency
(one transaction with history), the execution report import (idempotent, all or nothing, line
numbers), funding sources adding up to the pagu, the screens, the API and the public journey."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from support.budget import bulk_planned
from support.jobs import finished_page
from support.web import csrf_token

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.realisasi import importer, operations
from eplanning_core.realisasi.models import (IndikatorKeluaran, Realisasi, RealisasiFoto, RealisasiImpor,
                                             RealisasiTahap, SumberDana)
from eplanning_core.usulan.models import Usulan

HEADER = "kode_lacak,tanggal,progres,realisasi,catatan,status,alasan,nomor_kontrak,tanggal_kontrak,nilai_kontrak"


@pytest.fixture
def funded(siklus, region, clock):
    """Three funded items of the agency 'pu' and one planned item not funded, in June 2027."""
    codes = bulk_planned(siklus, region, 3, status="didanai", anggaran_jumlah=9_500_000)
    codes += bulk_planned(siklus, region, 1, start=10, status="tidak_didanai")
    clock.set_local("2027-06-15T09:00")
    items = {u.kode_lacak: u for u in db.session.scalars(select(Usulan).where(Usulan.kode_lacak.in_(codes)))}
    return [items[c] for c in codes]


@pytest.fixture
def png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def api_token(region):
    from datetime import timedelta

    from eplanning_core.api import tokens

    def _token(username, _scope="write"):
        return tokens.issue_user_token(region["users"][username], timedelta(days=365)).secret
    return _token


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _history(action):
    return _count(AuditEntry, AuditEntry.action == action)


def _milestone(**values):
    base = {"tanggal": "2027-05-31", "progres": "40", "realisasi_jumlah": "3.000.000"}
    return operations.read_milestone({**base, **values})


# ---- operations -----------------------------------------------------------------------------

def test_a_milestone_is_written_with_its_history_and_moves_the_record(funded, region):
    pu = region["users"]["pu"]
    item = funded[0]
    operations.record_milestone(item, pu, _milestone(kontrak_nomor="602/PU/2027", kontrak_tanggal="2027-03-01",
                                                     kontrak_nilai="9.400.000", kontrak_akhir="2027-09-30"))
    record = db.session.scalar(select(Realisasi).where(Realisasi.usulan_id == item.id))
    assert (record.progres, record.realisasi_jumlah, record.status, record.kontrak_nomor, record.kontrak_nilai) == (
        40, 3_000_000, "berjalan", "602/PU/2027", 9_400_000)
    assert _history("realisasi.tahap") == 1
    # the same milestone again changes nothing; an older one does not move the record back
    operations.record_milestone(item, pu, _milestone())
    assert _history("realisasi.tahap") == 1
    operations.record_milestone(item, pu, _milestone(tanggal="2027-04-30", progres="10", realisasi_jumlah="500000"))
    db.session.refresh(record)
    assert (record.progres, record.terakhir_tanggal.isoformat()) == (40, "2027-05-31")
    operations.record_milestone(item, pu, _milestone(tanggal="2027-06-14", progres="100", realisasi_jumlah="9400000",
                                                     status="selesai"))
    db.session.refresh(record)
    assert (record.progres, record.status) == (100, "selesai")
    assert _count(RealisasiTahap, RealisasiTahap.usulan_id == item.id) == 3
    # the proposal itself is untouched: its one writer stays the only writer of usulan
    assert db.session.get(Usulan, item.id).version == 1


@pytest.mark.parametrize("values, field", [
    ({"progres": "120"}, "progres"), ({"progres": "abc"}, "progres"), ({"tanggal": "2027-13-01"}, "tanggal"),
    ({"tanggal": "2027-07-01"}, "tanggal"),  # in the future
    ({"realisasi_jumlah": "-5"}, "realisasi_jumlah"), ({"status": "gagal"}, "alasan"),
    ({"status": "selesai", "progres": "90"}, "progres"), ({"status": "bubar"}, "status"),
    ({"kontrak_tanggal": "2027-05-01", "kontrak_akhir": "2027-04-01"}, "kontrak_akhir"),
    ({"catatan": "ok\x1b[31m"}, "catatan"),
])
def test_bad_milestones_are_refused_naming_the_field_and_nothing_is_written(funded, region, values, field):
    with pytest.raises(operations.Refused) as refused:
        operations.record_milestone(funded[0], region["users"]["pu"], _milestone(**values))
    assert field in [name for name, _message in refused.value.problems]
    assert _count(Realisasi) == 0 and _history("realisasi.tahap") == 0


def test_only_the_implementing_agency_reports_and_only_on_funded_items(funded, region):
    with pytest.raises(operations.Refused):
        operations.record_milestone(funded[0], region["users"]["kel1"], _milestone())
    with pytest.raises(operations.Refused):
        operations.record_milestone(funded[3], region["users"]["pu"], _milestone())  # not funded
    operations.record_milestone(funded[0], region["users"]["admin"], _milestone())  # Bappeda corrects
    assert _count(Realisasi) == 1


def test_funding_sources_must_add_up_to_the_pagu(funded, region):
    item, pu = funded[0], region["users"]["pu"]
    with pytest.raises(operations.Refused) as refused:
        operations.read_plan(item, {"sumber_0": "PAD", "jumlah_0": "4000000", "sumber_1": "DAU", "jumlah_1": "1000000"})
    assert "sumber_dana" in [f for f, _m in refused.value.problems]
    with pytest.raises(operations.Refused) as refused:
        operations.read_plan(item, {"sumber_0": "Hibah Luar Angkasa", "jumlah_0": "10000000"})
    assert "sumber_0" in [f for f, _m in refused.value.problems]
    with pytest.raises(operations.Refused):  # an indicator needs text, target and unit together
        operations.read_plan(item, {"indikator": "Panjang drainase"})
    plan = operations.read_plan(item, {"sumber_0": "PAD", "jumlah_0": "6.000.000", "sumber_1": "dak",
                                       "jumlah_1": "4000000", "indikator": "Panjang drainase", "target": "100",
                                       "satuan": "m"})
    assert operations.save_plan(item, pu, plan) is True
    assert operations.save_plan(item, pu, plan) is False
    assert dict(db.session.execute(select(SumberDana.sumber, SumberDana.jumlah)).all()) == {"PAD": 6_000_000,
                                                                                           "DAK": 4_000_000}
    assert db.session.scalar(select(IndikatorKeluaran.satuan)) == "m"
    assert _history("realisasi.rencana") == 1


# ---- the import -----------------------------------------------------------------------------

def _csv(*lines: str) -> bytes:
    return ("\n".join((HEADER,) + lines) + "\n").encode()


def test_the_import_is_idempotent_and_updates_a_milestone_by_item_and_date(funded, region):
    pu = region["users"]["pu"]
    a, b = funded[0].kode_lacak, funded[1].kode_lacak
    data = _csv(f"{a},2027-04-30,20,1000000,Galian,berjalan,,602/PU/2027,2027-03-01,9400000",
                f"{a},2027-05-31,45,4000000,,,,,,", f"{b},31/05/2027,10,0,,,,,,")
    first = importer.import_file(funded[0].tenant_id, pu, data, "laporan.csv")
    assert first.ok and (first.created, first.updated, first.unchanged) == (3, 0, 0)
    again = importer.import_file(funded[0].tenant_id, pu, data, "laporan-lagi.csv")
    assert again.already is not None and _count(RealisasiImpor) == 1
    changed = importer.import_file(funded[0].tenant_id, pu, _csv(f"{a},2027-05-31,50,4000000,,,,,,",
                                                                   f"{b},2027-05-31,10,0,,,,,,"), "koreksi.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    record = db.session.scalar(select(Realisasi).where(Realisasi.usulan_id == funded[0].id))
    assert (record.progres, record.realisasi_jumlah, record.kontrak_nomor) == (50, 4_000_000, "602/PU/2027")
    assert _history("realisasi.impor") == 2 and _history("realisasi.tahap") == 4


def test_one_bad_line_refuses_the_whole_file_with_line_numbers(funded, region):
    pu = region["users"]["pu"]
    a = funded[0].kode_lacak
    data = _csv(f"{a},2027-05-31,45,4000000,,,,,,",
                "MDN-2027-999999,2027-05-31,45,1000,,,,,,",
                f"{funded[3].kode_lacak},2027-05-31,45,1000,,,,,,",
                f"{a},2027-05-31,46,4000000,,,,,,",
                f"{a},2027-05-20,101,4000000,,,,,,")
    result = importer.import_file(funded[0].tenant_id, pu, data, "laporan.csv")
    assert [(p.line, p.kind) for p in result.problems] == [
        (3, "kode_lacak_unknown"), (4, "not_funded"), (5, "duplicate"), (6, "progres")]
    assert str(result.problems[2].message).endswith(" 2).")  # the first line, in the reader's words
    assert _count(RealisasiTahap) == 0 and _count(RealisasiImpor) == 0 and _history("realisasi.tahap") == 0


def test_another_agencys_items_are_refused(funded, region):
    result = importer.import_file(funded[0].tenant_id, region["users"]["pu2"] if "pu2" in region["users"] else
                                  region["users"]["kel1"], _csv(f"{funded[0].kode_lacak},2027-05-31,45,1,,,,,,"), "x.csv")
    assert not result.ok and result.problems[0].kind == "not_yours"


def test_an_excel_report_names_rows(funded, region):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append([funded[0].kode_lacak, "2027-05-31", 45, 4000000])
    sheet.append([funded[1].kode_lacak, "2027-05-31", "x", 4000000])
    buffer = io.BytesIO()
    book.save(buffer)
    result = importer.import_file(funded[0].tenant_id, region["users"]["pu"], buffer.getvalue(), "laporan.xlsx")
    assert [(p.line, p.kind) for p in result.problems] == [(3, "progres")]
    assert result.problems[0].excel and str(result.problems[0]).startswith(("Row 3", "Baris 3"))


# ---- the screens ----------------------------------------------------------------------------

def test_the_agency_reports_a_milestone_with_a_photo_on_its_page(funded, region, as_user, png_bytes):
    client = as_user("pu")
    item = funded[0]
    page = client.get(f"/realisasi/{item.id}")
    assert page.status_code == 200 and 'id="realisasi-form"' in page.get_data(as_text=True)
    token = csrf_token(client, f"/realisasi/{item.id}")
    bad = client.post(f"/realisasi/{item.id}", data={"csrf_token": token, "tanggal": "2027-05-31",
                                                     "progres": "150", "realisasi_jumlah": "1000"})
    assert bad.status_code == 422 and _count(RealisasiTahap) == 0
    saved = client.post(f"/realisasi/{item.id}", data={
        "csrf_token": token, "tanggal": "2027-05-31", "progres": "45", "realisasi_jumlah": "4.000.000",
        "status": "berjalan", "foto": (io.BytesIO(png_bytes), "lokasi.png")}, content_type="multipart/form-data")
    assert saved.status_code == 303, saved.get_data(as_text=True)
    photo = db.session.scalar(select(RealisasiFoto))
    assert photo is not None and client.get(f"/realisasi/foto/{photo.id}").status_code == 200
    listing = client.get("/realisasi/").get_data(as_text=True)
    assert item.kode_lacak in listing and "45%" in listing


def test_bappeda_sees_progress_per_agency_and_others_are_kept_out(funded, region, as_user, app):
    operations.record_milestone(funded[0], region["users"]["pu"], _milestone())
    client = as_user("admin")
    page = client.get("/realisasi/").get_data(as_text=True)
    assert 'id="realisasi-agencies"' in page and region["agencies"]["pu"].nama in page
    assert client.get(f"/realisasi/?pd={region['agencies']['pu'].id}").status_code == 200
    from support.web import browser, login

    other = browser(app)
    assert login(other, "kel1").status_code == 302
    assert other.get("/realisasi/").status_code == 403
    token = csrf_token(other, f"/realisasi/{funded[0].id}")  # kel1 reads its unit's item, without the form
    assert 'id="realisasi-form"' not in other.get(f"/realisasi/{funded[0].id}").get_data(as_text=True)
    refused = other.post(f"/realisasi/{funded[0].id}", data={"csrf_token": token})
    assert refused.status_code == 403, refused.get_data(as_text=True)[-3000:]


def test_the_report_upload_runs_as_a_job(funded, region, as_user):
    client = as_user("pu")
    response = client.post("/realisasi/impor", data={
        "csrf_token": csrf_token(client, "/realisasi/impor"),
        "file": (io.BytesIO(_csv(f"{funded[0].kode_lacak},2027-05-31,45,4000000,,,,,,")), "laporan.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    finished = finished_page(client, response)
    assert _count(RealisasiTahap) == 1, finished


# ---- the API and the public journey ---------------------------------------------------------

def test_api_reads_and_writes_milestones(funded, region, api_token):
    from flask import current_app

    client = current_app.test_client()
    item = funded[0]
    headers = {"Authorization": f"Bearer {api_token('pu', 'write')}"}
    created = client.post(f"/api/v1/usulan/{item.id}/realisasi", headers=headers,
                          json={"tanggal": "2027-05-31", "progres": 45, "realisasi_jumlah": 4000000})
    assert created.status_code == 201, created.get_json()
    body = client.get(f"/api/v1/usulan/{item.id}/realisasi", headers=headers).get_json()
    assert body["progres"] == 45 and body["tahap"][0]["tanggal"] == "2027-05-31"
    refused = client.post(f"/api/v1/usulan/{item.id}/realisasi", headers=headers,
                          json={"tanggal": "2027-05-31", "progres": 101, "realisasi_jumlah": 1})
    assert refused.status_code == 422 and "progres" in refused.get_json()["errors"]
    public = client.get(f"/api/v1/publik/usulan/{item.kode_lacak}").get_json()
    assert public["realisasi"]["progres"] == 45


# ---- query budgets with growing execution data ----------------------------------------------

def _milestones(item, region, count, png, start_day=1):
    from werkzeug.datastructures import FileStorage

    for day in range(start_day, start_day + count):
        operations.record_milestone(item, region["users"]["pu"], _milestone(
            tanggal=f"2027-05-{day:02d}", progres=str(day), realisasi_jumlah=str(day * 1000)),
            photos=[FileStorage(io.BytesIO(png), "foto.png")])


@pytest.mark.parametrize("url", ["/realisasi/{id}", "/realisasi/", "/publik/lacak?kode={kode}",
                                 "/api/v1/publik/usulan/{kode}"])
def test_pages_keep_their_query_count_as_milestones_grow(funded, region, as_user, client, png_bytes, url):
    from eplanning_core.commandcenter import cache as commandcenter_cache
    from eplanning_core.portal import pagecache
    from support.snapshots import count_queries

    item = funded[0]
    url = url.format(id=item.id, kode=item.kode_lacak)
    if not url.startswith(("/publik", "/api")):
        as_user("pu")

    def measure():
        commandcenter_cache.KEPT.clear()
        pagecache.KEPT.clear()
        pagecache.forget_heads()
        assert client.get(url).status_code == 200
        commandcenter_cache.KEPT.clear()
        pagecache.KEPT.clear()
        pagecache.forget_heads()
        with count_queries() as seen:
            response = client.get(url)
        assert response.status_code == 200
        return seen

    _milestones(item, region, 1, png_bytes)
    small = measure()
    _milestones(item, region, 6, png_bytes, start_day=2)
    _milestones(funded[1], region, 3, png_bytes)
    large = measure()
    assert len(large) <= 12, large
    assert len(small) == len(large), (small, large)


def test_the_command_center_shows_planned_funded_and_realised(funded, region, as_user, siklus, clock):
    from datetime import datetime

    from eplanning_core.commandcenter import cache
    from support.snapshots import count_queries

    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    db.session.commit()
    operations.record_milestone(funded[0], region["users"]["pu"], _milestone())
    clock.set_local("2027-12-20T09:00")
    client = as_user("admin")
    client.get("/command-center/")
    cache.KEPT.clear()
    with count_queries() as seen:
        page = client.get("/command-center/").get_data(as_text=True)
    assert len(seen) <= 12, [s.split("\n")[0][:90] for s in seen]  # the execution rides with the budget totals
    assert 'id="execution-overview"' in page and 'id="execution-agency"' in page
    assert 'id="execution-kecamatan"' in page and "Medan Kota" in page
    late = page.split('id="execution-late-count">', 1)[1].split("<", 1)[0]
    assert late == "2"  # two funded items with no record after the deadline (31 March 2027)


def test_the_demo_reports_on_its_first_funded_items(funded, region, siklus):
    from eplanning_core.realisasi.demo import record_execution

    assert record_execution(siklus, region["users"]) == 3
    states = dict(db.session.execute(select(Realisasi.usulan_id, Realisasi.status)).all())
    assert states == {funded[0].id: "berjalan", funded[1].id: "berjalan", funded[2].id: "berjalan"}
    assert _count(RealisasiFoto) == 3 and _history("realisasi.tahap") == 3


def test_with_a_set_rkpd_the_budget_totals_ride_with_the_execution(funded, region, siklus):
    """The Command Center reads the execution and the budget lines' totals in one statement."""
    from datetime import datetime

    from eplanning_core.budgeting.models import AnggaranBaris, AnggaranImpor
    from eplanning_core.commandcenter import cache, metrics
    from eplanning_core.usulan.engine_adapter import cycle_for

    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    impor = AnggaranImpor(tenant_id=siklus.tenant_id, siklus_id=siklus.id, sha256="b" * 64, nama_berkas="apbd.csv",
                          sumber="file", jumlah_baris=3, baris_baru=3, baris_berubah=0)
    db.session.add(impor)
    db.session.flush()
    db.session.add_all([AnggaranBaris(tenant_id=siklus.tenant_id, siklus_id=siklus.id, impor_id=impor.id,
                                      external_id=f"L{n}", usulan_id=uid, uraian="Baris", jumlah=amount)
                        for n, (uid, amount) in enumerate(((funded[0].id, 9_500_000), (None, 700), (None, 300)))])
    db.session.commit()
    operations.record_milestone(funded[0], region["users"]["pu"], _milestone())
    cache.KEPT.clear()
    dash = metrics.build(siklus, cycle_for(siklus))
    kpk = dash.kpk
    assert (kpk["budget_lines"], kpk["budget_unplanned"], kpk["budget_unplanned_amount"]) == (3, 2, 1000)
    total = dash.execution["total"]
    assert (total.planned_items, total.funded_items, total.realised) == (4, 3, 3_000_000)

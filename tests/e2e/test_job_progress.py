"""The progress page of a background job, in Debian's chromium: an RKPD export and an APBD
import, the bar moving (rows done of total) and the result arriving (download, report).

The demo's plan is set (Penetapan RKPD) and given 240 more items; JOBS_STEP_DELAY_MS slows
each progress step so that a small job can be watched, as a trainer would in a class.
Screenshots at 1366x768 and 390x844 in test-artifacts/e2e/ (copied to docs/screens/jobs-*).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest

from support.browser import PASSWORD, artifact, expect

pytestmark = pytest.mark.e2e

EXTRA = 240


@pytest.fixture(scope="module")
def set_plan(demo_server):
    """The demo's RKPD 2027 set, with EXTRA planned items at the budgeting stage."""
    from sqlalchemy import insert, select

    from eplanning_core.accounts.models import PerangkatDaerah
    from eplanning_core.extensions import db
    from eplanning_core.siklus.models import Siklus
    from eplanning_core.tenancy.context import use_tenant
    from eplanning_core.usulan.models import Usulan
    from eplanning_core.wilayah.models import Wilayah

    app = demo_server.app
    with app.app_context(), use_tenant("medan"):
        siklus = db.session.scalar(select(Siklus).where(Siklus.tahun == 2027))
        agency = db.session.scalar(select(PerangkatDaerah).order_by(PerangkatDaerah.kode))
        unit = db.session.scalar(select(Wilayah).where(Wilayah.kode.like("12.71.01.%")).order_by(Wilayah.kode.desc()))
        rows = [dict(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"MDN-2027-8{i:05d}",
                     sumber="kecamatan", bidang="fisik_prasarana", permasalahan="Drainase tersumbat",
                     usulan_kegiatan=f"Normalisasi drainase {i}", volume=Decimal("10"), satuan="m",
                     harga_satuan=1_000_000, total=10_000_000, lokasi_kode=unit.kode, lokasi_wilayah_id=unit.id,
                     wilayah_asal_id=unit.id, tahapan="penganggaran", status="belum_dibahas",
                     perangkat_daerah_id=agency.id, terkunci=True, sub_kegiatan_kode="1.03.10.2.01.0005",
                     pagu=10_000_000, target="100 m", version=1) for i in range(EXTRA)]
        db.session.execute(insert(Usulan), rows)
        siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
        db.session.commit()
        code = agency.kode
        db.session.remove()
    app.config["JOBS_STEP_DELAY_MS"] = 150
    yield code
    app.config["JOBS_STEP_DELAY_MS"] = 0


def login_admin(page) -> None:
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


def watch_the_bar(page, name: str) -> list[int]:
    """The bar's values while the job runs (it must move), then the finished page."""
    bar = page.locator("#job-progress")
    page.wait_for_function("() => { const n = +document.querySelector('#job-progress')"
                           ".getAttribute('aria-valuenow'); return n >= 20 && n < 100; }")
    seen = [int(bar.get_attribute("aria-valuenow"))]
    assert " dari " in page.locator("#job-step").text_content()  # "120 dari 240 baris"
    for size, suffix in (((1366, 768), ""), ((390, 844), "-phone")):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=str(artifact(f"jobs-{name}-running{suffix}")))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_function(f"() => +document.querySelector('#job-progress').getAttribute('aria-valuenow') > {seen[0]}"
                           " || document.querySelector('#job').dataset.finished === 'true'")
    if page.locator("#job").get_attribute("data-finished") != "true":
        seen.append(int(bar.get_attribute("aria-valuenow")))
    return seen


def test_an_rkpd_export_shows_its_progress_and_then_the_download(pages, page, console, set_plan):
    page.set_viewport_size({"width": 1366, "height": 768})
    login_admin(page)
    page.goto("/anggaran/2027")
    with page.expect_navigation():
        page.locator("#rkpd-formats button[data-fmt='csv']").click()
    assert "/tugas/" in page.url
    seen = watch_the_bar(page, "export")
    assert 20 <= seen[0] < 100 and (len(seen) == 1 or seen[1] > seen[0])
    download_link = page.locator("#job-download")
    expect(download_link).to_be_visible(timeout=120_000)  # the job's own pace, not a bug's
    expect(page.locator("#job-progress")).to_have_attribute("aria-valuenow", "100")
    for size, suffix in (((1366, 768), ""), ((390, 844), "-phone")):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=str(artifact(f"jobs-export-done{suffix}")))
    page.set_viewport_size({"width": 1366, "height": 768})
    with page.expect_download() as caught:
        download_link.click()
    data = open(caught.value.path(), "rb").read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) >= EXTRA and any(r["kode_lacak"] == "MDN-2027-800000" for r in rows)
    page.goto("/admin/tugas/")
    expect(page.locator("#jobs .job-row").first).to_have_attribute("data-status", "done")
    page.screenshot(path=str(artifact("jobs-admin")))
    assert console.take() == []


def test_an_apbd_import_shows_its_progress_and_then_its_report(pages, page, console, set_plan, tmp_path):
    agency = set_plan
    lines = ["external_id,kode_lacak,perangkat_daerah,sub_kegiatan,uraian,jumlah"]
    lines += [f"E2E-{i},,{agency},1.03.10.2.01.0005,Belanja {i},{1_000_000 + i}" for i in range(EXTRA)]
    upload = tmp_path / "apbd-2027.csv"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_viewport_size({"width": 1366, "height": 768})
    login_admin(page)
    page.goto("/anggaran/2027/impor")
    page.locator("input[type=file]").set_input_files(str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Impor", exact=True).click()
    assert "/tugas/" in page.url
    seen = watch_the_bar(page, "import")
    assert 20 <= seen[0] < 100
    report = page.locator("#job-report")
    expect(report).to_contain_text(f"{EXTRA} baris", timeout=120_000)  # the job's own pace, not a bug's
    page.screenshot(path=str(artifact("jobs-import-done")))
    page.goto("/tugas/")  # "my jobs": the import is listed, newest first, done
    newest = page.locator("#jobs .job-row").first
    expect(newest).to_have_attribute("data-status", "done")
    expect(newest).to_contain_text("apbd-2027.csv")
    assert console.take() == []

"""Documents people open (issue 14): the berita acara as signed on paper, the RKPD as PDF per
agency and for the region, and Excel/CSV files that speak the reader's language."""

from __future__ import annotations

import io
import re
import shutil
from datetime import datetime
from decimal import Decimal

import pytest
from support.crawl import pdf_pages, xlsx_texts
from support.jobs import finished_page, wait_for_job
from support.web import csrf_token, post_form

from eplanning_core.extensions import db
from eplanning_core.rapat import documents
from eplanning_core.rapat import operations as rapat_ops
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as usulan_ops
from eplanning_core.usulan.models import Usulan

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="pdftotext (poppler-utils) is not installed")

ROAD = {"bidang": "sosial_budaya", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah"}
MEETING = {"tempat": "Aula Kantor Lurah Pasar Baru", "alamat": "Jl. Sutomo No. 1", "mulai": "2026-02-05T08:30",
           "jumlah_hadir": "45", "notulen": "Musyawarah dibuka oleh Lurah.\n\nUsulan dibahas satu per satu.",
           "delegasi": ["Ahmad Yani", "Rina Sari", "Budi Santoso"]}
KEL, LING = "12.71.01.1001", "12.71.01.1001.01"


# ---- the berita acara, built directly -----------------------------------------------------------

def _items(count: int, reason_every: int = 3) -> list[dict]:
    return [{"no": n, "usulan_kegiatan": f"Pembangunan drainase beton Jl. Sutomo Gang {n} sepanjang 120 m "
                                          f"(MDN-2027-{n:06d})",
             "lokasi": f"Gang {n}, Lingkungan I", "volume": Decimal("120"), "satuan": "m",
             "total": 54_000_000 + n, "keputusan": "diterima dengan perubahan" if n % 2 else "ditolak",
             "alasan": "Volume disesuaikan dengan hasil survei lapangan." if n % reason_every == 0 else ""}
            for n in range(1, count + 1)]


def _berita_acara(count: int, **overrides) -> bytes:
    from eplanning_core.exports.pdf import berita_acara_pdf

    arguments = dict(
        title="Berita acara Musrenbang Kelurahan RKPD 2027", region_name="Kota Medan",
        unit_label="Kelurahan Pasar Baru, Kecamatan Medan Kota",
        meeting={"tempat": "Aula", "alamat": "Jl. Sutomo", "mulai": datetime(2026, 2, 5, 1, 30),
                 "jumlah_hadir": 45, "notulen": "Musyawarah dibuka oleh Lurah.\n\nUsulan dibahas."},
        items=_items(count), delegates=["Ahmad Yani", "Rina Sari", "Budi Santoso"],
        signatures=[("Lurah Pasar Baru", "Drs. Ahmad"), ("Operator Kelurahan Pasar Baru", "Siti")],
        tz="Asia/Jakarta", letterhead_lines=["Kecamatan Medan Kota", "Kelurahan Pasar Baru"], logo=None)
    arguments.update(overrides)
    return berita_acara_pdf(**arguments)


@needs_pdftotext
@pytest.mark.parametrize("count", list(range(0, 41)))
def test_the_signature_block_is_never_alone_on_its_page(app, count):
    """For every number of items that fills one or two pages, the signatures stand on the
    page where the table ends, under its last rows (and the header, when they moved)."""
    with app.test_request_context("/"):
        pages = pdf_pages(_berita_acara(count))
    signed = [i for i, text in enumerate(pages) if "Lurah Pasar Baru" in text]
    assert signed == [len(pages) - 1], f"{count} items: signatures on page(s) {signed} of {len(pages)}"
    last = pages[-1]
    if count:
        assert f"MDN-2027-{count:06d}" in last, f"{count} items: the table's last row is not on the signed page"
        assert "Usulan kegiatan" in last or "Proposed activity" in last  # the header is on that page too
        assert last.index(f"MDN-2027-{count:06d}") < last.index("Lurah Pasar Baru")
    assert "Ahmad Yani" in last  # the delegates too


@needs_pdftotext
def test_berita_acara_has_a_letterhead_with_the_logo(app):
    from eplanning_core.exports.pdf import logo_flowable

    with app.test_request_context("/"):
        from eplanning_core.tenancy.context import tenant_config

        text = pdf_pages(_berita_acara(3, logo="region"))[0]
        logo = tenant_config().logo
        assert logo is not None and logo_flowable(logo) is not None  # Medan's SVG logo is drawn
    head = text.split("Berita acara Musrenbang")[1]
    assert "PEMERINTAH KOTA MEDAN" in text or "GOVERNMENT OF KOTA MEDAN" in text
    assert "KECAMATAN MEDAN KOTA" in head and "KELURAHAN PASAR BARU" in head
    assert "MDN" in text  # the logo's own text


def _kelurahan_decided(siklus, region, clock):
    """Three Rembuk Warga proposals surveyed and sent; the kelurahan accepts one with changes,
    rejects one, keeps the third undecided."""
    users, units = region["users"], region["units"]
    made = []
    for name in ("Pengaspalan Gang Damai", "Drainase Gang Mawar", "Lampu jalan Gang Melati"):
        outcome = usulan_ops.create(siklus, "rembuk_warga", users["ling1"],
                                    dict(ROAD, usulan_kegiatan=name, lokasi_wilayah_id=units[LING].id))
        assert outcome.ok, outcome.errors
        usulan = outcome.usulan
        assert usulan_ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version,
                              stage_key="rembuk_warga").ok
        made.append(usulan.id)
    hold_meeting(siklus, "rembuk_warga", LING)
    assert usulan_ops.send(siklus, "rembuk_warga", LING, users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    changed, rejected, waiting = (db.session.get(Usulan, i) for i in made)
    assert usulan_ops.act(changed, users["kel1"], "diterima_dengan_perubahan", expected_version=changed.version,
                          stage_key="musrenbang_kelurahan", reason="Volume dikurangi menjadi 100 m.").ok
    assert usulan_ops.act(rejected, users["kel1"], "ditolak", expected_version=rejected.version,
                          stage_key="musrenbang_kelurahan", reason="Sudah ditangani dengan Dana Desa").ok
    rapat = rapat_ops.get_rapat(siklus, "musrenbang_kelurahan", units[KEL])
    result = rapat_ops.save(siklus, "musrenbang_kelurahan", units[KEL], users["kel1"],
                            rapat.version if rapat else 0, dict(MEETING))
    assert result.ok, result.errors
    return changed, rejected, waiting


@needs_pdftotext
def test_berita_acara_shows_each_decision_the_right_titles_and_the_letterhead(as_user, region, siklus,
                                                                              clock, client):
    changed, rejected, waiting = _kelurahan_decided(siklus, region, clock)
    as_user("kel1")
    response = client.get(f"/rapat/musrenbang_kelurahan/{region['units'][KEL].id}/berita-acara.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = re.sub(r"\s+", " ", " ".join(pdf_pages(response.data, layout=False)))
    assert "PEMERINTAH KOTA MEDAN" in text and "KELURAHAN PASAR BARU" in text
    # each item's own decision at this meeting, read from the decision records, by its label
    items = documents.with_surveys(siklus, rapat_ops.cycle_for(siklus).stage("musrenbang_kelurahan"),
                                   rapat_ops.berita_acara_items(siklus, "musrenbang_kelurahan", region["units"][KEL]))
    assert {i["kode_lacak"]: (i["status"], i["keputusan"]) for i in items} == {
        changed.kode_lacak: ("diterima_dengan_perubahan", "diterima dengan perubahan"),
        rejected.kode_lacak: ("ditolak", "ditolak"), waiting.kode_lacak: ("belum_dibahas", "belum dibahas")}
    for label in ("diterima dengan perubahan", "ditolak", "belum dibahas", "Sudah ditangani dengan Dana Desa",
                  "Volume dikurangi menjadi 100 m."):
        assert label in text, label
    assert "Lurah Pasar Baru" in text and "Kelurahan Kelurahan" not in text and "Kepala Kelurahan" not in text
    assert "Operator Kelurahan Pasar Baru" in text
    assert "diterima_dengan_perubahan" not in text and "sosial_budaya" not in text

    # The Rembuk Warga's berita acara: "Kepala Lingkungan I", never "Lingkungan Lingkungan I".
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/")})
    as_user("ling1")
    response = client.get(f"/rapat/rembuk_warga/{region['units'][LING].id}/berita-acara.pdf")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", " ".join(pdf_pages(response.data, layout=False)))
    assert "Lingkungan Lingkungan" not in text
    assert re.search(r"Kepala Lingkungan I\b", text)
    assert "dikirim ke Musrenbang Kelurahan" in text  # what the Rembuk Warga did with each


def test_head_titles_follow_the_level():
    class Unit:
        def __init__(self, tingkat, nama):
            self.tingkat, self.nama = tingkat, nama

    class Config:
        levels = ("Kecamatan", "Nagari", "Jorong")

        def level_name(self, tingkat):
            return self.levels[tingkat - 1]

        def unit_label(self, tingkat, nama):
            level = self.level_name(tingkat)
            return nama if nama.lower().startswith(level.lower() + " ") else f"{level} {nama}"

    import eplanning_core.rapat.documents as module

    original = module.tenant_config
    module.tenant_config = Config
    try:
        assert documents.head_title(Unit(1, "Lubuk Basung")) == "Camat Lubuk Basung"
        assert documents.head_title(Unit(2, "Nagari Koto Tangah")) == "Wali Nagari Koto Tangah"
        assert documents.head_title(Unit(3, "Jorong Ateh")) == "Wali Jorong Ateh"
        Config.levels = ("Kecamatan", "Kelurahan", "Lingkungan")
        assert documents.head_title(Unit(2, "Pasar Baru")) == "Lurah Pasar Baru"
    finally:
        module.tenant_config = original


# ---- the RKPD as PDF -------------------------------------------------------------------------------

def _pdf_of_job(client, response) -> bytes:
    assert response.status_code == 303, response.status_code
    status = wait_for_job(client, response)
    assert status["status"] == "done", status
    page = finished_page(client, response)
    download = re.search(r'href="(/tugas/\d+/unduh[^"]*)"', page).group(1)
    data = client.get(download).data
    assert data.startswith(b"%PDF")
    return data


@needs_pdftotext
def test_rkpd_pdf_for_the_region_and_per_agency(client, as_user, region, rkpd):
    siklus, pu = rkpd["siklus"], region["agencies"]["pu"]
    as_user("admin")
    page = client.get(f"/siklus/{siklus.id}/rkpd").get_data(as_text=True)
    assert 'id="rkpd-pdf-region"' in page and f'name="pd" value="{pu.id}"' in page

    data = _pdf_of_job(client, post_form(client, f"/anggaran/{siklus.tahun}/rkpd-pdf", {},
                                         token_from=f"/siklus/{siklus.id}/rkpd"))
    pages = pdf_pages(data, layout=False)
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "PEMERINTAH KOTA MEDAN" in text and "Rencana Kerja Pemerintah Daerah (RKPD) Tahun 2027" in text
    assert f"Halaman 1 dari {len(pages)}" in text
    assert pu.nama in text and "Pembangunan Jalan" in text  # agency and sub kegiatan by name
    for usulan in (rkpd["road"], rkpd["pokir"], *rkpd["extra"]):
        assert usulan.kode_lacak in text
    # provenance: the Rembuk Warga of Lingkungan I, and the council member of the Pokir
    assert "Rembuk Warga: Lingkungan I, Pasar Baru" in text
    assert "Pokir DPRD: " + region["users"]["dprd1"].nama in text
    total = 60_000_000 + 30_000_000 + 3 * 10_000_000
    assert f"{total:,}".replace(",", ".") in text  # the agency's total, in rupiah
    assert "fisik_prasarana" not in text and "musrenbang_rkpd" not in text
    info = _page_size(data)
    assert info[0] > info[1], "the RKPD prints on landscape A4"

    dinkes = region["agencies"]["dinkes"]
    data = _pdf_of_job(client, post_form(client, f"/anggaran/{siklus.tahun}/rkpd-pdf", {"pd": str(dinkes.id)},
                                         token_from=f"/siklus/{siklus.id}/rkpd"))
    text = re.sub(r"\s+", " ", " ".join(pdf_pages(data, layout=False)))
    assert dinkes.nama in text and rkpd["road"].kode_lacak not in text  # only that agency's lines

    # An agency that is not this region's: refused, no job.
    response = post_form(client, f"/anggaran/{siklus.tahun}/rkpd-pdf", {"pd": "999999"},
                         token_from=f"/siklus/{siklus.id}/rkpd")
    assert response.status_code == 404


def _page_size(data: bytes) -> tuple[float, float]:
    match = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)
    return float(match.group(1)), float(match.group(2))


def test_rkpd_pdf_of_the_draft_before_penetapan(app, region, siklus, clock):
    from support.stages import at_rkpd

    from eplanning_core.budgeting import export

    road, clinic = at_rkpd(siklus, region, clock)
    act = usulan_ops.act
    assert act(road, region["users"]["admin"], "diterima", expected_version=road.version,
               stage_key="musrenbang_rkpd").ok
    lines = export.report_lines(siklus)
    assert [line.activity.splitlines()[-1] for line in lines] == [road.kode_lacak]  # accepted at RKPD only
    with app.test_request_context("/"):
        data, count = export.report_pdf(siklus)
    assert count == 1 and data.startswith(b"%PDF")


# ---- Excel and CSV in the reader's language ---------------------------------------------------------

def test_excel_lists_show_labels_in_the_users_language(client, as_user, region, siklus, clock):
    changed, rejected, waiting = _kelurahan_decided(siklus, region, clock)
    as_user("admin")
    for lang, expected in (("id", ("Sosial budaya", "diterima dengan perubahan", "Rembuk Warga")),
                           ("en", ("Sosial budaya", "accepted with changes", "Rembuk Warga"))):
        with client.session_transaction() as session:
            session["lang"] = lang
        response = client.get(f"/usulan/?siklus={siklus.id}&format=xlsx")
        assert response.status_code == 200
        texts = xlsx_texts(response.data)
        for label in expected:
            assert label in texts, (lang, label)
        joined = " ".join(texts)
        for raw in ("sosial_budaya", "diterima_dengan_perubahan", "belum_dibahas", "musrenbang_kelurahan",
                    "lingkungan"):
            assert raw not in texts and raw + " " not in joined, (lang, raw)


def test_open_data_keeps_codes_with_labels_beside_them(client, region, siklus, clock):
    _kelurahan_decided(siklus, region, clock)
    import csv

    body = client.get(f"/publik/data/{siklus.tahun}/usulan.csv")
    assert body.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    header = list(rows[0])
    for code, label in (("sumber", "sumber_nama"), ("bidang", "bidang_nama"), ("status", "status_nama")):
        assert header.index(label) == header.index(code) + 1
    row = next(r for r in rows if r["status"] == "diterima_dengan_perubahan")
    assert row["status_nama"] == "diterima dengan perubahan" and row["bidang"] == "sosial_budaya"
    assert row["bidang_nama"] == "Sosial budaya" and row["sumber_nama"] == "Rembuk Warga"

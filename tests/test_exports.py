"""Excel lists, the CSV/Excel reader for importers, and the PDF minutes and recaps.

No database is needed: a bare Flask app (or none) keeps these tests single-run and fast.
"""

import base64
import io
import re
import time
import tracemalloc
import zipfile
import zlib
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import flask
import pytest
from flask_babel import Babel
from openpyxl import Workbook, load_workbook

from eplanning_core.exports.excel import (XLSX_MIMETYPE, Column, safe_filename,
                                          write_xlsx, xlsx_response)
from eplanning_core.exports.pdf import (berita_acara_pdf, format_local_datetime, pdf_response,
                                        rekap_pdf)

COLUMNS = [Column("No", "int", 6), Column("Usulan kegiatan"), Column("Volume", "decimal"),
           Column("Harga satuan", "rupiah"), Column("Tanggal rapat", "date"),
           Column("Dikirim", "datetime")]


@pytest.fixture
def request_ctx(tmp_path):
    app = flask.Flask(__name__, instance_path=str(tmp_path))
    Babel(app)
    with app.test_request_context():
        yield app


def rows(n):
    for i in range(1, n + 1):
        yield (i, f"Pembangunan drainase lingkungan {i}", Decimal("12.5"), 1_250_000 + i,
               date(2027, 1, 20), datetime(2027, 1, 20, 2, 30))


def workbook_of(response):
    return load_workbook(io.BytesIO(response.get_data()))


# ---- Excel -------------------------------------------------------------------------------

def test_xlsx_response_is_a_proper_download(request_ctx):
    response = xlsx_response("Usulan Kelurahan Sei Agul 2027 (final)/..\\\".xlsx", "Usulan 2027",
                             COLUMNS, rows(3), tz="Asia/Jakarta")
    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="Usulan-Kelurahan-Sei-Agul-2027-final.xlsx"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    ws = workbook_of(response).active
    assert ws.title == "Usulan 2027"
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F4"
    no, usulan, volume, harga, tanggal, dikirim = (c for c in ws[2])
    assert (no.value, no.data_type) == (1, "n")
    assert usulan.value == "Pembangunan drainase lingkungan 1"
    assert volume.value == 12.5 and volume.data_type == "n"
    assert harga.value == 1_250_001 and harga.data_type == "n" and "#,##0" in harga.number_format
    assert "Rp" in harga.number_format
    assert tanggal.value == datetime(2027, 1, 20) and tanggal.number_format == "dd/mm/yyyy"
    # naive datetimes are UTC (as stored); the sheet shows the region's wall clock (WIB)
    assert dikirim.value == datetime(2027, 1, 20, 9, 30)
    assert ws.column_dimensions["A"].width == 6


def test_xlsx_text_is_never_a_formula_and_bad_characters_go(request_ctx):
    data = [(1, '=HYPERLINK("http://evil.example","klik")', None, None, None, None),
            (2, "tab\tand bell\x07 and nul\x00", None, 0, None, None),
            (3, None, Decimal("1E+1"), Decimal("1500000"), None,
             datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc))]
    ws = workbook_of(xlsx_response("x", "x", COLUMNS, data, tz="Asia/Makassar")).active
    assert ws["B2"].value.startswith("=HYPERLINK") and ws["B2"].data_type == "s"
    assert ws["B3"].value == "tab\tand bell and nul"
    assert ws["C3"].value is None and ws["D3"].value == 0
    assert ws["B4"].value is None and ws["C4"].value == 10
    assert ws["D4"].value == 1_500_000 and ws["F4"].value == datetime(2027, 1, 1, 8, 0)  # WITA


def test_xlsx_refuses_floats_for_money_and_ragged_rows(request_ctx):
    with pytest.raises(TypeError):
        xlsx_response("x", "x", COLUMNS, [(1, "a", None, 1250000.0, None, None)])
    with pytest.raises(ValueError):
        xlsx_response("x", "x", COLUMNS, [(1, "a")])
    with pytest.raises(ValueError):
        Column("Harga", "money")


def test_20000_rows_stream_quickly_and_lazily(request_ctx):
    consumed = []

    def lazy_rows():
        for row in rows(20_000):
            consumed.append(1)
            yield row

    started = time.process_time()
    response = xlsx_response("semua-usulan", "Usulan", COLUMNS, lazy_rows(), tz="Asia/Jakarta")
    elapsed = time.process_time() - started
    assert len(consumed) == 20_000
    print(f"20,000 rows took {elapsed:.1f} s of CPU")  # measured, not asserted (docs/performance.md)
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<row ") == 20_001
    assert re.search(r'<c r="D20001"[^>]*><v>1270000</v></c>', sheet)


def test_write_only_keeps_memory_small():
    tracemalloc.start()
    try:
        write_xlsx(io.BytesIO(), "Usulan", COLUMNS, rows(1_500), tz="UTC")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # write-only peaks at about 0.5 MB whatever the length; a normal workbook of these
    # 9,000 cells peaks at about 3.5 MB, and grows with every row
    assert peak < 1_500_000, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.parametrize("name,expected", [
    ("Rekap Pagu Kecamatan.xlsx", "Rekap-Pagu-Kecamatan.xlsx"),
    ("Usulan Kelurahan Lubuk Begalung – Padang.xlsx", "Usulan-Kelurahan-Lubuk-Begalung-Padang.xlsx"),
    ("Nagari Sungai Puar — é.xlsx", "Nagari-Sungai-Puar-e.xlsx"),
    ("../../etc/passwd", "etc-passwd.xlsx"),
    ('a"b\r\nContent-Type: text/html', "a-b-Content-Type-text-html.xlsx"),
    ("", "export.xlsx"), ("....", "export.xlsx"), ("区域", "export.xlsx"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name, ".xlsx") == expected


# ---- reading tables: the one reader of every importer (importing/reader.py) ----------------

def _read(data: bytes, filename: str, required=("kode",)):
    from eplanning_core.importing import ImportReport
    from eplanning_core.importing.reader import read_rows

    report = ImportReport()
    header, rows = read_rows(data, filename, required, report)
    return header, rows, [(p.line, p.kind) for p in report.problems]


def test_reading_a_csv_with_bom_semicolons_and_a_quoted_line_break():
    text = ("\ufeffKode;Nama;Harga\r\n"
            "1.01;Drainase;1.250.000\r\n"
            "\r\n"
            '1.02;"Jalan; beton\r\nlingkungan";2.000.000\r\n'
            "1.03;  Lampu jalan  ;\r\n")
    header, rows, problems = _read(text.encode("utf-8"), "kamus.CSV")
    assert problems == []
    assert header == ["kode", "nama", "harga"]
    assert rows == [
        (2, {"kode": "1.01", "nama": "Drainase", "harga": "1.250.000"}),
        (4, {"kode": "1.02", "nama": "Jalan; beton\r\nlingkungan", "harga": "2.000.000"}),
        (6, {"kode": "1.03", "nama": "Lampu jalan", "harga": ""}),
    ]


def test_reading_a_csv_with_commas_and_an_empty_last_value():
    header, rows, problems = _read(b"kode,nama\n12.71,Kota Medan\n12.71.01,Medan Kota,\n", "wilayah.csv")
    assert problems == [] and header == ["kode", "nama"]
    assert rows == [(2, {"kode": "12.71", "nama": "Kota Medan"}),
                    (3, {"kode": "12.71.01", "nama": "Medan Kota"})]


def test_reading_refuses_what_it_cannot_read():
    assert _read("kode;b\n1;2\n3;Caf\u00e9\n".encode("cp1252"), "x.csv")[2] == [(0, "file_encoding")]
    assert _read(b"\xd0\xcf\x11\xe0", "lama.xls")[2] == [(0, "file_format")]
    assert _read(b"kode,b\n", "x.xlsx")[2] == [(0, "file_format")]
    # a zip under a .csv name is read as a workbook, and is not one
    assert _read(b"PK\x03\x04 rest of a zip", "x.csv")[2] == [(0, "file_format")]
    assert _read(b"", "x.csv")[2] == [(1, "header")]
    assert [k for _, k in _read(b"kode;kode\n1;2\n", "x.csv")[2]] == ["header"]
    assert _read(b"kode;;c\n1;2;3\n", "x.csv")[2] == [(2, "unnamed_column")]
    assert _read(b"kode;;c\n1;;3\n", "x.csv")[2] == []  # an empty unnamed column is no problem
    assert _read(b"kode;b\n1;2;3\n", "x.csv")[2] == [(2, "extra_values")]


def test_reading_xlsx_gives_the_same_strings_as_csv():
    wb = Workbook()
    ws = wb.active
    ws.append(["Kode", "Nama", "Volume", "Harga", "Tanggal", None])
    ws.append(["1.01", "  Drainase ", 12.5, 1250000, datetime(2027, 1, 20), None])
    ws.append([None, None, None, None, None, None])
    ws.append(["1.02", "Jalan", 0.1 + 0.2, 2000000.0, datetime(2027, 1, 20, 9, 30), None])
    buffer = io.BytesIO()
    wb.save(buffer)
    header, rows, problems = _read(buffer.getvalue(), "kamus.xlsx")
    assert problems == []
    assert [h for h in header if h] == ["kode", "nama", "volume", "harga", "tanggal"]
    assert rows == [
        (2, {"kode": "1.01", "nama": "Drainase", "volume": "12.5", "harga": "1250000",
             "tanggal": "2027-01-20"}),
        (4, {"kode": "1.02", "nama": "Jalan", "volume": "0.3", "harga": "2000000",
             "tanggal": "2027-01-20 09:30:00"}),
    ]


def test_reading_back_an_export():
    buffer = io.BytesIO()
    write_xlsx(buffer, "Usulan", COLUMNS, rows(3), tz="UTC")
    header, table, problems = _read(buffer.getvalue(), "usulan.xlsx", required=("no",))
    from eplanning_core.importing.reader import header_key

    assert problems == [] and header == [header_key(c.header) for c in COLUMNS]
    line, first = table[0]
    assert line == 2
    assert first == {header_key("No"): "1", header_key("Usulan kegiatan"): "Pembangunan drainase lingkungan 1",
                     header_key("Volume"): "12.5", header_key("Harga satuan"): "1250001",
                     header_key("Tanggal rapat"): "2027-01-20", header_key("Dikirim"): "2027-01-20 02:30:00"}


# ---- PDF ---------------------------------------------------------------------------------

def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?!s)", data))


def page_texts(data: bytes) -> list[str]:
    """The decoded content stream of each page (reportlab: ASCII85 + Flate)."""
    texts = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = raw.strip()
        if raw.endswith(b"~>"):
            raw = base64.a85decode(raw[:-2], ignorechars=b" \r\n")
        texts.append(zlib.decompress(raw).decode("latin-1"))
    return texts


def visible(text: str) -> str:
    """Page text with reportlab's run breaks ("(a <) Tj (b)") joined back together."""
    return text.replace(") Tj (", "")


def recap_rows(n):
    return [(f"Kelurahan {i} <script>&amp;", i * 3, Decimal("12.5"), i * 1_250_000) for i in range(1, n + 1)]


RECAP_COLUMNS = [Column("Unit", "text", 40), Column("Usulan", "int"), Column("Volume", "decimal"),
                 Column("Total (Rp)", "rupiah")]


def test_rekap_of_2000_rows_is_multipage_with_headers_and_numbered_pages():
    started = time.process_time()
    data = rekap_pdf(title="Rekapitulasi Usulan Musrenbang Kecamatan", subtitle="Tahun 2028",
                     columns=RECAP_COLUMNS, rows=recap_rows(2000),
                     totals_row=("Jumlah", 6003000, None, 2_501_250_000_000),
                     region_name="Kota Medan", page_label="Halaman %(page)s dari %(pages)s")
    elapsed = time.process_time() - started
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    print(f"2,000 rows took {elapsed:.1f} s of CPU")  # measured, not asserted (docs/performance.md)
    pages = page_count(data)
    assert pages > 20
    texts = page_texts(data)
    assert len(texts) == pages
    for number, text in enumerate(texts, 1):
        assert f"(Halaman {number} dari {pages})" in text
        assert "(Kota Medan)" in text
        assert "(Total \\(Rp\\))" in text           # the header row, repeated on every page
    assert "(Kelurahan 1 <script>&amp;)" in texts[0]  # printed as typed, not interpreted
    assert "(2.500.000)" in texts[0]                  # Indonesian thousands
    assert "(12,5)" in texts[0]
    assert "(2.501.250.000.000)" in texts[-1] and "(Jumlah)" in texts[-1]


def test_rekap_landscape_and_defaults():
    data = rekap_pdf(title="Rekap", subtitle="", columns=["Kecamatan", "Jumlah"],
                     rows=[("Medan Kota", 3)], landscape=True)
    assert page_count(data) == 1
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in data
    assert "(1 / 1)" not in page_texts(data)[0]
    assert "(Page 1 of 1)" in page_texts(data)[0]   # default label, translatable
    with pytest.raises(ValueError):
        rekap_pdf(title="x", subtitle="", columns=["a", "b"], rows=[("only one",)])


MEETING = {"tempat": "Balai <Warga> & Aula", "alamat": "Jl. Merdeka No. 5",
           "mulai": datetime(2027, 1, 19, 2, 0), "jumlah_hadir": 42,
           "notulen": "Rapat dibuka oleh Kepala Lingkungan.\n\n<script>alert('x')</script> & <b>tebal</b>\n"
                      "Baris kedua ✓ 😀 ā"}


def berita(items, **overrides):
    arguments = dict(title="Berita Acara Rembuk Warga", region_name="Kota Medan",
                     unit_label="Lingkungan I, Kelurahan Sei Agul", meeting=MEETING, items=items,
                     delegates=["Budi <Santoso>", "Siti & Aminah", "Ucok"],
                     signatures=[("Kepala Lingkungan", "Budi"), ("Notulis", "Ani"),
                                 ("Wakil Warga", "Siti & Aminah"), ("Lurah", "Drs. H. Ahmad")],
                     tz="Asia/Jakarta", page_label="Halaman %(page)s dari %(pages)s")
    arguments.update(overrides)
    return berita_acara_pdf(**arguments)


def item(no, **changes):
    row = {"no": no, "usulan_kegiatan": "Pembangunan drainase <script>& lingkungan",
           "lokasi": "Jl. Kenanga Gg. Damai", "volume": Decimal("120.5"), "satuan": "m",
           "total": 150_625_000, "keputusan": "Diterima", "alasan": ""}
    row.update(changes)
    return row


def test_berita_acara_prints_user_text_literally():
    data = berita([item(1), item(2, keputusan="Ditolak", alasan="Sudah dianggarkan <2026> & selesai")])
    assert data.startswith(b"%PDF-")
    text = visible("".join(page_texts(data)))
    assert "(Balai <Warga> & Aula)" in text
    assert "(Pembangunan drainase <script>&)" in text
    assert "(<script>alert\\('x'\\)</script> & <b>tebal</b>)" in text
    assert "(Sudah dianggarkan)" in text and "(<2026> & selesai)" in text
    assert "(120,5 m)" in text and "(150.625.000)" in text
    assert "(Halaman 1 dari 1)" in text and "(Kota Medan)" in text
    assert "09.00 WIB" in text                       # 02:00 UTC in Medan's time


def test_berita_acara_of_2000_items_is_multipage_and_quick():
    started = time.process_time()
    data = berita([item(i) for i in range(1, 2001)])
    elapsed = time.process_time() - started
    print(f"2,000 items took {elapsed:.1f} s of CPU")  # measured, not asserted (docs/performance.md)
    texts = page_texts(data)
    assert len(texts) == page_count(data) > 20
    table_pages = [text for text in texts if "(Diterima)" in text]
    assert len(table_pages) >= len(texts) - 1
    for text in table_pages:
        assert "(Proposed activity)" in text         # the header row on every page


def test_berita_acara_survives_a_row_taller_than_a_page():
    huge = "Alasan yang sangat panjang sekali " * 1500 + "x" * 3000
    data = berita([item(1), item(2, alasan=huge, usulan_kegiatan="y" * 5000), item(3)])
    assert page_count(data) > 3


def test_berita_acara_with_long_hostile_minutes_is_still_quick():
    hostile = "</para><para> ]]> &#0; &lt; \x00\x07 %(x)s {0} \u200b <font size=99>besar</font> "
    meeting = dict(MEETING, notulen=(hostile * 3000) + "\n\n" + "baris\n" * 3000)
    started = time.process_time()
    data = berita([item(1)], meeting=meeting, title=hostile, unit_label=hostile,
                  delegates=[hostile], signatures=[(hostile, hostile)], page_label="%(page)s %(oops)s")
    assert time.process_time() - started < 5
    texts = page_texts(data)
    assert len(texts) > 10
    assert "<font size=99>besar</font>" in visible(texts[0])
    assert "(1 / " in texts[0]                      # a broken page label falls back to "X / Y"


def test_absurdly_long_values_everywhere_do_not_stall_or_break_the_layout():
    h = "<&> " * 50_000
    started = time.process_time()
    rekap_pdf(title=h, subtitle=h, columns=[h, "b"], rows=[(h, h)] * 3, region_name=h, totals_row=(h, h))
    berita([{k: h for k in ("no", "usulan_kegiatan", "lokasi", "volume", "satuan",
                            "total", "keputusan", "alasan")}] * 3,
           title=h, region_name=h, unit_label=h, meeting={k: h for k in MEETING},
           delegates=[h] * 3, signatures=[(h, h)] * 7, page_label=h)
    assert time.process_time() - started < 10


def test_berita_acara_with_nothing_optional():
    data = berita([], delegates=[], signatures=[], meeting={"mulai": None}, tz=None, page_label=None)
    assert page_count(data) == 1
    assert "(Page 1 of 1)" in page_texts(data)[0]


def test_meeting_times_are_shown_in_the_regions_zone():
    moment = datetime(2027, 1, 19, 2, 0)             # naive: UTC, as the database stores it
    assert format_local_datetime(moment, "Asia/Jakarta").endswith("09.00 WIB")
    assert format_local_datetime(moment, "Asia/Makassar").endswith("10.00 WITA")
    assert format_local_datetime(moment, "Asia/Jayapura").endswith("11.00 WIT")
    aware = datetime(2027, 1, 19, 9, 0, tzinfo=timezone.utc)
    assert format_local_datetime(aware, "Asia/Jakarta") == "Selasa, 19 Januari 2027 16.00 WIB"


def test_outside_a_request_the_regions_settings_apply():
    """CLI commands and batch jobs have an app but no request (so no session to pick a language)."""
    app = flask.Flask(__name__)
    Babel(app, locale_selector=lambda: flask.session.get("lang"))   # needs a request, like the real app
    app.extensions["eplanning.tenant"] = SimpleNamespace(name="Kabupaten Jayapura", timezone="Asia/Jayapura",
                                                         default_language="id")
    with app.app_context():
        data = rekap_pdf(title="Rekap", subtitle="", columns=["Distrik"], rows=[("Sentani",)])
        assert "(Kabupaten Jayapura)" in page_texts(data)[0]
        berita([item(1)], tz=None)
        assert format_local_datetime(datetime(2027, 1, 19, 2, 0)).endswith("11.00 WIT")
        buffer = io.BytesIO()
        write_xlsx(buffer, "x", [Column("Dikirim", "datetime")], [(datetime(2027, 1, 19, 2, 0),)])
        assert load_workbook(buffer).active["A2"].value == datetime(2027, 1, 19, 11, 0)


def test_pdf_response(request_ctx):
    response = pdf_response(b"%PDF-1.4 ...", "Berita Acara Kelurahan Sei Agul.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="Berita-Acara-Kelurahan-Sei-Agul.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    inline = pdf_response(b"%PDF-1.4 ...", "rekap", inline=True)
    assert inline.headers["Content-Disposition"] == 'inline; filename="rekap.pdf"'

"""The import core every importer shares: one reader for CSV and Excel that names rows the way
the user sees them, one problem type rendered in the reader's language, and the file-level
refusals (format, encoding, size, header) that leave no row to check."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import eplanning_core
from eplanning_core.importing import ImportProblem, ImportReport, read_rows

TRANSLATIONS = Path(eplanning_core.__file__).parent / "translations"


@pytest.fixture(scope="module")
def babel_app():
    """Just enough of an app to render lazy messages in English and in Indonesian."""
    app = Flask(__name__)
    app.config.update(BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS), BABEL_DEFAULT_LOCALE="id")
    Babel(app)
    with app.app_context():
        yield app


def read(data: bytes | str, name: str = "data.csv", required=("kode", "nama"), **options):
    report = ImportReport(file=name)
    if isinstance(data, str):
        data = data.encode("utf-8")
    header, rows = read_rows(data, name, required, report, **options)
    return report, header, rows


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kinds(report) -> list[tuple[int, str]]:
    return [(p.line, p.kind) for p in report.problems]


# ---- what a file reads as ----------------------------------------------------------------

def test_csv_and_excel_read_the_same_with_the_users_line_and_row_numbers(babel_app):
    csv_text = ("\ufeffKode;Nama Unit;Harga Satuan\r\n"
                "12.71.01;Medan Kota;1250000\r\n"
                ";;\r\n"                                   # a blank row: skipped, still counted
                "12.71.02; Medan Sunggal ;12.5\r\n")
    report, header, csv_rows = read(csv_text, required=("kode",))
    assert report.ok and not report.excel
    assert header == ["kode", "nama_unit", "harga_satuan"]
    assert csv_rows == [(2, {"kode": "12.71.01", "nama_unit": "Medan Kota", "harga_satuan": "1250000"}),
                        (4, {"kode": "12.71.02", "nama_unit": "Medan Sunggal", "harga_satuan": "12.5"})]
    workbook = xlsx([["Kode", "Nama Unit", "Harga Satuan"], ["12.71.01", "Medan Kota", 1250000.0],
                     [None, None, None], ["12.71.02", " Medan Sunggal ", 12.5]])
    report, header, excel_rows = read(workbook, "data.xlsx", required=("kode",))
    assert report.ok and report.excel
    assert excel_rows == csv_rows  # numbers without float noise, rows numbered as Excel shows them


def test_excel_dates_and_booleans_come_as_text(babel_app):
    workbook = xlsx([["kode", "nama", "tanggal", "aktif"], ["1", "A", datetime(2026, 1, 20), True]])
    _report, _header, rows = read(workbook, "data.xlsx")
    assert rows == [(2, {"kode": "1", "nama": "A", "tanggal": "2026-01-20", "aktif": "TRUE"})]


def test_a_value_spanning_lines_keeps_the_next_rows_line_number(babel_app):
    _report, _header, rows = read('kode,nama\n1,"Jalan\nbaru"\n2,Parit\n')
    assert [(line, row["nama"]) for line, row in rows] == [(2, "Jalan\nbaru"), (4, "Parit")]


def test_a_workbook_saved_under_a_csv_name_is_still_read_as_excel(babel_app):
    report, _header, rows = read(xlsx([["kode", "nama"], ["1", "A"]]), "data.csv")
    assert report.excel and rows == [(2, {"kode": "1", "nama": "A"})]


# ---- refusals ----------------------------------------------------------------------------

@pytest.mark.parametrize("data,name,expected", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, "lama.xls", [(0, "file_format")]),
    ("kode,nama\n1,Caf\u00e9\n".encode("latin-1"), "data.csv", [(0, "file_encoding")]),
    ("kode,nama\n1,A\n".encode("utf-16"), "data.csv", [(0, "file_encoding")]),
    (b"kode,nama\n1,Ba\0rang\n", "data.csv", [(0, "file_format")]),
    (b"PK\x03\x04 not really a workbook", "data.xlsx", [(0, "file_format")]),
    (b"kode,nama\n1,A\n2,\"B\n", "data.csv", [(3, "file_format")]),   # a quote never closed
    (b"code,name\n1,A\n", "data.csv", [(1, "header")]),
    (b"", "data.csv", [(1, "header")]),
    (b"kode,nama,Kode\n1,A,2\n", "data.csv", [(1, "header")]),
    (b"kode,nama\n1,A\n2,B,lebih\n3,C,\n", "data.csv", [(3, "extra_values")]),
])
def test_what_cannot_be_read_is_one_located_problem(babel_app, data, name, expected):
    report, _header, rows = read(data, name)
    assert kinds(report) == expected
    if expected[0][1] != "extra_values":
        assert rows == []


def test_too_many_rows_are_refused_before_they_are_checked(babel_app):
    data = "kode,nama\n" + "".join(f"{n},Unit {n}\n" for n in range(5))
    report, _header, rows = read(data, max_rows=4)
    assert kinds(report) == [(0, "too_many_rows")] and rows == []
    report, _header, rows = read(data, max_rows=5)
    assert report.ok and len(rows) == 5


def test_the_header_message_names_the_missing_columns_in_both_languages(babel_app):
    report, _header, _rows = read(b"kode,name\n1,A\n", shown=("kode", "nama", "tingkat"))
    with force_locale("en"):
        assert str(report.problems[0].message) == ("the first row must name the columns kode,nama,tingkat "
                                                   "(missing: nama)")
    with force_locale("id"):
        assert "nama" in str(report.problems[0].message)
        assert str(report.problems[0].message) != str(force_english(report.problems[0].message))


def force_english(message) -> str:
    with force_locale("en"):
        return str(message)


# ---- columns that go by several names ----------------------------------------------------

def test_an_alias_is_read_as_its_column_and_the_files_word_is_kept(babel_app):
    report, header, rows = read(b"kode,nama,Parent Code\n1.1,A,1\n",
                                aliases={"kode_induk": ("induk", "parent_code")})
    assert header == ["kode", "nama", "kode_induk"] and rows[0][1]["kode_induk"] == "1"
    assert report.column_names == {"kode_induk": "parent_code"}


def test_two_names_of_one_column_are_refused(babel_app):
    report, _header, rows = read(b"kode,nama,induk,kode_induk\n1.1,A,1,1\n",
                                 aliases={"kode_induk": ("induk",)})
    assert kinds(report) == [(1, "header")] and rows == []
    assert "induk, kode_induk" in force_english(report.problems[0].message)


# ---- problems as people read them ----------------------------------------------------------

def test_a_problem_says_where_it_is_in_the_readers_language(babel_app):
    message = "nama is empty"
    with force_locale("en"):
        assert str(ImportProblem(4, "nama_empty", message)) == "Line 4: nama is empty"
        assert str(ImportProblem(4, "nama_empty", message, excel=True)) == "Row 4: nama is empty"
        assert str(ImportProblem(0, "empty", message)) == "File: nama is empty"
        assert str(ImportProblem(4, "nama_empty", message, file="units.csv")) == "units.csv, line 4: nama is empty"
        assert str(ImportProblem(4, "x", message, True, "units.xlsx")) == "units.xlsx, row 4: nama is empty"
        assert str(ImportProblem(0, "x", message, file="units.csv")) == "units.csv: nama is empty"
    with force_locale("id"):
        assert str(ImportProblem(4, "nama_empty", message)) == "Baris 4: nama is empty"


def test_the_import_cores_own_messages_are_translated(babel_app):
    report, _h, _r = read(b"kode,nama\n1,A\n2,\"B\n")
    report2, _h, _r = read(b"kode,nama,nama\n1,A,B\n")
    for problem in report.problems + report2.problems:
        assert force_english(problem.message) != str(problem.message), force_english(problem.message)


# ---- nothing a file holds makes the reader fail ---------------------------------------------

@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(alphabet=st.sampled_from('kode,nama;"\r\n\x00\u00e9 1.\t'), max_size=120)
                      .map(lambda t: t.encode("utf-8"))),
       name=st.sampled_from(["data.csv", "data.xlsx", "data.txt", "data.xls"]))
def test_any_bytes_give_rows_or_located_problems(babel_app, data, name):
    report, _header, rows = read(data, name)
    for problem in report.problems:
        assert isinstance(problem.line, int) and problem.line >= 0 and force_english(problem.message)
    lines = [line for line, _row in rows]
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)
    assert all(isinstance(v, str) for _line, row in rows for v in row.values())

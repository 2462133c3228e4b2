"""Importing the nomenklatur and the proposal catalogue: all or nothing, every bad row named by
its line (CSV) or row (Excel), safe to re-run, money in whole rupiah, fast on the real list."""

from __future__ import annotations

import io
import time

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import event, func, select
from support.env import DATA, ROOT, require_reference

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.kamus import operations
from eplanning_core.kamus.cli import kamus_cli
from eplanning_core.kamus.importer import HargaError, read_harga
from eplanning_core.kamus.nomenclature import normalize_sub_kegiatan
from eplanning_core.kamus.models import KamusUsulan, Nomenklatur
from eplanning_core.tenancy.context import current_tenant_id

REAL_NOMENKLATUR = ROOT / ".." / "shared" / "data" / "nomenklatur90.csv"  # read in place, never copied
MINI_NOMENKLATUR = DATA / "nomenklatur-mini.csv"
MINI_KAMUS = DATA / "kamus-mini.csv"
KAMUS_HEADER = "kode,nama,bidang,satuan,harga_satuan,perangkat_daerah,sub_kegiatan\n"


# ---- helpers -----------------------------------------------------------------------------

def nomenklatur_rows() -> list[tuple]:
    db.session.expire_all()
    return sorted((n.id, n.tenant_id, n.tingkat, n.kode, n.nama)
                  for n in db.session.scalars(select(Nomenklatur)))


def kamus_rows() -> list[tuple]:
    db.session.expire_all()
    return sorted((k.id, k.kode, k.nama, k.bidang, k.satuan, k.harga_satuan, k.perangkat_daerah_id,
                   k.sub_kegiatan_kode, k.aktif, k.version)
                  for k in db.session.scalars(select(KamusUsulan)))


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def import_nomenklatur(data: bytes | str, name="nomenklatur.csv", **options):
    if isinstance(data, str):
        data = data.encode()
    return operations.import_nomenklatur(current_tenant_id(), None, data, name, **options)


def import_kamus(data: bytes | str, name="kamus.csv"):
    if isinstance(data, str):
        data = data.encode()
    return operations.import_kamus(current_tenant_id(), None, data, name)


def refused(run, *args, **kwargs):
    """Run an import that must be refused; check that nothing changed; return its problems."""
    before = (nomenklatur_rows(), kamus_rows(), audit_count())
    report = run(*args, **kwargs)
    assert not report.ok, "the import was not refused"
    assert (nomenklatur_rows(), kamus_rows(), audit_count()) == before, "a refused import wrote"
    return report.problems


def has_problem(problems, line: int, kind: str):
    hits = [p for p in problems if p.line == line and p.kind == kind]
    assert hits, f"expected {kind} at line {line}; got {[(p.line, p.kind) for p in problems]}"
    return hits[0]


def english(obj) -> str:
    """A problem or message as an English reader sees it."""
    with force_locale("en"):
        return str(obj)


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


@pytest.fixture
def nomenklatur(app):
    report = import_nomenklatur(MINI_NOMENKLATUR.read_bytes(), MINI_NOMENKLATUR.name)
    assert report.ok, [str(p) for p in report.problems]
    return report


# ---- normalising codes -------------------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("1.03.10.2.01.05", "1.03.10.2.01.0005"),
    ("1.03.10.2.01.0005", "1.03.10.2.01.0005"),
    (" 1.03.10.2.01.12 ", "1.03.10.2.01.0012"),
    ("x.xx.01.2.01.01", "X.XX.01.2.01.0001"),
    ("1.03.10.2.01", "1.03.10.2.01"),   # a kegiatan stays a kegiatan
    ("1.03.10", "1.03.10"),
])
def test_normalize_sub_kegiatan_takes_both_forms(typed, stored):
    assert normalize_sub_kegiatan(typed) == stored


# ---- the real nomenklatur ----------------------------------------------------------------

@pytest.fixture
def real_file():
    return require_reference(REAL_NOMENKLATUR).read_bytes()


def test_real_nomenklatur_gaps_are_named_by_line_then_it_imports_when_allowed(app, real_file):
    lines = real_file.decode("utf-8-sig").splitlines()
    problems = refused(import_nomenklatur, real_file, "nomenklatur90.csv")
    # the published list has sub kegiatan whose kegiatan is missing: each one named by its line
    assert problems and {p.kind for p in problems} == {"parent_missing"}
    for problem in problems:
        assert lines[problem.line - 1].startswith("sub_kegiatan,"), problem.line
    assert lines[problems[0].line - 1].split(",")[1] == "5.01.04.2.01.01"

    started = time.perf_counter()
    report = import_nomenklatur(real_file, "nomenklatur90.csv", allow_missing_parents=True)
    elapsed = time.perf_counter() - started
    assert report.ok and len(report.warnings) == len(problems)
    kept = sum(1 for line in lines[1:] if line.endswith(",kabupaten_kota"))
    assert report.created == kept == db.session.scalar(select(func.count()).select_from(Nomenklatur))
    assert report.skipped == len(lines) - 1 - kept
    print(f"importing the real list took {elapsed:.2f} s")  # measured, not asserted

    tid = current_tenant_id()
    by_old = operations.find_nomenklatur(tid, "1.03.10.2.01.05")
    by_new = operations.find_nomenklatur(tid, "1.03.10.2.01.0005", "sub_kegiatan")
    assert by_old is not None and by_old.id == by_new.id
    assert by_new.kode == "1.03.10.2.01.0005" and by_new.nama == "Pembangunan Jalan"
    assert operations.find_nomenklatur(tid, "9") is None  # provinsi only: not taken

    before, entries = nomenklatur_rows(), audit_count()
    again = import_nomenklatur(real_file, "nomenklatur90.csv", allow_missing_parents=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, kept)
    assert nomenklatur_rows() == before and audit_count() == entries


def test_6500_rows_import_fast_with_a_handful_of_queries(app):
    lines = ["tingkat,kode,nama", "urusan,1,Urusan Satu"]
    for b in range(1, 11):
        lines.append(f"bidang_urusan,1.{b:02d},Bidang {b}")
        for p in range(1, 11):
            lines.append(f"program,1.{b:02d}.{p:02d},Program {b}.{p}")
            for k in range(1, 6):
                kegiatan = f"1.{b:02d}.{p:02d}.2.{k:02d}"
                lines.append(f"kegiatan,{kegiatan},Kegiatan {kegiatan}")
                for s in range(1, 13):
                    lines.append(f"sub_kegiatan,{kegiatan}.{s:02d},Sub kegiatan {kegiatan}.{s}")
    data = "\n".join(lines).encode()
    assert len(lines) - 1 >= 6500
    with QueryCounter() as counter:
        started = time.perf_counter()
        report = import_nomenklatur(data)
        elapsed = time.perf_counter() - started
    assert report.ok and report.created == len(lines) - 1
    assert len(counter.statements) < 20, "a query per row?"
    print(f"{len(lines) - 1} rows took {elapsed:.2f} s")  # measured, not asserted (docs/performance.md)


# ---- nomenklatur: rules ------------------------------------------------------------------

def test_mini_file_keeps_kabupaten_kota_rows_in_the_4_digit_form(app, nomenklatur):
    codes = {kode for _id, _t, _tg, kode, _n in nomenklatur_rows()}
    assert "1.03.10.2.01.0005" in codes and "1.03.10.2.01.05" not in codes
    assert "1.03.03.2.01.0002" in codes
    assert "9" not in codes and "1.03.10.1.01.0005" not in codes  # provinsi rows
    assert nomenklatur.skipped == 2 and nomenklatur.created == 14


def test_bad_nomenklatur_rows_are_named_by_line_and_nothing_is_written(app, nomenklatur):
    bad = ("tingkat,kode,nama,jenis_pemda\n"
           "kegiatan,1.03.10.2.02,Penyelenggaraan Jembatan,kabupaten_kota\n"    # 2: fine
           "subkegiatan,1.03.10.2.02.01,Tanpa tingkat,kabupaten_kota\n"          # 3
           "program,1.03.1,Kode pendek,kabupaten_kota\n"                          # 4
           "sub_kegiatan,1.03.99.2.01.01,Induk tidak ada,kabupaten_kota\n"        # 5
           "sub_kegiatan,1.03.10.2.02.02,,kabupaten_kota\n"                       # 6
           "sub_kegiatan,1.03.10.2.02.0003,Rehabilitasi,kabupaten_kota\n"         # 7
           "sub_kegiatan,1.03.10.2.02.03,Rehabilitasi lagi,kabupaten_kota\n"      # 8: twice
           "sub_kegiatan,1.03.10.2.02.04,Entah,kecamatan\n")                       # 9
    problems = refused(import_nomenklatur, bad)
    has_problem(problems, 3, "tingkat")
    has_problem(problems, 4, "kode_shape")
    has_problem(problems, 5, "parent_missing")
    has_problem(problems, 6, "nama_empty")
    assert "line 7" in english(has_problem(problems, 8, "duplicate").message)
    has_problem(problems, 9, "jenis_pemda")
    assert not [p for p in problems if p.line in (2, 7)]
    assert len(problems) == 6


def test_parent_found_in_the_database_and_renamed_rows_update(app, nomenklatur):
    report = import_nomenklatur("tingkat,kode,nama\n"
                                "sub_kegiatan,1.03.10.2.01.0013,Pembangunan Flyover\n"
                                "sub_kegiatan,1.03.10.2.01.05,Jalan baru kabupaten/kota (diubah)\n")
    assert report.ok and (report.created, report.updated) == (1, 1)
    tid = current_tenant_id()
    assert operations.find_nomenklatur(tid, "1.03.10.2.01.05").nama == "Jalan baru kabupaten/kota (diubah)"
    assert operations.find_nomenklatur(tid, "1.03.10.2.01.13").nama == "Pembangunan Flyover"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "nomenklatur.import"
    assert entry.changes["1.03.10.2.01.0005"] == ["Jalan baru kabupaten/kota (data uji)",
                                                  "Jalan baru kabupaten/kota (diubah)"]


def test_a_code_in_both_forms_in_one_file_is_a_duplicate(app):
    problems = refused(import_nomenklatur, "tingkat,kode,nama\nurusan,1,U\nbidang_urusan,1.03,B\n"
                       "program,1.03.10,P\nkegiatan,1.03.10.2.01,K\n"
                       "sub_kegiatan,1.03.10.2.01.05,A\nsub_kegiatan,1.03.10.2.01.0005,B\n")
    has_problem(problems, 7, "duplicate")


def test_missing_column_and_wrong_files_are_refused(app):
    has_problem(refused(import_nomenklatur, "kode,nama\n1,Urusan\n"), 1, "header")
    has_problem(refused(import_nomenklatur, "tingkat,kode,nama\nurusan,1,Urus\xe1n\n".encode("latin-1")),
                0, "file_encoding")
    has_problem(refused(import_nomenklatur, b"PK\x03\x04 not really a workbook", "n.xlsx"), 0, "file_format")
    has_problem(refused(import_nomenklatur, b"tingkat,kode,nama,jenis_pemda\nurusan,9,X,provinsi\n"),
                0, "empty")


def test_nomenklatur_from_excel_names_rows(app):
    good = xlsx([["tingkat", "kode", "nama", "jenis_pemda"],
                 ["urusan", 1, "URUSAN WAJIB", "kabupaten_kota"],
                 ["bidang_urusan", "1.03", "PEKERJAAN UMUM", "kabupaten_kota"],
                 ["program", "1.03.10", "PROGRAM JALAN", "kabupaten_kota"],
                 ["kegiatan", "1.03.10.2.01", "Jalan", "kabupaten_kota"],
                 [None, None, None, None],
                 ["sub_kegiatan", "1.03.10.2.01.05", "Jalan baru kabupaten/kota (data uji)", "kabupaten_kota"],
                 ["urusan", 9, "KEKHUSUSAN", "provinsi"]])
    report = import_nomenklatur(good, "nomenklatur.xlsx")
    assert report.ok and report.created == 5 and report.skipped == 1
    assert operations.find_nomenklatur(current_tenant_id(), "1.03.10.2.01.05").nama == "Jalan baru kabupaten/kota (data uji)"

    bad = xlsx([["tingkat", "kode", "nama"], ["sub_kegiatan", "1.03.10.2.01.06", ""],
                ["program", "1.04.01", "Tanpa induk"]])
    problems = refused(import_nomenklatur, bad, "nomenklatur.xlsx")
    assert has_problem(problems, 2, "nama_empty").excel
    has_problem(problems, 3, "parent_missing")
    assert english(problems[0]).startswith("Row 2:")


# ---- catalogue ---------------------------------------------------------------------------

def kamus_csv(*rows: str) -> str:
    return KAMUS_HEADER + "".join(r + "\n" for r in rows)


def test_catalogue_file_imports_with_agencies_and_sub_kegiatan(app, region, nomenklatur):
    report = import_kamus(MINI_KAMUS.read_bytes(), MINI_KAMUS.name)
    assert report.ok, [str(p) for p in report.problems]
    items = {k.kode: k for k in db.session.scalars(select(KamusUsulan))}
    assert set(items) == {"FP-001", "FP-002", "SB-001", "EK-001"}
    road = items["FP-001"]
    assert road.harga_satuan == 1_250_000 and type(road.harga_satuan) is int
    assert road.bidang == "fisik_prasarana" and road.satuan == "m"
    assert road.perangkat_daerah_id == region["agencies"]["pu"].id
    assert road.sub_kegiatan_kode == "1.03.10.2.01.0005"
    assert items["SB-001"].bidang == "sosial_budaya" and items["SB-001"].harga_satuan == 2_500_000
    assert items["EK-001"].perangkat_daerah_id is None and items["EK-001"].sub_kegiatan_kode is None
    assert items["FP-002"].harga_satuan == 850_000


@pytest.mark.parametrize("typed,amount", [
    ("1.250.000", 1_250_000), ("1250000", 1_250_000), ("Rp 1.250.000", 1_250_000),
    ("Rp. 1.250.000", 1_250_000), ("rp1250000", 1_250_000), ("Rp\u00a01.250.000", 1_250_000),
    ("0", 0), ("750", 750), ("1.000", 1000),
])
def test_catalogue_prices_in_the_usual_spellings(app, region, typed, amount):
    report = import_kamus(kamus_csv(f'K-1,Barang,ekonomi,unit,"{typed}",,'))
    assert report.ok, [str(p) for p in report.problems]
    stored = db.session.scalar(select(KamusUsulan.harga_satuan))
    assert stored == amount and type(stored) is int


@pytest.mark.parametrize("typed,kind", [
    ("1.250.000,50", "harga_decimal"), ("1250000.5", "harga_decimal"), ("12,5", "harga_decimal"),
    ("1250000.00", "harga_decimal"), ("-5000", "harga_negative"), ("Rp -5.000", "harga_negative"),
    ("(5.000)", "harga_negative"), ("1,250,000", "harga_invalid"), ("satu juta", "harga_invalid"),
    ("1.25.000", "harga_invalid"), ("", "harga_empty"), ("1" * 20, "harga_too_large"),
])
def test_catalogue_refuses_prices_that_are_not_whole_rupiah(app, region, typed, kind):
    problems = refused(import_kamus, kamus_csv("K-0,Baik,ekonomi,unit,1000,,",
                                               f'K-1,Barang,ekonomi,unit,"{typed}",,'))
    problem = has_problem(problems, 3, kind)
    assert len(problems) == 1
    assert (typed or "harga_satuan") in english(problem.message)


def test_a_price_is_never_a_float():
    """Forms and the API hand in text or int; a float or a bool is refused, never rounded."""
    assert read_harga(1250000) == 1250000 and type(read_harga("1.250.000")) is int
    for value in (1250000.0, 0.5, True):
        with pytest.raises(HargaError) as refused:
            read_harga(value)
        assert refused.value.kind == "harga_invalid"
    with pytest.raises(HargaError) as refused:
        read_harga(-5)
    assert refused.value.kind == "harga_negative"


def test_bad_catalogue_rows_are_named_by_line(app, region, nomenklatur):
    region["agencies"]["dinkes"].aktif = False
    db.session.commit()
    problems = refused(import_kamus, kamus_csv(
        "K-1,Baik,Ekonomi,unit,1000,1.03.01,1.03.10.2.01.0005",   # 2: fine
        "K-2,Bidang salah,pertanian,unit,1000,,",                  # 3
        "K-3,Dinas tak dikenal,ekonomi,unit,1000,9.99.99,",        # 4
        "K-4,Dinas nonaktif,ekonomi,unit,1000,1.02.01,",           # 5
        "K-5,Sub tak ada,ekonomi,unit,1000,,1.03.10.2.01.99",      # 6
        "K-6,Bukan sub,ekonomi,unit,1000,,1.03.10.2.01",           # 7
        "K-1,Kembar,ekonomi,unit,1000,,",                          # 8
        ",Tanpa kode,ekonomi,unit,1000,,",                         # 9
        "K-9,,ekonomi,,1000,,",                                    # 10: two problems
    ))
    has_problem(problems, 3, "bidang")
    has_problem(problems, 4, "perangkat_daerah_unknown")
    has_problem(problems, 5, "perangkat_daerah_disabled")
    has_problem(problems, 6, "sub_kegiatan_unknown")
    has_problem(problems, 7, "sub_kegiatan_shape")
    has_problem(problems, 8, "duplicate")
    has_problem(problems, 9, "kode_empty")
    has_problem(problems, 10, "nama_empty")
    has_problem(problems, 10, "satuan_empty")
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert not [p for p in problems if p.line == 2]


def test_catalogue_reimport_is_idempotent_and_updates_what_changed(app, region, nomenklatur):
    assert import_kamus(MINI_KAMUS.read_bytes()).ok
    before, entries = kamus_rows(), audit_count()
    again = import_kamus(MINI_KAMUS.read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert kamus_rows() == before and audit_count() == entries

    changed = import_kamus("kode,nama,bidang,satuan,harga_satuan\n"
                           "FP-001,Pembangunan jalan lingkungan (rabat beton),fisik_prasarana,m,1.300.000\n")
    assert changed.ok and changed.updated == 1
    road = db.session.scalar(select(KamusUsulan).where(KamusUsulan.kode == "FP-001"))
    assert road.harga_satuan == 1_300_000 and road.version == 2
    # columns the file does not have are left as they were
    assert road.perangkat_daerah_id == region["agencies"]["pu"].id
    assert road.sub_kegiatan_kode == "1.03.10.2.01.0005"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "kamus.import" and entry.changes["FP-001.harga_satuan"] == [1_250_000, 1_300_000]
    assert audit_count() == entries + 1


def test_catalogue_from_excel(app, region, nomenklatur):
    good = xlsx([["Kode", "Nama", "Bidang", "Satuan", "Harga Satuan", "Perangkat Daerah", "Sub Kegiatan"],
                 ["FP-010", "Jembatan kayu", "Fisik Prasarana", "unit", 45000000, "1.03.01", "1.03.10.2.01.12"],
                 ["SB-010", "Sosialisasi", "Sosial Budaya", "kali", "Rp 2.000.000", None, None]])
    report = import_kamus(good, "kamus.xlsx")
    assert report.ok, [str(p) for p in report.problems]
    items = {k.kode: k for k in db.session.scalars(select(KamusUsulan))}
    assert items["FP-010"].harga_satuan == 45_000_000 and items["FP-010"].sub_kegiatan_kode == "1.03.10.2.01.0012"
    assert items["SB-010"].harga_satuan == 2_000_000

    bad = xlsx([["kode", "nama", "bidang", "satuan", "harga_satuan"],
                ["K-1", "Baik", "ekonomi", "unit", 1000],
                ["K-2", "Pecahan", "ekonomi", "unit", 1250.5],
                ["K-3", "Negatif", "ekonomi", "unit", -10]])
    problems = refused(import_kamus, bad, "kamus.xlsx")
    has_problem(problems, 3, "harga_decimal")
    has_problem(problems, 4, "harga_negative")


def test_csv_saved_by_excel_with_bom_semicolons_and_crlf(app, region):
    data = ("\ufeffKode;Nama;Bidang;Satuan;Harga Satuan\r\n"
            "K-1;Tong sampah;Fisik Prasarana;unit;Rp 750.000\r\n"
            "K-2;Bibit;ekonomi;batang;25.000;lebih\r\n").encode("utf-8")
    problems = refused(import_kamus, data)
    assert [(p.line, p.kind) for p in problems] == [(3, "extra_values")]
    report = import_kamus(data.replace(b";lebih", b""))
    assert report.ok and report.created == 2
    assert db.session.scalar(select(KamusUsulan.harga_satuan).where(KamusUsulan.kode == "K-1")) == 750_000


def test_overlong_and_unreadable_csv_files_are_refused_as_a_whole(app, region, monkeypatch):
    from eplanning_core.importing import reader

    monkeypatch.setattr(reader, "MAX_ROWS", 3)
    rows = "".join(f"K-{i},Barang,ekonomi,unit,1000\n" for i in range(4))
    has_problem(refused(import_kamus, "kode,nama,bidang,satuan,harga_satuan\n" + rows), 0, "too_many_rows")
    assert import_kamus("kode,nama,bidang,satuan,harga_satuan\n" + rows.split("\n", 1)[1]).ok
    has_problem(refused(import_kamus, b"kode,nama,bidang,satuan,harga_satuan\nK-9,Ba\0rang,ekonomi,unit,1\n"),
                0, "file_format")


def test_old_excel_format_is_refused_with_a_clear_problem(app, region):
    problems = refused(import_kamus, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "kamus.xls")
    assert has_problem(problems, 0, "file_format")


# ---- the command line --------------------------------------------------------------------

def test_cli_imports_and_reports_problems_with_a_non_zero_exit(app, runner, region, tmp_path):
    result = runner.invoke(kamus_cli, ["import-nomenklatur", str(MINI_NOMENKLATUR)])
    assert result.exit_code == 0, result.output
    assert "14 new" in result.output and "2 rows for provinces skipped" in result.output

    result = runner.invoke(kamus_cli, ["import", str(MINI_KAMUS)])
    assert result.exit_code == 0, result.output
    assert "4 new" in result.output

    result = runner.invoke(kamus_cli, ["import", str(MINI_KAMUS)])
    assert result.exit_code == 0 and "Nothing changed." in result.output

    bad = tmp_path / "kamus-bad.csv"
    bad.write_text(kamus_csv("K-1,Barang,ekonomi,unit,\"1.250.000,50\",,"))
    before = kamus_rows()
    result = runner.invoke(kamus_cli, ["import", str(bad)])
    assert result.exit_code != 0
    assert "kamus-bad.csv, Line 2: unit price 1.250.000,50 has a fraction" in result.output
    assert "nothing was imported" in result.output
    assert kamus_rows() == before


def test_cli_takes_the_real_list_only_when_gaps_are_allowed(app, runner, real_file):
    result = runner.invoke(kamus_cli, ["import-nomenklatur", str(REAL_NOMENKLATUR)])
    assert result.exit_code != 0 and "Line 2366: its parent kegiatan 5.01.04.2.01" in result.output
    assert nomenklatur_rows() == []
    result = runner.invoke(kamus_cli, ["import-nomenklatur", "--allow-missing-parents", str(REAL_NOMENKLATUR)])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output

"""Importing the region's units from CSV: only this region, all or nothing, safe to re-run,
every bad row reported with its file and line number."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from support.env import DATA, ROOT, require_reference

from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id
from eplanning_core.wilayah.importer import WilayahImportError, import_files
from eplanning_core.wilayah.models import Wilayah

NATIONAL = ROOT / ".." / "shared" / "data" / "wilayah.csv"  # read in place, never copied
MINI = DATA / "wilayah-mini.csv"
UNITS = DATA / "units-mini.csv"

GOOD_WILAYAH = """kode,nama,tingkat
12.71.01,Medan Kota,kecamatan
12.71.01.1001,Pasar Baru,desa_kelurahan
12.71.01.1002,Pusat Pasar,desa_kelurahan
"""
GOOD_UNITS = """kode,nama,kode_induk
12.71.01.1001.01,Lingkungan I,12.71.01.1001
12.71.01.1001.02,Lingkungan II,12.71.01.1001
"""


# ---- helpers -----------------------------------------------------------------------------

def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def snapshot() -> list[tuple]:
    """Every unit row, every column that an import may touch."""
    db.session.expire_all()
    return sorted((w.id, w.tenant_id, w.kode, w.nama, w.tingkat, w.jenis, w.parent_id, w.version)
                  for w in db.session.scalars(select(Wilayah)))


def units_by_kode() -> dict[str, Wilayah]:
    db.session.expire_all()
    return {w.kode: w for w in db.session.scalars(select(Wilayah))}


def count(tingkat: int | None = None) -> int:
    query = select(func.count()).select_from(Wilayah)
    if tingkat is not None:
        query = query.where(Wilayah.tingkat == tingkat)
    return db.session.scalar(query)


def run_import(wilayah: Path | None = None, units: Path | None = None):
    return import_files(current_tenant_id(), "12.71", wilayah, units)


def refused(wilayah: Path | None = None, units: Path | None = None) -> list:
    """Run an import that must be refused; return its problems after checking nothing changed."""
    before = snapshot()
    with pytest.raises(WilayahImportError) as info:
        run_import(wilayah, units)
    assert snapshot() == before, "a refused import changed the database"
    return info.value.problems


def assert_problem(problems, file: str, line: int, *parts: str):
    """A problem of ``file`` at ``line`` whose message, as an English reader sees it, has ``parts``."""
    with force_locale("en"):
        hits = [p for p in problems if p.file == file and p.line == line
                and all(part in str(p.message) for part in parts)]
        assert hits, f"expected {file}, line {line}: {parts}; got {[str(p) for p in problems]}"
        text = str(hits[0])
    assert text.startswith(f"{file}, line {line}: ") if line else text.startswith(f"{file}: ")


def cli(runner, *args):
    return runner.invoke(args=["wilayah", "import", *[str(a) for a in args]])


# ---- what is imported --------------------------------------------------------------------

def test_only_the_configured_region_is_taken_from_a_national_format_file(app):
    report = run_import(MINI, UNITS)
    units = units_by_kode()
    assert sorted(units) == ["12.71.01", "12.71.01.1001", "12.71.01.1001.01", "12.71.01.1001.02",
                             "12.71.01.1002", "12.71.01.1002.01", "12.71.02", "12.71.02.1001",
                             "12.71.02.1001.01"]
    # the province, the city itself and Pematangsiantar's rows are not units of Medan
    assert not any(k.startswith("12.72") or k in ("12", "12.71") for k in units)
    assert report.created == {1: 2, 2: 3, 3: 4}
    assert units["12.71.01.1001"].parent.kode == "12.71.01"
    assert units["12.71.01.1001.02"].parent.kode == "12.71.01.1001"
    assert units["12.71.01"].parent is None
    assert units["12.71.01.1002.01"].nama == "Lingkungan I"
    assert {w.tenant_id for w in units.values()} == {current_tenant_id()}
    assert [units["12.71.02"].tingkat, units["12.71.02.1001"].tingkat,
            units["12.71.02.1001.01"].tingkat] == [1, 2, 3]


def test_kelurahan_or_desa_comes_from_the_code(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", """kode,nama,tingkat
12.71.01,Medan Kota,kecamatan
12.71.01.1001,Pasar Baru,desa_kelurahan
12.71.01.2001,Sukamaju,desa_kelurahan
""")
    units = write(tmp_path, "units.csv", "kode,nama,kode_induk\n12.71.01.2001.01,Dusun I,12.71.01.2001\n")
    run_import(wilayah, units)
    found = units_by_kode()
    assert found["12.71.01.1001"].jenis == "kelurahan"
    assert found["12.71.01.2001"].jenis == "desa"
    assert found["12.71.01"].jenis is None and found["12.71.01.2001.01"].jenis is None


def test_the_tingkat_column_is_optional(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", "kode,nama\n12.71.01,Medan Kota\n12.71.01.1001,Pasar Baru\n")
    run_import(wilayah)
    found = units_by_kode()
    assert (found["12.71.01"].tingkat, found["12.71.01.1001"].tingkat) == (1, 2)


def test_lowest_level_from_a_units_file_under_villages_already_imported(app, tmp_path):
    run_import(MINI)
    assert count(3) == 0
    report = run_import(None, UNITS)
    assert report.created == {1: 0, 2: 0, 3: 4}
    found = units_by_kode()
    assert found["12.71.02.1001.01"].parent_id == found["12.71.02.1001"].id


def test_kode_induk_column_is_optional_in_the_units_file(app, tmp_path):
    run_import(MINI)
    run_import(None, write(tmp_path, "units.csv", "kode,nama\n12.71.01.1001.07,Lingkungan VII\n"))
    found = units_by_kode()
    assert found["12.71.01.1001.07"].parent.kode == "12.71.01.1001"


def test_semicolon_separated_excel_export_is_read(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", "kode;nama;tingkat\r\n12.71.01;Medan Kota;kecamatan\r\n"
                                             "12.71.01.1001;Pasar Baru;desa_kelurahan\r\n")
    units = write(tmp_path, "units.csv", "kode;nama;kode_induk\r\n"
                                         "12.71.01.1001.01;Lingkungan I, Pasar;12.71.01.1001\r\n")
    report = run_import(wilayah, units)
    assert report.created == {1: 1, 2: 1, 3: 1}
    assert units_by_kode()["12.71.01.1001.01"].nama == "Lingkungan I, Pasar"


def test_byte_order_mark_is_ignored(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", "\ufeff" + GOOD_WILAYAH)
    units = write(tmp_path, "units.csv", "\ufeff" + GOOD_UNITS.replace(",", ";"))
    report = run_import(wilayah, units)
    assert report.created == {1: 1, 2: 2, 3: 2}
    assert "12.71.01" in units_by_kode()  # not "\ufeff12.71.01" or a missing 'kode' column


def test_header_case_and_spaces_do_not_matter(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", " KODE , Nama ,Tingkat\n12.71.01, Medan Kota ,kecamatan\n")
    run_import(wilayah)
    assert units_by_kode()["12.71.01"].nama == "Medan Kota"


def test_kota_medan_from_the_national_list(app):
    report = run_import(require_reference(NATIONAL).resolve())
    assert report.created == {1: 21, 2: 151, 3: 0}
    assert count(1) == 21 and count(2) == 151 and count() == 172
    found = units_by_kode()
    assert found["12.71.01"].nama == "Medan Kota"
    assert all(k.startswith("12.71.") for k in found)
    assert {w.jenis for w in found.values() if w.tingkat == 2} == {"kelurahan"}  # a city: no desa
    assert all(found[w.kode.rsplit(".", 1)[0]].id == w.parent_id
               for w in found.values() if w.tingkat == 2)


# ---- re-running --------------------------------------------------------------------------

def test_second_run_of_the_same_files_changes_nothing(app):
    run_import(MINI, UNITS)
    before = snapshot()
    report = run_import(MINI, UNITS)
    assert report.created == {1: 0, 2: 0, 3: 0} and report.renamed == {1: 0, 2: 0, 3: 0}
    assert report.unchanged == {1: 2, 2: 3, 3: 4}
    assert not report.changed
    assert snapshot() == before


def test_cli_reports_counts_per_level_and_nothing_changed_on_rerun(runner):
    first = cli(runner, "--wilayah", MINI, "--units", UNITS)
    assert first.exit_code == 0, first.output
    assert "Kecamatan: 2 new, 0 renamed, 0 unchanged" in first.output
    assert "Kelurahan: 3 new, 0 renamed, 0 unchanged" in first.output
    assert "Lingkungan: 4 new, 0 renamed, 0 unchanged" in first.output
    assert "Nothing changed." not in first.output
    before = snapshot()
    second = cli(runner, "--wilayah", MINI, "--units", UNITS)
    assert second.exit_code == 0, second.output
    assert "Kecamatan: 0 new, 0 renamed, 2 unchanged" in second.output
    assert "Lingkungan: 0 new, 0 renamed, 4 unchanged" in second.output
    assert "Nothing changed." in second.output
    assert snapshot() == before


def test_renamed_unit_is_updated_in_place(app, tmp_path):
    run_import(MINI, UNITS)
    before = units_by_kode()
    ids = {k: w.id for k, w in before.items()}
    renamed = write(tmp_path, "wilayah.csv", MINI.read_text().replace("Pusat Pasar", "Pusat Pasar Baru"))
    units = write(tmp_path, "units.csv", UNITS.read_text().replace(
        "12.71.02.1001.01,Lingkungan I", "12.71.02.1001.01,Lingkungan Satu"))
    report = run_import(renamed, units)
    assert report.renamed == {1: 0, 2: 1, 3: 1} and report.created == {1: 0, 2: 0, 3: 0}
    after = units_by_kode()
    assert {k: w.id for k, w in after.items()} == ids  # same rows, so accounts keep their unit
    assert after["12.71.01.1002"].nama == "Pusat Pasar Baru"
    assert after["12.71.01.1002"].version == 2
    assert after["12.71.02.1001.01"].nama == "Lingkungan Satu"
    assert after["12.71.01.1001"].version == 1


def test_every_import_that_changes_units_leaves_its_history_entry(app, tmp_path):
    """Who changed the region's units, and how many, is traceable; the entry also moves the
    history head, so pages kept until the data changes (public portal, Command Center) show
    the new names at once. A run that changes nothing leaves nothing."""
    from eplanning_core.audit.models import AuditEntry

    def imports():
        return db.session.scalars(select(AuditEntry.changes).where(
            AuditEntry.tenant_id == current_tenant_id(), AuditEntry.action == "wilayah.impor")
            .order_by(AuditEntry.seq)).all()

    run_import(MINI, UNITS)
    assert imports() == [{"units_created": [None, 9], "units_renamed": [None, 0]}]
    run_import(MINI, UNITS)
    assert len(imports()) == 1
    renamed = write(tmp_path, "wilayah.csv", MINI.read_text().replace("Pusat Pasar", "Pusat Pasar Baru"))
    run_import(renamed, UNITS)
    assert imports()[-1] == {"units_created": [None, 0], "units_renamed": [None, 1]}


def test_cli_counts_a_rename(runner, tmp_path):
    assert cli(runner, "--wilayah", MINI, "--units", UNITS).exit_code == 0
    renamed = write(tmp_path, "wilayah.csv", MINI.read_text().replace("Medan Sunggal", "Medan Sunggal Raya"))
    result = cli(runner, "--wilayah", renamed, "--units", UNITS)
    assert result.exit_code == 0, result.output
    assert "Kecamatan: 0 new, 1 renamed, 1 unchanged" in result.output
    assert "Nothing changed." not in result.output


def test_unit_left_out_of_a_later_file_is_kept(region, tmp_path):
    """Accounts point to units: an import adds and renames, it never deletes."""
    shorter = write(tmp_path, "wilayah.csv", GOOD_WILAYAH)
    before = count()
    run_import(shorter)
    assert count() == before
    assert "12.71.02" in units_by_kode()


# ---- bad rows: reported with their line, and nothing at all is written ---------------------

BAD_WILAYAH = [
    # (description, the bad line, words expected in the message)
    ("bad code", "12.71.01.10001,Terlalu Panjang,desa_kelurahan", ("12.71.01.10001", "neither")),
    ("bad code letters", "12.71.0A,Medan Huruf,kecamatan", ("12.71.0A", "neither")),
    ("empty name", "12.71.03,,kecamatan", ("nama is empty",)),
    ("name too long", "12.71.03," + "x" * 121 + ",kecamatan", ("longer than 120",)),
    ("unknown parent", "12.71.05.1001,Tanpa Induk,desa_kelurahan", ("'12.71.05'", "neither in the file")),
    ("duplicate code", "12.71.01.1001,Pasar Baru Lagi,desa_kelurahan",
     ("'12.71.01.1001' appears twice", "line 3")),
    ("level does not fit", "12.71.01.1003,Sei Rengas I,kecamatan", ("does not fit tingkat 'kecamatan'",)),
    ("unknown tingkat", "12.71.01.1003,Sei Rengas I,kelurahan", ("tingkat 'kelurahan' is not one of",)),
    ("too many values", "12.71.03,Medan Timur,kecamatan,lagi", ("more values than the header",)),
]


def test_bad_row_in_the_wilayah_file_refuses_everything(app, tmp_path):
    units = write(tmp_path, "units.csv", GOOD_UNITS)
    for case, bad_line, parts in BAD_WILAYAH:
        # four good rows (one a new kecamatan 12.71.02) come before the bad one on line 6
        wilayah = write(tmp_path, "wilayah.csv", GOOD_WILAYAH + "12.71.02,Medan Sunggal,kecamatan\n"
                        + bad_line + "\n12.71.02.1001,Tanjung Rejo,desa_kelurahan\n")
        problems = refused(wilayah, units)
        assert len(problems) == 1, (case, [str(p) for p in problems])
        assert_problem(problems, "wilayah.csv", 6, *parts)
        assert count() == 0, case


BAD_UNITS = [
    ("code not under its kode_induk", "12.71.01.1001.03,Lingkungan III,12.71.01.1002",
     ("'12.71.01.1001.03' does not start with its kode_induk '12.71.01.1002'",)),
    ("code not below a village", "12.71.01.1001,Lingkungan,12.71.01", ("must be the village code",)),
    ("code suffix too long", "12.71.01.1001.1234567,Lingkungan,12.71.01.1001", ("must be the village code",)),
    ("another region", "12.72.01.1001.01,Lingkungan I,12.72.01.1001", ("outside region 12.71",)),
    ("unknown village", "12.71.01.1009.01,Lingkungan I,12.71.01.1009", ("'12.71.01.1009'", "neither")),
    ("empty name", "12.71.01.1002.01,,12.71.01.1002", ("nama is empty",)),
    ("duplicate code", "12.71.01.1001.02,Lingkungan Dua,12.71.01.1001",
     ("appears twice", "first in units.csv, line 3")),
]


def test_bad_row_in_the_units_file_refuses_everything(region, tmp_path):
    """The region already has units; good new rows and a rename come first: none is applied."""
    wilayah = write(tmp_path, "wilayah.csv", GOOD_WILAYAH + "12.71.03,Medan Timur,kecamatan\n")
    for case, bad_line, parts in BAD_UNITS:
        units = write(tmp_path, "units.csv", GOOD_UNITS.replace("Lingkungan II", "Lingkungan Dua Baru")
                      + "12.71.01.1002.05,Lingkungan V,12.71.01.1002\n" + bad_line + "\n")
        problems = refused(wilayah, units)
        assert len(problems) == 1, (case, [str(p) for p in problems])
        assert_problem(problems, "units.csv", 5, *parts)
        found = units_by_kode()
        assert "12.71.03" not in found and "12.71.01.1002.05" not in found, case
        assert found["12.71.01.1001.02"].nama == "Lingkungan II", case


def test_every_bad_row_of_both_files_is_reported_in_order(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", GOOD_WILAYAH + "12.71.0X,Salah,kecamatan\n"
                    "12.71.03,,kecamatan\n12.71.01.1009,Sei Rengas,kecamatan\n")
    units = write(tmp_path, "units.csv", GOOD_UNITS + "12.71.01.1001.09,Lingkungan IX,12.71.01.1002\n")
    problems = refused(wilayah, units)
    assert [(p.file, p.line) for p in problems] == [("units.csv", 4), ("wilayah.csv", 5),
                                                    ("wilayah.csv", 6), ("wilayah.csv", 7)]


def test_file_that_is_not_utf8_is_refused(app, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", GOOD_WILAYAH + "12.71.02,Médan Sunggal,kecamatan\n",
                    encoding="latin-1")
    problems = refused(wilayah, write(tmp_path, "units.csv", GOOD_UNITS))
    assert_problem(problems, "wilayah.csv", 0, "not UTF-8")
    assert count() == 0


def test_utf8_names_are_kept_exactly(app, tmp_path):
    run_import(write(tmp_path, "wilayah.csv", "kode,nama\n12.71.02,Médan Sunggal\n"))
    assert units_by_kode()["12.71.02"].nama == "Médan Sunggal"


def test_header_without_the_required_columns_is_refused(app, tmp_path):
    for header, missing in [("code,name,level", "kode, nama"), ("kode,nama_wilayah,tingkat", "nama"),
                            ("12.71.01,Medan Kota,kecamatan", "kode, nama")]:
        wilayah = write(tmp_path, "wilayah.csv", header + "\n12.71.02,Medan Sunggal,kecamatan\n")
        problems = refused(wilayah)
        assert_problem(problems, "wilayah.csv", 1, f"missing: {missing}")


def test_units_file_header_is_checked_too(app, tmp_path):
    run_import(MINI)
    before = snapshot()
    problems = refused(None, write(tmp_path, "units.csv", "code,name\n12.71.01.1001.01,Lingkungan I\n"))
    assert_problem(problems, "units.csv", 1, "missing: kode, nama")
    assert snapshot() == before


def test_file_without_a_unit_of_this_region_is_refused(app, tmp_path):
    other = write(tmp_path, "wilayah.csv", "kode,nama,tingkat\n12.72,Kota Pematangsiantar,kabupaten_kota\n"
                                           "12.72.01,Siantar Barat,kecamatan\n")
    problems = refused(other)
    assert_problem(problems, "wilayah.csv", 0, "no kecamatan or village of region 12.71")


# ---- the command line --------------------------------------------------------------------

def test_cli_refusal_exits_non_zero_names_the_line_and_imports_nothing(runner, tmp_path):
    wilayah = write(tmp_path, "wilayah.csv", GOOD_WILAYAH + "12.71.01.1003,,desa_kelurahan\n")
    result = cli(runner, "--wilayah", wilayah, "--units", UNITS)
    assert result.exit_code != 0
    assert "error: wilayah.csv, line 5: nama is empty" in result.output  # stderr, shown with stdout
    assert "nothing was imported" in result.output
    assert count() == 0


def test_cli_refuses_a_missing_file(runner, tmp_path):
    result = cli(runner, "--wilayah", tmp_path / "tidak-ada.csv")
    assert result.exit_code != 0
    assert "tidak-ada.csv" in result.output
    assert count() == 0


# ---- the parent column, under the names published lists give it ----------------------------

@pytest.mark.parametrize("column", ["kode_induk", "induk", "kode_parent", "parent", "parent_code",
                                    "parent_kode", "Kode Induk", "PARENT-CODE"])
def test_a_wrong_parent_in_a_units_file_is_caught_whatever_the_column_is_called(app, tmp_path, column):
    run_import(write(tmp_path, "wilayah.csv", GOOD_WILAYAH))
    before = snapshot()
    wrong = write(tmp_path, "units.csv", f"kode,nama,{column}\n"
                                         "12.71.01.1001.01,Lingkungan I,12.71.01.1001\n"
                                         "12.71.01.1001.02,Lingkungan II,12.71.01.1002\n")
    problems = refused(None, wrong)
    assert len(problems) == 1
    assert_problem(problems, "units.csv", 3, "'12.71.01.1001.02' does not start with its", "'12.71.01.1002'")
    with force_locale("en"):
        # the file's own word for the column, as compared (without case, spaces, hyphens)
        assert f"its {column.lower().replace(' ', '_').replace('-', '_')} '" in str(problems[0].message)
    assert snapshot() == before
    right = write(tmp_path, "units.csv", f"kode,nama,{column}\n"
                                         "12.71.01.1001.01,Lingkungan I,12.71.01.1001\n"
                                         "12.71.01.1002.01,Lingkungan I,12.71.01.1002\n")
    assert run_import(None, right).created == {1: 0, 2: 0, 3: 2}
    assert units_by_kode()["12.71.01.1002.01"].parent.kode == "12.71.01.1002"


def test_the_kemendagri_file_parent_column_is_checked_against_the_codes(app, tmp_path):
    """A kecamatan's parent is the region itself; a village's is its kecamatan."""
    good = write(tmp_path, "wilayah.csv", "kode,nama,tingkat,induk\n"
                                          "12.71,Kota Medan,kabupaten_kota,12\n"
                                          "12.71.01,Medan Kota,kecamatan,12.71\n"
                                          "12.71.01.1001,Pasar Baru,desa_kelurahan,12.71.01\n"
                                          "12.71.02,Medan Sunggal,kecamatan,\n")
    assert run_import(good).created == {1: 2, 2: 1, 3: 0}
    before = snapshot()
    bad = write(tmp_path, "wilayah.csv", "kode,nama,tingkat,induk\n"
                                         "12.71.03,Medan Timur,kecamatan,12.72\n"
                                         "12.71.01.1002,Pusat Pasar,desa_kelurahan,12.71.02\n"
                                         "12.71.01.1003,Sei Rengas I,desa_kelurahan,12.71.01\n")
    problems = refused(bad)
    assert [(p.file, p.line, p.kind) for p in problems] == [("wilayah.csv", 2, "parent_mismatch"),
                                                           ("wilayah.csv", 3, "parent_mismatch")]
    assert_problem(problems, "wilayah.csv", 2, "'12.71.03' does not start with its induk '12.72'")
    assert_problem(problems, "wilayah.csv", 3, "'12.71.01.1002' does not start with its induk '12.71.02'")
    assert snapshot() == before


def test_a_parent_that_fits_the_code_must_still_exist(app, tmp_path):
    run_import(write(tmp_path, "wilayah.csv", GOOD_WILAYAH))
    problems = refused(None, write(tmp_path, "units.csv", "kode,nama,parent_code\n"
                                   "12.71.01.1009.01,Lingkungan I,12.71.01.1009\n"))
    assert_problem(problems, "units.csv", 2, "'12.71.01.1009'", "neither in the file nor already imported")


def test_two_parent_columns_in_one_file_are_refused(app, tmp_path):
    run_import(write(tmp_path, "wilayah.csv", GOOD_WILAYAH))
    problems = refused(None, write(tmp_path, "units.csv", "kode,nama,induk,kode_induk\n"
                                   "12.71.01.1001.01,Lingkungan I,12.71.01.1001,12.71.01.1001\n"))
    assert [p.kind for p in problems] == ["header"]
    assert_problem(problems, "units.csv", 1, "induk, kode_induk", "keep one")


def test_an_excel_units_file_names_rows(app, tmp_path):
    from openpyxl import Workbook

    run_import(write(tmp_path, "wilayah.csv", GOOD_WILAYAH))
    book = Workbook()
    for row in (["Kode", "Nama", "Kode Induk"], ["12.71.01.1001.01", "Lingkungan I", "12.71.01.1001"],
                ["12.71.01.1001.02", "Lingkungan II", "12.71.01.1002"]):
        book.active.append(row)
    path = tmp_path / "units.xlsx"
    book.save(path)
    problems = refused(None, path)
    assert [(p.line, p.excel) for p in problems] == [(3, True)]
    with force_locale("en"):
        assert str(problems[0]).startswith("units.xlsx, row 3: ")


def test_the_guide_lists_every_accepted_parent_column_name():
    """docs/configuration.md "Unit files" is where a team looks the names up."""
    from eplanning_core.wilayah.importer import PARENT_COLUMNS

    section = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").split("\n## Unit files\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert all(f"`{name}`" in section for name in PARENT_COLUMNS)

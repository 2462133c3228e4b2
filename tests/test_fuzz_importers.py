"""Every importer, fed hostile files by hypothesis: a clear, located error list or a clean
import, never an exception of another kind, and a refused file changes nothing.

The importers: wilayah CSV (Kemendagri codes and the lowest units, with a parent column
under its several names), kamus usulan and
nomenklatur (CSV and Excel), the APBD budget file (CSV and Excel), and tenant.toml. The files
are built from hostile cells (NUL, huge text, unicode digits, negative and huge numbers,
formulas, SQL/HTML injection, dates, booleans), valid and broken headers, mixed separators,
other encodings, random bytes and truncated Excel. A refused file must leave every table as
it was (a snapshot of all rows) and each problem names its line (0 = the whole file).

Run: .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_importers.py
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from support.env import TENANTS_DIR
from support.rows import planned_items
from support.snapshots import changed_tables, snapshot

from eplanning_core.extensions import db

SETTINGS = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))

CELLS = st.one_of(
    st.sampled_from(["", " ", "\x00", "a\x00b", "A" * 5000, "=HYPERLINK(\"http://x\")", "=1+1", "@SUM(A1)",
                     "' OR '1'='1", "<script>x</script>", "-1", "0", "1.250.000", "Rp 850.000", "Rp -5",
                     "99999999999999999999999", "1e309", "NaN", "１２３", "٣", "²", "😀", "\u202e",
                     "12.71", "12.71.01", "12.71.01.1001", "12.71.01.1001.01", "12.71.99.9999.ZZZZZZ",
                     "1.03.01", "1.03.10.2.01.0005", "1.03.10.2.01.05", "fisik_prasarana", "Ekonomi",
                     "kecamatan", "desa_kelurahan", "sub_kegiatan", "urusan", "kabupaten_kota", "provinsi",
                     "MDN-2026-900000", "MDN-2026-900001", "m", "paket", "\r\n", "\"", ";", ","]),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
EXCEL_CELLS = st.one_of(CELLS, st.integers(min_value=-(2**63), max_value=2**63 - 1),
                        st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                        st.just(datetime(2026, 1, 20, 8, 0)))


def _header(columns: tuple[str, ...]):
    """The importer's header, broken in one of several ways, or left as it is."""
    return st.one_of(
        st.just(list(columns)),
        st.just([c.upper() for c in columns]),
        st.permutations(list(columns)),
        st.lists(st.sampled_from(list(columns)), max_size=len(columns)),  # missing or repeated columns
        st.lists(CELLS, max_size=4),
        st.just(list(columns) + ["extra"]),
    )


def csv_files(columns: tuple[str, ...]):
    """Bytes of a CSV file: a (maybe broken) header and hostile rows, in some encoding."""
    @st.composite
    def build(draw):
        header = draw(_header(columns))
        rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(columns) + 2), max_size=6))
        sep = draw(st.sampled_from([",", ";", "\t"]))
        text = "\n".join(sep.join(cell.replace(sep, " ") if draw(st.booleans()) else f'"{cell}"' for cell in row)
                         for row in [header] + rows) + draw(st.sampled_from(["", "\n", "\r\n"]))
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
        data = text.encode(encoding, errors="replace")
        return data if not draw(st.integers(0, 9)) == 0 else draw(st.binary(max_size=500))
    return build()


def _storable(cell):
    """What a worksheet can hold: Excel itself has no control characters in cells."""
    if isinstance(cell, str):
        return ILLEGAL_CHARACTERS_RE.sub("", cell)[:32000]
    return cell


def excel_files(columns: tuple[str, ...]):
    """Bytes of an .xlsx workbook with hostile cells; sometimes truncated or not a workbook."""
    @st.composite
    def build(draw):
        book = Workbook()
        sheet = book.active
        sheet.append([_storable(c) for c in draw(_header(columns))])
        for row in draw(st.lists(st.lists(EXCEL_CELLS, max_size=len(columns) + 2), max_size=5)):
            sheet.append([_storable(c) for c in row])
        out = io.BytesIO()
        try:
            book.save(out)
        except Exception:  # openpyxl refuses some characters itself: then an empty workbook
            out = io.BytesIO()
            Workbook().save(out)
        data = out.getvalue()
        cut = draw(st.sampled_from([None, None, None, 30, 500]))
        return data[:cut] if cut else data
    return build()


def files(columns: tuple[str, ...]):
    """(bytes, filename): CSV or Excel, named as what it is, or misnamed."""
    return st.one_of(
        st.tuples(csv_files(columns), st.sampled_from(["data.csv", "data.CSV", "data.txt", "data.xlsx"])),
        st.tuples(excel_files(columns), st.sampled_from(["data.xlsx", "data.XLSX", "data.csv"])),
    )


def _lines_named(problems, attr="line"):
    for problem in problems:
        line = getattr(problem, attr)
        assert isinstance(line, int) and line >= 0, problem
        assert str(problem.message).strip(), problem


# ---- wilayah ---------------------------------------------------------------------------------

def test_wilayah_import_refuses_hostile_files_and_changes_nothing(app, region):
    from eplanning_core.wilayah import importer

    tid = region["users"]["admin"].tenant_id

    @SETTINGS
    @example(kemendagri=b"kode,nama,tingkat\n12.71.05,Kec\x00amatan Baru,kecamatan\n", lowest=None)
    @example(kemendagri=None, lowest=b"kode,nama,kode_induk\n12.71.01.1001.09,<b>L\x00ing</b>,12.71.01.1001\n")
    @example(kemendagri=b"kode,nama,tingkat,induk\n12.71.05,Kecamatan Baru,kecamatan,12.72\n", lowest=None)
    @example(kemendagri=None, lowest=b"kode,nama,induk,parent\n12.71.01.1001.09,L,12.71.01.1001,12.71.01\n")
    @given(kemendagri=st.one_of(st.none(), csv_files(("kode", "nama", "tingkat")),
                                csv_files(("kode", "nama", "tingkat", "induk"))),
           lowest=st.one_of(st.none(), csv_files(("kode", "nama", "kode_induk")),
                            csv_files(("kode", "nama", "parent_code", "induk"))))
    def run(kemendagri, lowest):
        before = snapshot()
        problems: list = []
        parsed = []
        if kemendagri is not None:
            parsed.append(("wilayah.csv", importer.parse_kemendagri(kemendagri, "12.71", "wilayah.csv", problems)))
        if lowest is not None:
            parsed.append(("units.csv", importer.parse_lowest(lowest, "12.71", "units.csv", problems)))
        try:
            importer.import_units(tid, parsed, problems)
        except importer.WilayahImportError as refused:
            assert refused.problems
            for problem in refused.problems:
                assert problem.file in ("wilayah.csv", "units.csv") and problem.line >= 0 and problem.message
            assert not changed_tables(before, snapshot())

    run()


# ---- kamus usulan and nomenklatur ------------------------------------------------------------

KAMUS_COLUMNS = ("kode", "nama", "bidang", "satuan", "harga_satuan", "perangkat_daerah", "sub_kegiatan")
NOMENKLATUR_COLUMNS = ("tingkat", "kode", "nama", "jenis_pemda")


#: Well-formed rows but for a NUL character in a text (PostgreSQL cannot store it).
NUL_FILES = {
    "kamus": b"kode,nama,bidang,satuan,harga_satuan,perangkat_daerah,sub_kegiatan\n"
             b"FP-9,Jalan\x00 baru,fisik_prasarana,m\x00,1000,1.03.01,\n",
    "nomenklatur": b"tingkat,kode,nama,jenis_pemda\nurusan,1,Urusan\x00 uji,kabupaten_kota\n",
    "budget": b"external_id,kode_lacak,perangkat_daerah,sub_kegiatan,uraian,jumlah\n"
              b"X\x001,MDN-2026-900000,1.03.01,1.03.10.2.01.0005,Ur\x00aian,1000\n",
}


@pytest.mark.parametrize("which", ["kamus", "nomenklatur"])
def test_kamus_and_nomenklatur_imports_refuse_hostile_files_and_change_nothing(app, region, which):
    from eplanning_core.kamus import operations

    admin = region["users"]["admin"]
    columns = KAMUS_COLUMNS if which == "kamus" else NOMENKLATUR_COLUMNS

    @SETTINGS
    @example(file=(NUL_FILES[which], "nul.csv"))
    @given(file=files(columns))
    def run(file):
        data, name = file
        before = snapshot()
        if which == "kamus":
            report = operations.import_kamus(admin.tenant_id, admin, data, name)
        else:
            report = operations.import_nomenklatur(admin.tenant_id, admin, data, name)
        if not report.ok:
            _lines_named(report.problems)
            assert not changed_tables(before, snapshot())

    run()


# ---- the APBD budget file --------------------------------------------------------------------

BUDGET_COLUMNS = ("external_id", "kode_lacak", "perangkat_daerah", "sub_kegiatan", "uraian", "jumlah")


def test_budget_import_refuses_hostile_files_and_changes_nothing(app, region, clock):
    from eplanning_core.budgeting import importer
    from eplanning_core.siklus.operations import open_cycle

    admin = region["users"]["admin"]
    clock.set_local("2025-06-01T09:00")
    siklus = open_cycle(admin.tenant_id, admin, 2026).obj
    planned_items(siklus, region)
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2025, 5, 20, 3, 0)
    db.session.commit()
    clock.set_local("2025-10-10T09:00")  # the budgeting window of RKPD 2026

    @SETTINGS
    @example(file=(NUL_FILES["budget"], "nul.csv"), final=False)
    @given(file=files(BUDGET_COLUMNS), final=st.booleans())
    def run(file, final):
        data, name = file
        before = snapshot()
        result = importer.import_file(siklus, admin, data, name, final=final)
        if not result.ok:
            _lines_named(result.problems)
            assert not changed_tables(before, snapshot())

    run()


# ---- tenant.toml -----------------------------------------------------------------------------

TOML_VALUES = st.one_of(
    st.sampled_from(['""', '"\\u0000"', '"x"', "0", "-1", "99999999999999999999", "1e309", "nan", "inf", "true",
                     "[]", "{}", '["a", 1]', "{ a = 1 }", "2026-01-20", "2026-01-20T08:00:00", '"Asia/Jakarta"',
                     '"Mars/Olympus"', '"../../etc"', '"12.71"', '"id"', '"xx"']),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
)


def test_tenant_toml_loader_refuses_hostile_files_clearly(tmp_path):
    from eplanning_core.tenancy.loader import TenantConfigError, load_tenant

    original = (TENANTS_DIR / "medan" / "tenant.toml").read_text(encoding="utf-8")
    lines = original.splitlines()

    @SETTINGS
    @given(edits=st.lists(st.tuples(st.integers(0, max(len(lines) - 1, 0)), TOML_VALUES), max_size=4),
           drop=st.lists(st.integers(0, max(len(lines) - 1, 0)), max_size=3),
           garbage=st.one_of(st.none(), st.binary(max_size=200)))
    def run(edits, drop, garbage):
        text = list(lines)
        for index, value in edits:
            key = text[index].split("=", 1)[0].strip() if "=" in text[index] else None
            if key:
                text[index] = f"{key} = {value}"
        for index in sorted(set(drop), reverse=True):
            del text[index]
        folder = tmp_path / "region"
        folder.mkdir(exist_ok=True)
        data = garbage if garbage is not None else "\n".join(text).encode("utf-8")
        (folder / "tenant.toml").write_bytes(data)
        try:
            load_tenant(folder)
        except TenantConfigError as refused:
            assert refused.problems
            for where, message in refused.problems:
                assert isinstance(where, str) and str(message).strip()

    run()

"""The one reader of the CSV and Excel files importers accept.

CSV: UTF-8 (with or without BOM), ``,`` or ``;`` (whichever the first line has more of: Excel
in an Indonesian locale writes ``;``). Excel: .xlsx, the first sheet, numbers without float
noise (``1250000.0`` is ``"1250000"``, ``12.5`` stays ``"12.5"``), dates as ISO dates. The
first row names the columns; names are compared without case, spaces or hyphens
(``Harga Satuan`` is ``harga_satuan``). Every value comes back as stripped text, so one
parser (e.g. :func:`eplanning_core.money.parse_rupiah`) serves both formats.

Rows carry the number the user sees: the CSV line where the record starts, or the Excel row,
the header being 1. Problems go to the caller's report; a problem with the file as a whole
(format, encoding, size, header) leaves no rows to check.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l

#: Rows a file may have (empty rows that carry formatting count too): the national
#: nomenklatur has about 6,500, a catalogue a few thousand, the national unit list 91,599.
MAX_ROWS = 100_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # the old binary Excel (.xls)
_ZIP_MAGIC = b"PK\x03\x04"                         # .xlsx is a zip archive


def header_key(value) -> str:
    """A column name as compared: ``" Harga Satuan "`` -> ``harga_satuan``."""
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lstrip("\ufeff").lower())


def cell_text(value) -> str:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")  # 12.5, never 12.500000000000002
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def is_excel(data: bytes, filename: str) -> bool:
    """An .xlsx by name or by content (a workbook saved under a .csv name is still read)."""
    return (filename or "").lower().endswith((".xlsx", ".xlsm")) or data[:4] == _ZIP_MAGIC


def read_rows(data: bytes, filename: str, required: tuple[str, ...], report, *,
              aliases: dict[str, tuple[str, ...]] | None = None, shown: tuple[str, ...] | None = None,
              max_rows: int | None = None) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the non-empty rows ``(line, {column: text})`` of a CSV or .xlsx file.

    ``report`` takes the problems (``report.problem(line, kind, message)``) and learns
    whether the file is Excel (``report.excel``), so that problems say "row" instead of
    "line". ``aliases`` maps a column to other names it goes by in the files people have
    (``kode_induk``: ``induk``, ``parent``, ...): the header comes back with the first name;
    two names of one column in one file are a problem. ``shown``: the columns the header
    message lists (default ``required``).
    """
    limit = MAX_ROWS if max_rows is None else max_rows
    report.excel = is_excel(data, filename)
    if data[:8] == _OLE_MAGIC or (filename or "").lower().endswith(".xls"):
        report.problem(0, "file_format", _l(
            "the old Excel format (.xls) cannot be read: save the file as .xlsx or as CSV UTF-8"))
        return [], []
    try:
        header, records = _read_excel(data, limit) if report.excel else _read_csv(data, limit)
    except _TooManyRows:
        report.problem(0, "too_many_rows", _l(
            "the file has more than %(max)s rows (empty rows that carry formatting count too)",
            max=limit))
        return [], []
    except UnicodeDecodeError:
        report.problem(0, "file_encoding", _l("the file is not UTF-8 text: save it as CSV UTF-8"))
        return [], []
    except _BadLine as bad:
        report.problem(bad.line, "file_format", _l(
            "this line cannot be read as CSV (a quote or line break out of place)"))
        return [], []
    except _NulInCell as bad:
        report.problem(bad.line, "file_format", _l("a cell of this row holds a NUL character"))
        return [], []
    except Exception:  # openpyxl and csv raise many kinds of error for a damaged or foreign file
        if report.excel:
            report.problem(0, "file_format", _l("the file cannot be read as an Excel workbook (.xlsx)"))
        else:
            report.problem(0, "file_format", _l("the file cannot be read as CSV text"))
        return [], []
    if not _header_ok(header, report, aliases or {}):
        return header, []
    missing = [c for c in required if c not in header]
    if missing:
        report.problem(1, "header", _l(
            "the first row must name the columns %(columns)s (missing: %(missing)s)",
            columns=",".join(shown or required), missing=", ".join(missing)))
        return header, []
    rows = []
    for line, values in records:
        if len(values) > len(header) and any(values[len(header):]):
            report.problem(line, "extra_values", _l(
                "this row has more values than the header has columns"))
            continue
        if any(values[i] for i, name in enumerate(header[:len(values)]) if not name):
            report.problem(line, "unnamed_column", _l(
                "this row has a value in a column the first row gives no name"))
            continue
        record = {name: values[i] if i < len(values) else ""
                  for i, name in enumerate(header) if name}
        if any(record.values()):
            rows.append((line, record))
    return header, rows


def _header_ok(header: list[str], report, aliases: dict[str, tuple[str, ...]]) -> bool:
    """Rename aliases to their column (in place); refuse a column named twice."""
    for column, others in aliases.items():
        names = (column, *others)
        found = [i for i, name in enumerate(header) if name in names]
        if len({header[i] for i in found}) > 1:
            report.problem(1, "header", _l(
                "the columns %(names)s all mean %(column)s: keep one of them",
                names=", ".join(header[i] for i in found), column=column))
            return False
        for i in found:
            if header[i] != column and hasattr(report, "column_names"):
                report.column_names[column] = header[i]
            header[i] = column
    named = [name for name in header if name]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        report.problem(1, "header", _l("the first row names the column %(column)s twice",
                                       column=twice[0]))
        return False
    return True


class _TooManyRows(Exception):
    pass


class _BadLine(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


class _NulInCell(_BadLine):
    pass


def _read_csv(data: bytes, limit: int):
    text = data.decode("utf-8-sig").lstrip("\ufeff")
    if "\x00" in text:  # a binary file with a .csv name; PostgreSQL refuses NUL in text anyway
        raise ValueError("NUL byte in CSV")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # strict: a quote never closed is refused, not allowed to swallow the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [header_key(h) for h in next(reader, [])]
    except csv.Error:
        raise _BadLine(1) from None
    records = []
    while True:
        start = reader.line_num + 1  # a quoted value may span lines: name the first
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise _BadLine(start) from None
        if start > limit + 1:
            raise _TooManyRows
        records.append((start, [v.strip() for v in values]))
    return header, records


def _read_excel(data: bytes, limit: int):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size: never drop rows silently
        rows = sheet.iter_rows(values_only=True)
        header = [header_key(cell_text(h)) for h in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        records = []
        for number, values in enumerate(rows, start=2):
            if number > limit + 1:
                raise _TooManyRows
            texts = [cell_text(v) for v in values]
            if any("\x00" in t for t in texts):
                raise _NulInCell(number)
            records.append((number, texts))
    finally:
        workbook.close()
    return header, records

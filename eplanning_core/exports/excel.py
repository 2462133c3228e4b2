"""Excel lists people download, and one reader for the CSV/Excel files importers accept.

Writing uses openpyxl's write-only mode: rows go to disk as they are produced, so a list of
every proposal in a city (tens of thousands of rows) needs little memory. Money is written
as numbers, not text, so the recipient can sum and filter it; the number format uses the
reader's own separators, which an Indonesian Excel shows as "Rp 1.250.000".
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask import Response, has_app_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .cells import formula_like

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "int", "rupiah", "decimal", "date", "datetime")

_NUMBER_FORMATS = {
    "rupiah": '"Rp "#,##0;-"Rp "#,##0',
    "decimal": "#,##0.00",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
_DEFAULT_WIDTHS = {"text": 30, "int": 10, "rupiah": 18, "decimal": 12, "date": 12, "datetime": 17}
_EXCEL_MAX_TEXT = 32767


def tenant_or_none():
    """The region of the request (or the default one), or None outside a configured app."""
    try:
        from ..tenancy.context import tenant_config

        return tenant_config()
    except (KeyError, RuntimeError):
        return None


@dataclass(frozen=True)
class Column:
    """One column of an export: its header, how its values are written, and its width.

    ``kind``: "text"; "int" (counts, codes: a plain number); "rupiah" (int, shown as
    "Rp 1.250.000"); "decimal" (Decimal volumes); "date"; "datetime" (naive = UTC, shown in
    the region's time). ``width`` is in Excel characters (None: a default for the kind);
    the PDF recaps reuse it as a relative width.
    """

    header: str
    kind: str = "text"
    width: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; one of {KINDS}")

    @property
    def effective_width(self) -> float:
        return self.width or _DEFAULT_WIDTHS[self.kind]


# ---- shared helpers (also used by exports.pdf) ------------------------------------------

def safe_filename(name: str, extension: str) -> str:
    """An ASCII file name for Content-Disposition: accents folded, anything else to '-'."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    stem = ascii_name[:-len(extension)] if ascii_name.lower().endswith(extension) else ascii_name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:100].strip("-.")
    return (stem or "export") + extension


def attachment_response(data: bytes, filename: str, mimetype: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def region_timezone(tz: str | None) -> ZoneInfo:
    """The named zone, else the current region's (tenant.toml), else UTC outside an app."""
    if tz is None and has_app_context():
        tenant = tenant_or_none()
        tz = getattr(tenant, "timezone", None)
    return ZoneInfo(tz or "UTC")


def local_naive(value: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in ``zone``. Naive values are UTC, as the database stores them."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone).replace(tzinfo=None)


# ---- writing ----------------------------------------------------------------------------

def _text(value) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:_EXCEL_MAX_TEXT]


def _cell(ws, column: Column, value, zone: ZoneInfo):
    if value is None or value == "":
        return None
    kind = column.kind
    if kind == "text" or isinstance(value, str):
        text = _text(value)
        if not formula_like(text):
            return text  # a plain value: cheaper for openpyxl than a cell object
        # Text a spreadsheet would run (exports/cells.py): a string with Excel's quote prefix,
        # shown as typed and never a formula, also not once someone edits the cell.
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if kind == "datetime" and isinstance(value, datetime):
        value = local_naive(value, zone)
    elif kind == "date" and isinstance(value, datetime):
        value = local_naive(value, zone).date()
    elif kind in ("int", "rupiah", "decimal"):
        if isinstance(value, float) and kind != "decimal":
            raise TypeError(f"column {column.header!r}: {kind} values must not be float")
        if isinstance(value, Decimal) and kind != "decimal" and value == value.to_integral_value():
            value = int(value)
        if kind == "int":
            return value  # counts and numbers: shown as they are, and a plain value is cheap
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = _NUMBER_FORMATS[kind]
    return cell


def write_xlsx(stream: BinaryIO, sheet_title: str, columns: Sequence[Column],
               rows: Iterable[Sequence], *, tz: str | None = None) -> int:
    """Write one sheet to a binary stream; returns the number of data rows written.

    Datetimes are shown in the region's local time (``tz`` overrides). Rows are consumed
    lazily, so a generator over a database query never holds the whole list in memory.
    """
    zone = region_timezone(tz)
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title=_sheet_title(sheet_title))
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.effective_width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=_text(column.header))
        cell.data_type = "s"
        cell.font = bold
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        header.append(cell)
    ws.append(header)
    width, count = len(columns), 0
    try:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"row {count + 1} has {len(row)} values for {width} columns")
            ws.append([_cell(ws, column, value, zone) for column, value in zip(columns, row)])
            count += 1
    except BaseException:
        # Finish the half-written workbook into a throwaway buffer: openpyxl then removes
        # its temporary files and leaves no dangling generator behind.
        with contextlib.suppress(Exception):
            workbook.save(io.BytesIO())
        raise
    if width:
        ws.auto_filter.ref = f"A1:{get_column_letter(width)}{count + 1}"
    workbook.save(stream)
    return count


def _sheet_title(title: str) -> str:
    title = " ".join(re.sub(r"[\[\]:*?/\\]", " ", title or "").split()).strip("'")[:31]
    return title or "Sheet1"


def xlsx_response(filename: str, sheet_title: str, columns: Sequence[Column],
                  rows: Iterable[Sequence], *, tz: str | None = None) -> Response:
    """A download of one sheet (see :func:`write_xlsx`) with a safe ASCII file name."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_title, columns, rows, tz=tz)
    return attachment_response(buffer.getvalue(), safe_filename(filename, ".xlsx"), XLSX_MIMETYPE)

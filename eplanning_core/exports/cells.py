"""The one rule against spreadsheet formula injection, for every CSV and Excel file we write.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or their fullwidth
forms, or a tab or line break before them) as a formula: ``=HYPERLINK(...)`` phones home,
``+1+cmd|' /C calc'!A0`` starts a program. Operators and citizens type free text (titles,
targets, indicators, reasons) that ends up in these files, so such a *text* cell is
neutralised (OWASP, "CSV Injection"):

- CSV: the text gets a leading apostrophe, and every text cell is quoted, so a ``,`` or
  ``;`` inside it never starts a new cell whichever separator the reader uses (Indonesian
  Windows lists with ``;``). A reader that ignores the quotes (a comma file opened where
  ``;`` separates) starts cells inside a text, after a ``;`` or a line break: where one of
  those is directly followed by a formula character, the apostrophe goes there too.
- Excel: the cell is written as a string with Excel's own "quote prefix" flag (what typing
  an apostrophe does): shown exactly as typed, never run, also not after editing it.

Numbers stay numbers (a negative amount is a number, written unquoted): only text is touched.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

#: What makes a spreadsheet read a cell as a formula (OWASP), with fullwidth forms.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Where a reader that ignores quotes starts a new cell inside a text: after a ``;`` (the list
#: separator of Indonesian Windows) or a line break.
_CELL_BREAK = re.compile("(;|\r\n|\r|\n)(?=[" + re.escape("".join(c for c in FORMULA_START if c not in "\r\n")) + "])")


def formula_like(value) -> bool:
    """Whether a spreadsheet would run this text cell."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_text(value: str) -> str:
    """Text for a CSV cell that no spreadsheet runs, whatever its separator."""
    value = _CELL_BREAK.sub(r"\1'", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_value(value):
    """A CSV cell: None as empty, text made safe, numbers as they are."""
    if value is None:
        return ""
    return csv_text(value) if isinstance(value, str) else value


def csv_writer(buffer):
    """A csv writer that quotes every text cell (numbers stay bare), CRLF line ends."""
    return csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)


def csv_row(values: Iterable) -> list:
    return [csv_value(v) for v in values]

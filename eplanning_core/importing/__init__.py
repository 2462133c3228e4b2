"""What every importer shares: one reader for CSV and Excel files, one problem and report type.

An importer (units, nomenklatur, catalogue, APBD lines) reads its file with
:func:`.reader.read_rows`, which numbers every row the way the user sees it (CSV line or Excel
row, the header being 1), maps the columns to its own fields, collects
:class:`.problems.ImportProblem` in an :class:`.problems.ImportReport`, and hands the checked
rows to its operation, which writes all of them or none. Rupiah amounts are read by
:func:`eplanning_core.money.parse_rupiah`, whose typed errors each importer words itself.
"""

from .problems import ImportProblem, ImportReport
from .reader import MAX_ROWS, cell_text, header_key, read_rows

__all__ = ["ImportProblem", "ImportReport", "MAX_ROWS", "cell_text", "header_key", "read_rows"]

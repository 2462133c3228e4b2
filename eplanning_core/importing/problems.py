"""The problem and report types every importer uses.

A problem names where it is (CSV line or Excel row, the header being 1; 0 = the whole file),
a stable ``kind`` for programs and tests, and a lazy message rendered in the reader's
language where it is shown (page, API error, CLI in English).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ImportProblem:
    line: int          # CSV line or Excel row, counting the header as 1; 0 = the whole file
    kind: str          # a stable key for programs and tests, e.g. "parent_missing"
    message: object = field(repr=False)  # lazy string, rendered in the reader's language
    excel: bool = False
    file: str | None = None  # set where one import reads several files

    @property
    def where(self):
        """``Line 4``, ``Row 4`` (Excel) or ``File``: the start of a line in a list of problems."""
        if not self.line:
            return _l("File")
        return _l("Row %(num)s", num=self.line) if self.excel else _l("Line %(num)s", num=self.line)

    def __str__(self) -> str:
        """``Line 4: ...`` in a list of one file's problems; ``units.csv, line 4: ...`` when
        the problem names its file (an import that reads several)."""
        if not self.file:
            return f"{self.where}: {self.message}"
        if not self.line:
            return f"{self.file}: {self.message}"
        return f"{self.file}, {at(self.line, self.excel)}: {self.message}"


def at(line: int, excel: bool = False):
    """``line 4`` or ``row 4``, for messages that point at another row."""
    return _l("row %(num)s", num=line) if excel else _l("line %(num)s", num=line)


@dataclass
class ImportReport:
    """What an import found and did. ``problems`` non-empty: nothing was written.

    The counts fit an import that creates and updates rows by a key; an importer with other
    counts extends it.
    """

    file: str = ""
    excel: bool = False
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0   # rows that are not for this region (e.g. jenis_pemda provinsi)
    changes: dict = field(default_factory=dict)  # per-item changes, for the history entry
    #: The optional columns the file has: a column left out leaves its field as it was.
    columns: set = field(default_factory=set, repr=False)
    #: Columns the file names by another accepted name ({"kode_induk": "parent"}), so that
    #: messages use the file's own word. Filled by the reader.
    column_names: dict = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def problem(self, line: int, kind: str, message) -> None:
        self.problems.append(ImportProblem(line, kind, message, self.excel))

    def warning(self, line: int, kind: str, message) -> None:
        self.warnings.append(ImportProblem(line, kind, message, self.excel))

    def sort(self) -> None:
        self.problems.sort(key=lambda p: p.line)
        self.warnings.sort(key=lambda p: p.line)

    def at(self, line: int):
        """``line 4`` or ``row 4`` in this file's terms."""
        return at(line, self.excel)

"""Database ids from user text (form fields, query strings, file cells).

``"12"`` is an id; ``"²"``, ``"-1"``, ``"1.5"`` and ``"99999999999"`` are not: a value beyond a
database integer names no row, and must not reach the driver (SQLite raises OverflowError,
PostgreSQL "integer out of range"), which would answer a 500 instead of "not found".
"""

from __future__ import annotations

#: The largest id a database integer column holds (32-bit signed).
MAX_ID = 2_147_483_647


def parse_id(raw) -> int | None:
    """The id ``raw`` names (an int, or decimal digits), or None when it can name no row."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if not text.isdecimal() or len(text) > 10:
            return None
        value = int(text)
    return value if 0 < value <= MAX_ID else None

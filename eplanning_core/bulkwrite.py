"""Writing thousands of rows in a few statements, inside the caller's transaction.

A Core executemany sends one INSERT or UPDATE per row: on PostgreSQL the server then plans
and runs 20,000 statements for 20,000 rows, and that is what a bulk operation waits for.
Here each column travels as one array, written as PostgreSQL's array text (built with
string methods: psycopg's own list adapter costs microseconds per element), and ``unnest``
turns the arrays back into rows: one statement per CHUNK rows. Row level security applies
as to any INSERT or UPDATE (COPY would be refused on a table with row level security).
SQLite runs in-process, where an executemany costs no round trips: it keeps the plain Core
executemany.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import JSON, Table, Text, bindparam, cast, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import NullType, String

from .extensions import db

CHUNK = 5000


def _dialect(session):
    return session.get_bind().dialect


def _type(column):
    """The column's type; a foreign key column not yet resolved takes the referenced type."""
    if isinstance(column.type, NullType) and column.foreign_keys:
        return next(iter(column.foreign_keys)).column.type
    return column.type


def _element_type(column):
    """The type the array is cast to: text for strings, so that the column's own length
    check applies on assignment (a cast to VARCHAR(n) would silently cut a longer value)."""
    kind = _type(column)
    return Text() if isinstance(kind, String) else kind


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _element(value, serialize) -> str:
    if value is None:
        return "NULL"
    if serialize is not None:
        return _quoted(serialize(value))
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # stored as naive UTC, as everywhere in the app
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return _quoted(value.isoformat(sep=" "))
    if isinstance(value, date):
        return value.isoformat()
    return _quoted(str(value))


def _array_text(values: list, kind, dialect) -> str:
    """PostgreSQL array input (``{1,NULL,"a \"b\""}``) of one column's values."""
    if isinstance(kind, JSON):
        serialize = dialect._json_serializer or json.dumps
        if not kind.none_as_null:  # as the JSON type stores None: JSON null, not SQL NULL
            return "{" + ",".join([_quoted(serialize(None)) if v is None else _element(v, serialize)
                                   for v in values]) + "}"
        return "{" + ",".join([_element(v, serialize) for v in values]) + "}"
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    if kinds == {int}:  # ids, numbers: the common case, at C speed
        return "{" + ",".join(["NULL" if v is None else str(v) for v in values]) + "}"
    if kinds == {str}:
        return "{" + ",".join(["NULL" if v is None else _quoted(v) for v in values]) + "}"
    return "{" + ",".join([_element(v, None) for v in values]) + "}"


def _columns(table: Table, names: list[str], rows: list[dict], prefix: str, dialect) -> list:
    """The value of each column in a SELECT over ``unnest`` of one array per varying column;
    a column with the same value in every row is one parameter instead of an array."""
    arrays, varying, out = [], [], {}
    for i, name in enumerate(names):
        values = [row[name] for row in rows]
        first = values[0]
        if i or len(names) == 1:  # the first column always varies: unnest needs an array
            if all(v is first or (type(v) is type(first) and v == first) for v in values):
                out[name] = bindparam(f"{prefix}{i}", first, type_=_type(table.c[name]))
                continue
        kind = _element_type(table.c[name])
        arrays.append(cast(bindparam(f"{prefix}{i}", _array_text(values, kind, dialect), type_=Text()), ARRAY(kind)))
        varying.append(name)
    derived = func.unnest(*arrays).table_valued(*varying).render_derived(name="v")
    return [out[name] if name in out else derived.c[name] for name in names]


def insert_rows(table: Table, rows: list[dict], session=None) -> int:
    """INSERT every row (dicts with the same keys); not committed. Returns the rows written.

    ``session``: the session whose transaction writes them (default: the app's).
    """
    if not rows:
        return 0
    session = session or db.session()
    names = list(rows[0])
    dialect = _dialect(session)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if dialect.name != "postgresql":
            session.execute(insert(table), chunk)
            continue
        columns = _columns(table, names, chunk, "c", dialect)
        session.execute(insert(table).from_select(names, select(*columns)))
    return len(rows)


def update_rows(table: Table, match: tuple[str, ...], rows: list[dict], *, also: dict | None = None,
                session=None) -> int:
    """UPDATE the rows whose ``match`` columns equal a row's, setting its other keys; not committed.

    ``rows``: dicts with the same keys (the ``match`` columns and the columns to set), at most
    one per table row; ``also``: further values for every row (e.g. ``version=table.c.version
    + 1``). Returns how many rows were updated: fewer than given means some did not match
    (a version check failed).
    """
    if not rows:
        return 0
    session = session or db.session()
    names = list(rows[0])
    setting = [n for n in names if n not in match]
    dialect = _dialect(session)
    count = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if dialect.name != "postgresql":
            statement = (update(table).where(*[table.c[n] == bindparam(f"m_{n}") for n in match])
                         .values(**{n: bindparam(f"m_{n}") for n in setting}, **(also or {})))
            count += session.execute(statement, [{f"m_{k}": v for k, v in row.items()} for row in chunk]).rowcount
            continue
        columns = dict(zip(names, _columns(table, names, chunk, "u", dialect)))
        count += session.execute(update(table).where(*[table.c[n] == columns[n] for n in match])
                                 .values(**{n: columns[n] for n in setting}, **(also or {}))).rowcount
    return count

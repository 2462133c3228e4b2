"""Test databases on a PostgreSQL server: probed, created fresh, emptied, dropped.

Shared by the pytest plugin (regions' projects) and the core's own suite, so both find the
server, name and clean their databases the same way. Under pytest-xdist each worker's
databases carry its id (``eplanning_test_gw1_...``), so parallel workers never share one.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool


def server_url(value: str) -> URL:
    """A PostgreSQL server URL with the driver eplanning-core[postgres] installs (psycopg 3)."""
    url = make_url(value)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def probe(server: str | URL) -> str | None:
    """None when the server answers, else why not (one line: the driver's or network's error)."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return None
    except Exception as exc:  # any driver or network error means: not reachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        engine.dispose()


def fresh_name(prefix: str = "eplanning_test") -> str:
    """A database name no other run or xdist worker uses: prefix, worker id, random part."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return "_".join(filter(None, (prefix, worker, uuid.uuid4().hex[:10])))


@contextmanager
def fresh_database(server: str | URL, prefix: str = "eplanning_test"):
    """Yield the URL (password kept) of a new, empty database on ``server``; dropped afterwards,
    with its connections (WITH (FORCE))."""
    server = server_url(str(server) if isinstance(server, str) else server.render_as_string(hide_password=False))
    name = fresh_name(prefix)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def empty_all_tables(metadata, engine) -> None:
    """DELETE every table's rows, children first: on the few rows a test makes, far faster than
    TRUNCATE or a new database.

    On PostgreSQL the audit tables refuse DELETE (a trigger); triggers do not fire for a
    superuser's (the owner's) session in replica mode, for this transaction only.
    """
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))

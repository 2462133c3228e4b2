"""The scaling engines the suite runs against (docs/scaling.md), started by .ci/engines/all.sh
(`make engines`): a PostgreSQL streaming replica, PgBouncer in transaction mode, HAProxy in
front of two application hosts. A pytest plugin (listed in conftest's ``pytest_plugins``):
each engine's tests are required under CI=true and skipped with a visible reason elsewhere,
and the report's header says which engines answered.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .env import IN_CI

HOST = "127.0.0.1"
REPLICA_PORT = int(os.environ.get("EPLANNING_REPLICA_PORT", "5433"))
PGBOUNCER_PORT = int(os.environ.get("EPLANNING_PGBOUNCER_PORT", "6432"))
BALANCER_PORT = int(os.environ.get("EPLANNING_BALANCER_PORT", "8480"))
HOST_PORTS = tuple(int(p) for p in os.environ.get("EPLANNING_HOST_PORTS", "8481 8482").split())
START = "start them with `make engines` (bash .ci/engines/all.sh, as root)"


def _first_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"


def at_port(url: str, port: int, database: str | None = None) -> str:
    """``url`` (password kept) pointing at another port of 127.0.0.1."""
    changed = make_url(url).set(host=HOST, port=port)
    if database is not None:
        changed = changed.set(database=database)
    return changed.render_as_string(hide_password=False)


def replica_server() -> str:
    return f"postgresql+psycopg://postgres@{HOST}:{REPLICA_PORT}/postgres"


def probe_replica() -> str | None:
    """None when a streaming standby answers on REPLICA_PORT, else why not."""
    engine = create_engine(replica_server(), poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("select pg_is_in_recovery()")):
                return f"{HOST}:{REPLICA_PORT} answers but is not a standby"
        return None
    except Exception as exc:  # any driver or network error means: not there
        return _first_line(exc)
    finally:
        engine.dispose()


def probe_pgbouncer() -> str | None:
    """None when PgBouncer in transaction mode answers on PGBOUNCER_PORT, else why not."""
    import psycopg

    try:  # its admin console speaks only SHOW: plain psycopg, no SQLAlchemy dialect
        with psycopg.connect(host=HOST, port=PGBOUNCER_PORT, user="postgres", dbname="pgbouncer",
                             autocommit=True, connect_timeout=3, prepare_threshold=None) as conn:
            config = {row[0]: row[1] for row in conn.execute("SHOW CONFIG")}
        if config.get("pool_mode") != "transaction":
            return f"PgBouncer on {HOST}:{PGBOUNCER_PORT} is in pool_mode {config.get('pool_mode')!r}"
        return None
    except Exception as exc:
        return _first_line(exc)


def probe_balancer() -> str | None:
    """None when something (HAProxy, from .ci/engines/hosts.sh) listens on BALANCER_PORT."""
    try:
        socket.create_connection((HOST, BALANCER_PORT), timeout=2).close()
        return None
    except OSError as exc:
        return _first_line(exc)


def probe_redis() -> str | None:
    """None when Redis answers on 127.0.0.1:6379 (the hosts' shared login counters)."""
    try:
        import redis

        redis.Redis(host=HOST, port=6379, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return _first_line(exc)


PROBES = {"replica": (probe_replica, f"streaming replica at {HOST}:{REPLICA_PORT}"),
          "pgbouncer": (probe_pgbouncer, f"PgBouncer (transaction mode) at {HOST}:{PGBOUNCER_PORT}"),
          "balancer": (probe_balancer, f"HAProxy at {HOST}:{BALANCER_PORT}")}


def require(engine: str) -> None:
    """Skip visibly, or fail under CI=true, when ``engine`` does not answer."""
    probe, what = PROBES[engine] if engine in PROBES else (probe_redis, f"Redis at {HOST}:6379")
    problem = probe()
    if problem is None:
        return
    hint = START if engine in PROBES else "start it (bash .ci/redis.sh, or your distribution's redis-server)"
    message = f"{what} not reachable: {problem}; {hint}"
    if IN_CI:
        pytest.fail(message + " (CI=true: these tests are required)", pytrace=False)
    pytest.skip(message + " - its tests are skipped")


def pytest_report_header(config):
    """One line for the scaling engines (printed by the controller only under xdist)."""
    found = {name: probe() for name, (probe, _what) in PROBES.items()}
    if all(problem is None for problem in found.values()):
        return (f"Scaling engines: replica :{REPLICA_PORT}, PgBouncer :{PGBOUNCER_PORT}, HAProxy "
                f":{BALANCER_PORT} answer; their tests run")
    missing = ", ".join(f"{name} ({problem})" for name, problem in found.items() if problem)
    verdict = "CI=true, so their tests FAIL" if IN_CI else f"their tests are SKIPPED; {START}"
    return f"Scaling engines: NOT reachable: {missing}; {verdict}"


@contextmanager
def exclusive(engine: str):
    """Held while a test pauses or stops the one replica, or holds the hosts' ports: two test
    runs on one machine (a developer's and another's) take turns instead of tripping each other."""
    import fcntl

    with open(os.path.join(tempfile.gettempdir(), f"eplanning-engine-{engine}.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pgbouncer_url(postgres_url):
    """The run's PostgreSQL database, as the URL of PgBouncer in front of it (migrated directly)."""
    require("pgbouncer")
    from support.apps import make_app

    from eplanning_core.testing.plugin import migrate

    migrate(make_app(postgres_url))  # DDL straight to PostgreSQL, as docs/scaling.md says
    return at_port(postgres_url, PGBOUNCER_PORT)


def through_pgbouncer(url: str) -> bool:
    return make_url(url).port == PGBOUNCER_PORT


def settings_for(url: str) -> dict:
    """The settings an app needs on ``url``: behind PgBouncer 1.18 no prepared statements."""
    return {"DATABASE_PREPARED_STATEMENTS": False} if url.startswith("postgresql") and through_pgbouncer(url) else {}


# ---- the replica ------------------------------------------------------------------------------

def replica_engine(database: str):
    return create_engine(at_port(replica_server(), REPLICA_PORT, database), poolclass=NullPool,
                         isolation_level="AUTOCOMMIT")


def wait_until(condition, seconds: float, what: str):
    """Poll ``condition`` until it returns something true, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def wait_replayed(primary_url: str, seconds: float = 20) -> None:
    """Until the replica replayed everything the primary wrote so far."""
    primary = create_engine(primary_url, poolclass=NullPool)
    with primary.connect() as conn:
        lsn = conn.scalar(text("select pg_current_wal_lsn()"))
    primary.dispose()
    replica = replica_engine("postgres")
    try:
        def replayed():
            with replica.connect() as conn:
                return conn.scalar(text("select pg_last_wal_replay_lsn() >= cast(:lsn as pg_lsn)"), {"lsn": lsn})
        wait_until(replayed, seconds, f"the replica replays up to {lsn}")
    finally:
        replica.dispose()


def replica_sql(statement: str):
    replica = replica_engine("postgres")
    try:
        with replica.connect() as conn:
            return conn.scalar(text(statement))
    finally:
        replica.dispose()


def replica_data_directory() -> str:
    return replica_sql("show data_directory")


def pg_ctl(data_directory: str, *args: str) -> None:
    """pg_ctl of the replica, as the postgres OS user (the suite runs as root in CI)."""
    with open(os.path.join(data_directory, "PG_VERSION")) as handle:
        version = handle.read().strip()
    command = [f"/usr/lib/postgresql/{version}/bin/pg_ctl", "-D", data_directory, *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)

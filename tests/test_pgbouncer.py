"""PgBouncer in transaction mode between the application and PostgreSQL (docs/scaling.md).

The row level security and isolation tests run a variant through PgBouncer as well
(tests/test_rls.py, tests/test_isolation_matrix.py: the ``pgbouncer`` database); here what
pooling by transaction changes: a server connection serves many clients one transaction at a
time, so the region must be set per transaction, and psycopg's prepared statements must be off
with PgBouncer 1.18 (Debian 12). Requires PgBouncer on 127.0.0.1:6432 (`make engines`):
under CI=true a missing one fails these tests.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from support.acting import create_proposal
from support.engines import PGBOUNCER_PORT, through_pgbouncer

from eplanning_core.extensions import db

pytestmark = pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True)


def _show(command: str) -> list[dict]:
    with psycopg.connect(host="127.0.0.1", port=PGBOUNCER_PORT, user="postgres", dbname="pgbouncer",
                         autocommit=True, prepare_threshold=None) as conn:
        cursor = conn.execute(command)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor]


def _client(url: str, **kwargs) -> psycopg.Connection:
    parts = make_url(url)
    return psycopg.connect(host=parts.host, port=parts.port, user=parts.username, password=parts.password,
                           dbname=parts.database, **kwargs)


def test_the_app_works_through_pgbouncer_as_the_application_role(app, client, siklus, region, app_database_url):
    assert through_pgbouncer(db.engine.url.render_as_string(hide_password=False))
    usulan = create_proposal(siklus, region)
    for _ in range(8):  # more than psycopg's 5 runs before it would prepare a statement
        page = client.get(f"/publik/lacak?kode={usulan.kode_lacak}")
        assert page.status_code == 200 and usulan.kode_lacak in page.get_data(as_text=True)
    pools = [p for p in _show("SHOW POOLS") if p["database"] == make_url(app_database_url).database]
    assert make_url(app_database_url).username in {p["user"] for p in pools}  # it did go through PgBouncer
    with db.engine.connect() as conn:  # the setting docs/scaling.md names: no prepared statements
        assert conn.connection.driver_connection.prepare_threshold is None


def test_the_region_is_set_per_transaction_and_never_reaches_the_next_client(app, region, app_database_url):
    """Two clients through one PgBouncer pool: the first sets its region in each transaction
    (as tenancy/rls.py does); the second, in a transaction of its own, sees no region's row.
    The control: a session-wide setting does travel to the next client on the pooled server
    connection, which is why the application never makes one."""
    tenant_id = region["units"]["12.71.01"].tenant_id
    with _client(app_database_url, prepare_threshold=None) as first, \
            _client(app_database_url, prepare_threshold=None) as second:
        for _ in range(5):
            with first.transaction():
                first.execute("select set_config('eplanning.tenant_id', %s, true)", (str(tenant_id),))
                assert first.execute("select count(*) from wilayah").fetchone()[0] > 0
            with second.transaction():
                assert second.execute("select count(*) from wilayah").fetchone()[0] == 0
                assert second.execute("select current_setting('eplanning.tenant_id', true)").fetchone()[0] in (None, "")
        with first.transaction():  # control, on a name the application never reads
            first.execute("select set_config('eplanning.leak_probe', 'from the first client', false)")
        with second.transaction():
            leaked = second.execute("select current_setting('eplanning.leak_probe', true)").fetchone()[0]
        assert leaked == "from the first client"  # one server connection served both clients


def test_prepared_statements_confuse_pooled_connections_unless_switched_off(app, app_database_url):
    """What DATABASE_PREPARED_STATEMENTS=false prevents: with PgBouncer 1.18 a statement one
    client prepared stays on the server connection the next client gets, under the same name."""
    def interleave(threshold) -> list[str]:
        problems = []
        with _client(app_database_url, prepare_threshold=threshold) as one, \
                _client(app_database_url, prepare_threshold=threshold) as two:
            for round_ in range(6):
                outer, inner = (one, two) if round_ % 2 else (two, one)
                try:
                    with outer.transaction(), inner.transaction():
                        number = one.execute("select %s::int + 1", (round_,)).fetchone()[0]
                        word = two.execute("select %s::text || '-kata'", (str(round_),)).fetchone()[0]
                    if (number, word) != (round_ + 1, f"{round_}-kata"):
                        problems.append(f"wrong result {(number, word)}")
                except psycopg.Error as error:
                    problems.append(type(error).__name__)
        return problems

    assert interleave(None) == []
    assert interleave(0) != []  # 0: prepare at once, as psycopg does after 5 runs by default
    with app.app_context():
        db.session.execute(text("select 1"))  # the app's own pool is unharmed

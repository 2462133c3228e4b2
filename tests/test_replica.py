"""A PostgreSQL streaming replica for the public portal, open data and the Command Center
(database_routing.py, docs/scaling.md): public reads hit the replica, writes and operator pages
the primary; a page is never kept under a head newer than its data; a lagging or stopped
replica sends reads back to the primary, and the health report says so.

On the real replica .ci/engines/replica.sh makes with pg_basebackup (127.0.0.1:5433): required
under CI=true, skipped with a visible reason elsewhere. One xdist group: the tests pause and
stop the one replica in turn.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from support.acting import act_on, create_proposal
from support.engines import (REPLICA_PORT, at_port, exclusive, pg_ctl, probe_replica, replica_data_directory,
                             replica_sql, require, wait_replayed, wait_until)
from support.env import IN_CI

from eplanning_core import database_routing
from eplanning_core.database_routing import ReplicaState
from eplanning_core.extensions import db
from eplanning_core.portal import pagecache
from eplanning_core.usulan.models import Usulan

pytestmark = [pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
              pytest.mark.xdist_group("replica")]
REASON = "Sudah dibangun swadaya warga"


@pytest.fixture
def with_replica(app, app_database_url):
    """The test's app reading public pages from the replica (as the same application role);
    the replica is this test's alone meanwhile (other runs on the machine wait)."""
    require("replica")
    made = []

    def configure(max_lag_ms: int = 5000):
        app.config.update(REPLICA_DATABASE_URL=at_port(app_database_url, REPLICA_PORT), REPLICA_MAX_LAG_MS=max_lag_ms)
        database_routing.init_app(app)
        made.append(app)
        return app.extensions[database_routing.KEY]
    with exclusive("replica"):
        try:
            yield configure
        finally:
            replica_sql("select pg_wal_replay_resume()")  # whatever a test left paused
            for each in made:
                database_routing.dispose(each)


@contextmanager
def statements_on(engine):
    """The SQL statements run on ``engine`` meanwhile (lower case)."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement.lower())
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _track(client, code):
    return client.get(f"/publik/lacak?kode={code}")


def _paused_behind_a_decision(usulan, region):
    """Replay paused on the replica, then a rejection saved on the primary and streamed to the
    replica, which has not applied it."""
    replica_sql("select pg_wal_replay_pause()")
    wait_until(lambda: replica_sql("select pg_get_wal_replay_pause_state()") == "paused", 10, "replay pauses")
    act_on(db.session.get(Usulan, usulan.id), region["users"]["ling1"], "ditolak", reason=REASON)
    wait_until(lambda: replica_sql("select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"), 10,
               "the replica receives the decision's WAL")


def test_public_reads_hit_the_replica_and_operator_pages_the_primary(with_replica, client, siklus, region,
                                                                     database_url, as_user):
    replica = with_replica()
    code = create_proposal(siklus, region).kode_lacak
    wait_replayed(database_url)
    with statements_on(replica.engine) as on_replica, statements_on(db.engine) as on_primary:
        page = _track(client, code)
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    assert any("from audit_chain_head" in s for s in on_replica)  # the page's key, from the same replica
    assert any("from usulan" in s for s in on_replica)
    assert not any("from usulan" in s or "audit_chain_head" in s for s in on_primary), on_primary

    with statements_on(replica.engine) as on_replica, statements_on(db.engine) as on_primary:
        start = client.get("/publik/")  # its daily audit checkpoint is written on the primary
        data = client.get("/publik/data/2027/usulan.csv")  # open data, streamed from the replica
    assert start.status_code == 200 and data.status_code == 200
    assert code in data.get_data(as_text=True)
    assert sum("from usulan" in s for s in on_replica) >= 2
    assert any(s.startswith("insert into audit_checkpoint") for s in on_primary)
    assert not any(s.startswith(("insert", "update", "delete")) for s in on_replica)

    as_user("admin")
    with statements_on(replica.engine) as on_replica:
        board = client.get("/command-center/")
    assert board.status_code == 200 and any("from usulan" in s for s in on_replica)
    with statements_on(replica.engine) as on_replica:
        assert client.get("/usulan/").status_code == 200  # an operator page
        assert client.get("/siklus/").status_code in (200, 302)
    assert on_replica == []

    health = client.get("/api/v1/health").get_json()["replica"]
    assert health["configured"] and health["in_use"] and health["lag_seconds"] is not None
    page = client.get("/admin/kesehatan/").get_data(as_text=True)  # the administrator's health page
    assert "Replika baca" in page and "dipakai" in page and "Ketertinggalan replikasi" in page


def test_a_replica_lagging_beyond_the_limit_sends_reads_to_the_primary(with_replica, app, client, siklus,
                                                                       region, database_url, as_user):
    replica = with_replica(max_lag_ms=0)
    usulan = create_proposal(siklus, region)
    wait_replayed(database_url)
    assert "belum dibahas" in _track(client, usulan.kode_lacak).get_data(as_text=True)
    _paused_behind_a_decision(usulan, region)
    replica.state = None  # the second a worker trusts its last look has passed
    page = _track(client, usulan.kode_lacak).get_data(as_text=True)
    assert REASON in page  # read from the primary
    health = client.get("/api/v1/health").get_json()["replica"]
    assert health["in_use"] is False and health["lag_seconds"] > 0 and "behind" in health["detail"]
    as_user("admin")
    page = client.get("/admin/kesehatan/").get_data(as_text=True)
    assert "tidak dipakai" in page and re.search(r'id="lag">[0-9.]+ detik', page), page


def test_a_lagging_replica_in_use_never_keeps_a_page_under_a_newer_head(with_replica, client, siklus, region,
                                                                        database_url):
    replica = with_replica(max_lag_ms=10**9)  # lag accepted: the replica keeps serving
    usulan = create_proposal(siklus, region)
    wait_replayed(database_url)
    before = _track(client, usulan.kode_lacak)
    _paused_behind_a_decision(usulan, region)
    pagecache.forget_heads()
    replica.state = None
    during = _track(client, usulan.kode_lacak)
    assert replica.state.usable
    assert REASON not in during.get_data(as_text=True)  # the replica's older data ...
    assert during.headers["ETag"] == before.headers["ETag"]  # ... under the replica's own, older head
    replica_sql("select pg_wal_replay_resume()")
    wait_replayed(database_url)
    pagecache.forget_heads()
    after = _track(client, usulan.kode_lacak)
    assert REASON in after.get_data(as_text=True) and after.headers["ETag"] != before.headers["ETag"]


def test_a_stopped_replica_sends_reads_to_the_primary(with_replica, client, siklus, region, database_url):
    if os.geteuid() != 0:
        require_root = "stopping the replica needs root (runuser -u postgres)"
        pytest.fail(require_root) if IN_CI else pytest.skip(require_root)
    replica = with_replica()
    usulan = create_proposal(siklus, region)
    wait_replayed(database_url)
    directory = replica_data_directory()
    pg_ctl(directory, "stop", "-m", "fast", "-w")
    try:
        # The worker still trusts its look of a moment ago: the view fails on the replica and
        # runs again on the primary.
        replica.state = ReplicaState(True, 0.0, "in use")
        pagecache.forget_heads()
        page = _track(client, usulan.kode_lacak)
        assert page.status_code == 200 and usulan.kode_lacak in page.get_data(as_text=True)
        assert replica.state.usable is False and "failed during a request" in replica.state.reason
        replica.state = None
        health = client.get("/api/v1/health").get_json()["replica"]
        assert health["in_use"] is False and health["detail"].startswith("unreachable")
        again = _track(client, usulan.kode_lacak)
        assert again.status_code == 200 and usulan.kode_lacak in again.get_data(as_text=True)
    finally:
        pg_ctl(directory, "start", "-w", "-l", os.path.join(directory, "replica.log"))
        wait_until(lambda: probe_replica() is None, 30, "the replica answers again")

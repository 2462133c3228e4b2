"""The database connection dies in the middle of a bulk change: all or nothing, a clear answer.

On PostgreSQL the connection is killed for real: at the chosen statement a second (admin)
connection runs ``pg_terminate_backend`` on this one's server process, so the driver meets
a closed socket exactly as when the server restarts or the network drops. On SQLite the
same point raises the driver's OperationalError.

What must hold after the drop: nothing of the half-done change is stored (proposals per
stage, decisions, sends, history entries unchanged), the user got a 503 page or JSON saying
"nothing was saved, try again" (never a traceback), the next request works on a fresh
connection, a new app and engine (a restart) find the same consistent state, and doing the
same thing again succeeds.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from support.apps import make_app
from support.budget import apbd_csv, budget_state
from support.env import DATA
from support.stages import act_at_stage, at_rkpd
from support.web import post_form

from eplanning_core.audit.models import AuditEntry
from eplanning_core.budgeting import importer
from eplanning_core.extensions import db
from eplanning_core.rapat.operations import save as save_meeting
from eplanning_core.siklus import rkpd as plan
from eplanning_core.tenancy.context import current_tenant_id
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Pengiriman, Usulan
from eplanning_core.wilayah.importer import import_files
from eplanning_core.wilayah.models import Wilayah

ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan",
        "volume": "150", "satuan": "m", "harga_satuan": "450.000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah"}
UNAVAILABLE = ("Nothing was saved", "Tidak ada yang tersimpan")


class DropConnection:
    """Kill the session's database connection at the ``at``-th statement that ``match`` accepts.

    PostgreSQL: ``pg_terminate_backend`` from a separate admin connection (the statement then
    runs on a dead connection). SQLite: the statement raises the driver's OperationalError.
    """

    def __init__(self, engine, *, at: int = 1, match=lambda sql: True):
        self.engine, self.at, self.match = engine, at, match
        self.seen, self.fired = 0, False

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hook)
        return False

    def _hook(self, conn, cursor, statement, parameters, context, executemany):
        if self.fired or not self.match(" ".join(statement.split()).lower()):
            return
        self.seen += 1
        if self.seen < self.at:
            return
        self.fired = True
        if self.engine.dialect.name != "postgresql":
            raise sqlite3.OperationalError("disk I/O error (simulated connection loss)")
        pid = conn.connection.dbapi_connection.info.backend_pid
        admin = create_engine(self.engine.url, poolclass=NullPool)
        try:
            with admin.connect() as other:
                # the timeout makes the call wait until the process is really gone
                assert other.execute(text("select pg_terminate_backend(:pid, 10000)"), {"pid": pid}).scalar()
        finally:
            admin.dispose()


def inserts(sql: str) -> bool:
    return sql.startswith("insert into")


def snapshot():
    """What a bulk change may write: proposals per stage and status, decisions, sends, history."""
    db.session.rollback()
    stages = db.session.execute(select(Usulan.tahapan, Usulan.status, func.count(), func.sum(Usulan.version))
                                .group_by(Usulan.tahapan, Usulan.status).order_by(Usulan.tahapan, Usulan.status)).all()
    history = db.session.execute(select(AuditEntry.id, AuditEntry.action, AuditEntry.object_type,
                                        AuditEntry.object_id).order_by(AuditEntry.id)).all()
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Keputusan, Pengiriman, Wilayah)]
    return [tuple(r) for r in stages], [tuple(r) for r in history], counts


def after_restart(database_url):
    """The snapshot as a freshly started app (new engine, new pool) sees it."""
    fresh = make_app(database_url)
    with fresh.app_context():
        try:
            return snapshot()
        finally:
            db.session.remove()
            db.engine.dispose()


def _ready_batch(siklus, region, n=3):
    ling1 = region["users"]["ling1"]
    for i in range(n):
        usulan = ops.create(siklus, "rembuk_warga", ling1, dict(
            ROAD, usulan_kegiatan=f"Pengaspalan {i}", lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
        assert ops.act(usulan, ling1, "survei_selesai", expected_version=usulan.version,
                       stage_key="rembuk_warga").ok
    assert save_meeting(siklus, "rembuk_warga", region["units"]["12.71.01.1001.01"], ling1, 0,
                        {"tempat": "Balai warga", "mulai": "2026-01-20T08:00"}).ok


def test_send_up_interrupted_by_a_lost_connection_saves_nothing_and_says_so(
        as_user, region, siklus, client, database_url):
    _ready_batch(siklus, region)
    client = as_user("ling1")
    before = snapshot()
    form = {"tahapan": "rembuk_warga", "holder": "12.71.01.1001.01"}
    with DropConnection(db.engine, at=1, match=inserts) as drop:      # the proposals were already updated
        response = post_form(client, "/usulan/kirim", form)
    assert drop.fired
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert any(text in page for text in UNAVAILABLE) and "Traceback" not in page
    assert snapshot() == before
    assert after_restart(database_url) == before
    # the next request works, and sending again does the whole send
    assert client.get("/usulan/kirim").status_code == 200
    assert post_form(client, "/usulan/kirim", form).status_code == 302
    stages, history, (decisions, sends, _units) = snapshot()
    assert [(t, s, n) for t, s, n, _v in stages] == [("musrenbang_kelurahan", "belum_dibahas", 3)]
    assert sends == 1 and len(history) == len(before[1]) + 3


def test_rkpd_send_all_interrupted_leaves_every_proposal_where_it_was(region, siklus, clock, database_url):
    road, clinic = at_rkpd(siklus, region, clock)
    admin = region["users"]["admin"]
    act_at_stage(road, admin, "diterima")
    act_at_stage(clinic, admin, "diterima")
    before = snapshot()
    with DropConnection(db.engine, at=2, match=inserts) as drop, pytest.raises(OperationalError):
        plan.send_all(siklus, "musrenbang_rkpd", admin)
    assert drop.fired
    db.session.rollback()
    assert snapshot() == before and after_restart(database_url) == before
    assert plan.send_all(db.session.get(type(siklus), siklus.id), "musrenbang_rkpd", admin).ok
    assert snapshot() != before


def test_budget_import_interrupted_writes_no_line(rkpd, region, database_url):  # noqa: F811
    road, pokir = rkpd["road"], rkpd["pokir"]
    data = apbd_csv(f"A-1,{road.kode_lacak},1.03.01,1.03.10.2.01.0005,Pengaspalan,40.000.000",
                    f"A-2,{pokir.kode_lacak},1.03.01,1.03.10.2.01.0005,Lampu jalan,30000000")
    before, history = budget_state(), snapshot()
    with DropConnection(db.engine, at=2, match=inserts) as drop, pytest.raises(OperationalError):
        importer.import_file(rkpd["siklus"], region["users"]["admin"], data, "apbd.csv")
    assert drop.fired
    db.session.rollback()
    assert budget_state() == before and snapshot() == history and after_restart(database_url) == history
    result = importer.import_file(rkpd["siklus"], region["users"]["admin"], data, "apbd.csv")
    assert result.ok and result.created == 2


def test_unit_import_interrupted_imports_no_unit(app, database_url):
    tid = current_tenant_id()
    with DropConnection(db.engine, at=2, match=inserts) as drop, pytest.raises(OperationalError):
        import_files(tid, "12.71", DATA / "wilayah-mini.csv", DATA / "units-mini.csv")
    assert drop.fired
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Wilayah)) == 0
    assert after_restart(database_url)[2][2] == 0
    report = import_files(tid, "12.71", DATA / "wilayah-mini.csv", DATA / "units-mini.csv")
    assert sum(report.created.values()) == db.session.scalar(select(func.count()).select_from(Wilayah)) > 0


def test_catalogue_import_interrupted_imports_nothing(app, region):
    from eplanning_core.kamus import operations as kamus_ops
    from eplanning_core.kamus.models import Nomenklatur

    data = (DATA / "nomenklatur-mini.csv").read_bytes()
    with DropConnection(db.engine, at=2, match=inserts) as drop, pytest.raises(OperationalError):
        kamus_ops.import_nomenklatur(current_tenant_id(), None, data, "nomenklatur.csv")
    assert drop.fired
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Nomenklatur)) == 0
    assert kamus_ops.import_nomenklatur(current_tenant_id(), None, data, "nomenklatur.csv").ok
    assert db.session.scalar(select(func.count()).select_from(Nomenklatur)) > 0


def test_the_api_answers_a_lost_connection_with_json_503(client, region, siklus):
    from eplanning_core.api import tokens

    secret = tokens.issue_user_token(region["users"]["ling1"], timedelta(days=365)).secret
    headers = {"Authorization": f"Bearer {secret}"}
    with DropConnection(db.engine, at=1, match=lambda sql: "from usulan" in sql) as drop:
        response = client.get("/api/v1/usulan", headers=headers)
    assert drop.fired
    assert response.status_code == 503 and response.get_json()["rule"] == "database_unavailable"
    assert any(text in response.get_json()["message"] for text in UNAVAILABLE)
    assert client.get("/api/v1/usulan", headers=headers).status_code == 200


def test_a_bug_in_a_statement_is_not_reported_as_an_outage(app):
    from eplanning_core.database_errors import is_unavailable
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    assert not is_unavailable(IntegrityError("insert", {}, Exception("duplicate")))
    assert not is_unavailable(ProgrammingError("select", {}, Exception("syntax")))
    assert is_unavailable(OperationalError("select", {}, Exception("server closed the connection")))

"""`eplanning backup` and `eplanning restore`: the drill (make data, back up, destroy, restore,
the data and its history are back) on both backends, and the refusals that keep a wrong file,
a wrong tool or a slip of the finger from touching the database.

On PostgreSQL every test here runs in the documented production setup (docs/index.md): the
tables belong to an owner role that is no superuser and does not bypass row level security
(EPLANNING_MIGRATE_DATABASE_URL), and the application connects as the role that
`eplanning security app-role` made, which owns nothing. Backup and restore run as that owner.
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from eplanning_core import create_app
from eplanning_core.audit.models import AuditEntry
from eplanning_core.backup import detect_kind
from eplanning_core.extensions import db
from eplanning_core.rapat.operations import save as save_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Pengiriman, Usulan
from eplanning_core.wilayah.models import Wilayah
from eplanning_core.testing.meetings import hold_meeting

TENANTS_DIR = Path(__file__).resolve().parent.parent / "tenants"
ROLE_PASSWORD = "peran-uji-cadangan-123"


def _app(url: str, owner: str | None = None):
    return create_app({"TESTING": True, "DATABASE_URL": url, "MIGRATE_DATABASE_URL": owner,
                       "TENANTS_DIR": str(TENANTS_DIR), "TENANT": "medan", "SECRET_KEY": "test-secret",
                       "SESSION_IDLE_MINUTES": 10**8, "SESSION_MAX_HOURS": 10**6})


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def two_roles(request, tmp_path_factory):
    """(owner URL, application URL, superuser URL) of a database built for this module, as
    docs/index.md sets it up (`createuser --createrole`, `createdb --owner`).

    PostgreSQL: the owner role (no superuser, no BYPASSRLS) owns the database and runs the
    migrations; `eplanning security app-role` makes the application role. SQLite: one file.
    """
    from flask_migrate import upgrade

    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("backup") / "eplanning.sqlite")
        with _app(url).app_context():
            upgrade()
            db.engine.dispose()
        yield url, url, url
        return
    server = make_url(request.getfixturevalue("postgres_url"))  # skips (or fails in CI) without a server
    tag = uuid.uuid4().hex[:10]
    owner, app_role, name = f"eplanning_owner_{tag}", f"eplanning_app_{tag}", f"eplanning_backup_{tag}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB CREATEROLE "
                             f"PASSWORD '{ROLE_PASSWORD}'")
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {owner}')
    superuser_url = server.set(database=name)
    owner_url = superuser_url.set(username=owner, password=ROLE_PASSWORD).render_as_string(hide_password=False)
    app_url = superuser_url.set(username=app_role, password=ROLE_PASSWORD).render_as_string(hide_password=False)
    try:
        owner_app = _app(owner_url)
        with owner_app.app_context():
            upgrade()
            db.engine.dispose()
        result = _app(app_url, owner_url).test_cli_runner().invoke(
            args=["security", "app-role", "--password", ROLE_PASSWORD])
        assert result.exit_code == 0, result.output
        yield owner_url, app_url, superuser_url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {app_role}")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {owner}")
        admin.dispose()


@pytest.fixture
def app(two_roles, tmp_path):
    """The application as the application role, backing up and restoring as the owner."""
    owner_url, app_url, superuser_url = two_roles
    app = _app(app_url, owner_url if owner_url != app_url else None)
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
        _empty(superuser_url)


def _empty(url: str) -> None:
    """Every row gone (the test's own clean-up, as a superuser past the history's trigger)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        present = set(inspect(conn).get_table_names())
        for table in reversed(db.metadata.sorted_tables):
            if table.name in present:
                conn.execute(text(f'DELETE FROM "{table.name}"'))
    engine.dispose()


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan",
        "volume": "150", "satuan": "m", "harga_satuan": "450.000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah"}


def _make_data(siklus, region):
    """Three proposals of Lingkungan I, surveyed, discussed in the Rembuk Warga and sent up."""
    ling1, unit = region["users"]["ling1"], region["units"]["12.71.01.1001.01"]
    for i in range(3):
        usulan = ops.create(siklus, "rembuk_warga", ling1,
                            dict(ROAD, usulan_kegiatan=f"Pengaspalan {i}", lokasi_wilayah_id=unit.id)).usulan
        assert ops.act(usulan, ling1, "survei_selesai", expected_version=usulan.version,
                       stage_key="rembuk_warga").ok
    assert save_meeting(siklus, "rembuk_warga", unit, ling1, 0, {"tempat": "Balai warga",
                                                                 "mulai": "2026-01-20T08:00"}).ok
    hold_meeting(siklus, "rembuk_warga", unit.kode)
    assert ops.send(siklus, "rembuk_warga", unit.kode, ling1).ok


def _state():
    """What the drill must bring back: proposals per stage, sends, units and every history row."""
    db.session.rollback()
    stages = db.session.execute(select(Usulan.tahapan, Usulan.status, func.count())
                                .group_by(Usulan.tahapan, Usulan.status).order_by(Usulan.tahapan)).all()
    table = AuditEntry.__table__
    history = db.session.execute(select(table).order_by(table.c.id)).all()
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Pengiriman, Wilayah)]
    return [tuple(r) for r in stages], [tuple(r) for r in history], counts


def _destroy(app):
    """Everything gone: every table dropped by their owner (PostgreSQL), the database file
    deleted (SQLite)."""
    db.session.remove()
    engine = db.engine
    if engine.dialect.name == "postgresql":
        owner = create_engine(app.config["MIGRATE_DATABASE_URL"], poolclass=NullPool)
        with owner.begin() as conn:
            for name in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        owner.dispose()
    else:
        engine.dispose()
        os.remove(engine.url.database)
    engine.dispose()


def _count_usulan() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Usulan))


def test_drill_backup_destroy_restore(app, runner, siklus, region, tmp_path):
    if db.engine.dialect.name == "postgresql":  # the documented setup, not a superuser's
        with db.engine.connect() as conn:
            assert conn.execute(text("select rolsuper or rolbypassrls from pg_roles "
                                     "where rolname = current_user")).scalar() is False
        owner = create_engine(app.config["MIGRATE_DATABASE_URL"], poolclass=NullPool)
        with owner.connect() as conn:
            assert conn.execute(text("select rolsuper or rolbypassrls from pg_roles "
                                     "where rolname = current_user")).scalar() is False
            assert conn.scalar(text("select tableowner from pg_tables where tablename = 'usulan'")) == \
                conn.scalar(text("select current_user"))
        owner.dispose()
    _make_data(siklus, region)
    ids = (siklus.id, region["users"]["ling1"].id, region["units"]["12.71.01.1001.01"].id)
    before = _state()
    assert before[0] and len(before[1]) >= 7
    file = tmp_path / "eplanning.backup"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert "written to" in result.output and detect_kind(file) == db.engine.dialect.name
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]

    _destroy(app)
    with pytest.raises(Exception):          # the data is really gone
        db.session.scalar(select(func.count()).select_from(Usulan))
    db.session.rollback()

    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    assert _state() == before
    verified = runner.invoke(args=["audit", "verify"])          # the hash chain of the history holds
    assert verified.exit_code == 0 and f"OK: {len(before[1])} entries" in verified.output, verified.output
    # the restored database takes new work
    from eplanning_core.accounts.models import User
    from eplanning_core.siklus.models import Siklus

    late = ops.create(db.session.get(Siklus, ids[0]), "rembuk_warga", db.session.get(User, ids[1]),
                      dict(ROAD, lokasi_wilayah_id=ids[2]))
    assert late.refusal.rule == "already_sent"                # the restored send is in force
    from eplanning_core.kamus import operations as kamus_ops

    saved = kamus_ops.save_kamus(db.session.get(Siklus, ids[0]).tenant_id, None, {
        "kode": "FP-900", "nama": "Rabat beton", "bidang": "fisik_prasarana", "satuan": "m2",
        "harga_satuan": "100000", "perangkat_daerah_id": "", "sub_kegiatan_kode": ""})
    assert saved.ok, saved.errors


def test_backup_does_not_overwrite_without_force(runner, region, tmp_path):
    file = tmp_path / "ada.backup"
    file.write_bytes(b"older backup")
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code != 0 and "--force" in result.output and file.read_bytes() == b"older backup"
    assert runner.invoke(args=["backup", str(file), "--force"]).exit_code == 0
    assert detect_kind(file) == db.engine.dialect.name


def test_restore_asks_first_and_no_changes_nothing(runner, siklus, region, tmp_path):
    file = tmp_path / "b.backup"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    _make_data(siklus, region)
    result = runner.invoke(args=["restore", str(file)], input="n\n")
    assert result.exit_code != 0 and "will be replaced" in result.output
    assert _count_usulan() == 3


@pytest.mark.parametrize("content", [b"", b"hello, not a backup", b"%PDF-1.4 something"])
def test_restore_refuses_a_file_of_another_kind(runner, siklus, region, tmp_path, content):
    _make_data(siklus, region)
    file = tmp_path / "x.backup"
    file.write_bytes(content)
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code != 0 and "not a backup" in result.output
    assert _count_usulan() == 3


def test_restore_refuses_a_backup_of_the_other_backend(runner, siklus, region, tmp_path):
    _make_data(siklus, region)
    file = tmp_path / "other.backup"
    if db.engine.dialect.name == "postgresql":
        import sqlite3

        sqlite3.connect(file).execute("create table alembic_version (version_num text)").connection.close()
    else:
        file.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code != 0 and "restore it on an instance of the same kind" in result.output
    assert _count_usulan() == 3


def test_a_damaged_backup_changes_nothing(runner, siklus, region, tmp_path):
    file = tmp_path / "b.backup"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    _make_data(siklus, region)
    data = file.read_bytes()
    file.write_bytes(data[:len(data) // 2])                   # cut in half: right magic, wrong rest
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code != 0
    assert _count_usulan() == 3


def test_sqlite_restore_refuses_a_foreign_sqlite_file(runner, app, region, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite instances only")
    import sqlite3

    file = tmp_path / "browser-history.sqlite"
    conn = sqlite3.connect(file)
    conn.execute("create table moz_places (url text)")
    conn.commit()
    conn.close()
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code != 0 and "not an e-Planning one" in result.output


def _fake_tool(folder, name, version_line):
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_pg_dump_missing_or_of_another_major_version_is_refused(runner, app, region, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL instances only")
    file = tmp_path / "b.backup"
    app.config["PG_BINDIR"] = str(tmp_path / "empty")
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code != 0 and "pg_dump was not found" in result.output and "postgresql-client-" in result.output
    tools = tmp_path / "old"
    tools.mkdir()
    _fake_tool(tools, "pg_dump", "pg_dump (PostgreSQL) 9.6.24")
    _fake_tool(tools, "pg_restore", "pg_restore (PostgreSQL) 9.6.24")
    app.config["PG_BINDIR"] = str(tools)
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code != 0 and "is PostgreSQL 9 but the server is PostgreSQL" in result.output
    assert not file.exists()
    app.config["PG_BINDIR"] = None


def _postgres_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL instances only")


def test_the_owners_backup_policy_opens_nothing_to_the_application_role(app, runner, siklus, region):
    """The application role setting eplanning.backup=on still sees only the region it set."""
    _postgres_only()
    _make_data(siklus, region)
    db.session.commit()
    with db.engine.begin() as conn:   # the application role, its region not set
        conn.execute(text("select set_config('eplanning.backup', 'on', true)"))
        conn.execute(text("select set_config('eplanning.tenant_id', '', true)"))
        assert conn.scalar(text("select count(*) from usulan")) == 0
        assert conn.scalar(text("select count(*) from audit_entry")) == 0
    owner = create_engine(app.config["MIGRATE_DATABASE_URL"], poolclass=NullPool)
    with owner.begin() as conn:       # the owner without the setting: row level security holds
        assert conn.scalar(text("select count(*) from usulan")) == 0
        conn.execute(text("select set_config('eplanning.backup', 'on', true)"))
        assert conn.scalar(text("select count(*) from usulan")) == 3
    owner.dispose()


def test_backup_refuses_a_table_the_owner_could_not_read_whole(app, runner, siklus, region, tmp_path):
    """A table with row level security but without the backup policy (a later migration that
    forgot it) would be dumped empty: the backup refuses and writes nothing."""
    _postgres_only()
    _make_data(siklus, region)
    db.session.commit()
    owner = create_engine(app.config["MIGRATE_DATABASE_URL"], poolclass=NullPool)
    with owner.begin() as conn:
        conn.execute(text("DROP POLICY owner_backup ON usulan"))
    file = tmp_path / "b.backup"
    try:
        result = runner.invoke(args=["backup", str(file)])
        assert result.exit_code != 0 and "cannot read every row of usulan" in result.output, result.output
        assert not file.exists() and not list(tmp_path.iterdir())
    finally:
        from eplanning_core.tenancy.rls import backup_policy_sql

        with owner.begin() as conn:
            for statement in backup_policy_sql(conn.dialect.identifier_preparer, "usulan",
                                               conn.scalar(text("select current_user"))):
                conn.execute(text(statement))
        owner.dispose()
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0


def test_every_table_under_row_level_security_has_the_owners_backup_policy(app):
    _postgres_only()
    with db.engine.connect() as conn:
        missing = conn.scalars(text(
            "select t.tablename from pg_tables t where t.schemaname = current_schema() and t.rowsecurity "
            "and not exists (select 1 from pg_policies p where p.tablename = t.tablename "
            "and p.policyname = 'owner_backup' and p.cmd = 'SELECT' and p.roles = array[t.tableowner]::name[])")).all()
        forced = conn.scalar(text("select count(*) from pg_tables where schemaname = current_schema() "
                                  "and rowsecurity"))
    assert forced >= 18 and missing == []

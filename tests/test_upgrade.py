"""Upgrades without forking: a region's data survives a core upgrade, and its template
overrides are reported when the new core no longer has what they change."""

import uuid
from datetime import datetime

import pytest
from conftest import IN_CI, PG_SERVER, _probe_postgres, browser, csrf_token, make_app
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from eplanning_core.extensions import db
from eplanning_core.overrides import check_overrides

PREVIOUS_RELEASE = "0001_core_foundation"  # the schema of eplanning-core 0.1.0


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A new, empty database of each backend (not the suite's shared one)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "old.sqlite")
        return
    problem = _probe_postgres()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL not reachable: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL not reachable ({problem}) - PostgreSQL tests skipped")
    name = f"eplanning_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fill_like_release_0_1_0(conn, password_hash):
    """Rows as eplanning-core 0.1.0 wrote them: a region, its units, agencies, users, history."""
    now = datetime(2026, 1, 10, 2, 0)
    conn.execute(text("INSERT INTO tenant (id, slug, kode, nama, created_at) VALUES "
                      "(1, 'medan', '12.71', 'Kota Medan', :now)"), {"now": now})
    units = [(1, "12.71.01", "Medan Kota", 1, None, None), (2, "12.71.01.1001", "Pasar Baru", 2, "kelurahan", 1),
             (3, "12.71.01.1001.01", "Lingkungan I", 3, None, 2)]
    for ident, kode, nama, tingkat, jenis, parent in units:
        conn.execute(text("INSERT INTO wilayah (id, tenant_id, kode, nama, tingkat, jenis, parent_id, nama_kepala, version) "
                          "VALUES (:i, 1, :k, :n, :t, :j, :p, :h, 1)"),
                     {"i": ident, "k": kode, "n": nama, "t": tingkat, "j": jenis, "p": parent,
                      "h": "Budi Santoso" if ident == 2 else None})
    conn.execute(text("INSERT INTO perangkat_daerah (id, tenant_id, kode, nama, singkatan, aktif, version) VALUES "
                      "(1, 1, '1.03.01', 'Dinas Pekerjaan Umum', 'Dinas PU', :t, 1)"), {"t": True})
    for ident, username, role, unit, pd in ((1, "admin", "bappeda", None, None), (2, "kel1", "operator", 2, None),
                                            (3, "pu", "operator_pd", None, 1)):
        conn.execute(text("INSERT INTO user_account (id, tenant_id, username, nama, password_hash, role, wilayah_id, "
                          "perangkat_daerah_id, aktif, created_at, version) VALUES (:i, 1, :u, :n, :h, :r, :w, :p, :a, :now, 1)"),
                     {"i": ident, "u": username, "n": f"Pengguna {username}", "h": password_hash, "r": role,
                      "w": unit, "p": pd, "a": True, "now": now})
    for ident in range(1, 4):
        conn.execute(text("INSERT INTO audit_entry (id, tenant_id, created_at, actor_id, actor_name, action, object_type, "
                          "object_id, reason, changes) VALUES (:i, 1, :now, 1, 'Pengguna admin', 'user.create', "
                          "'user_account', :i, NULL, :c)"), {"i": ident, "now": now, "c": '{"role": [null, "x"]}'})
    if conn.dialect.name == "postgresql":  # explicit ids: move the sequences on, as 0.1.0 would have
        for table in ("tenant", "wilayah", "perangkat_daerah", "user_account", "audit_entry"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def _snapshot(conn):
    out = {}
    for table, order in (("tenant", "id"), ("wilayah", "id"), ("perangkat_daerah", "id"),
                         ("user_account", "id"), ("audit_entry", "id")):
        out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
    return out


def test_data_of_the_previous_release_survives_the_upgrade(empty_database, tmp_path):
    app = make_app(empty_database)
    app.instance_path = str(tmp_path)
    password_hash = generate_password_hash("sandi-lama-versi-0-1", method="pbkdf2:sha256:1000")
    with app.app_context():
        upgrade(revision=PREVIOUS_RELEASE)
        with db.engine.begin() as conn:
            _fill_like_release_0_1_0(conn, password_hash)
        with db.engine.connect() as conn:
            before = _snapshot(conn)
        result = app.test_cli_runner().invoke(args=["upgrade"])
        assert result.exit_code == 0, result.output
        assert "upgraded from 0001_core_foundation to" in result.output
        with db.engine.connect() as conn:
            after = _snapshot(conn)
        # Every old row is still there, unchanged (the new role check admits the old roles).
        assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
        assert after["wilayah"] == before["wilayah"]
        # The history keeps every entry as it was, now chained: seq, prev_hash, entry_hash follow.
        assert [r[:10] for r in after["audit_entry"]] == before["audit_entry"]
        verified = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert verified.exit_code == 0 and "OK: 3 entries" in verified.output, verified.output
        assert [r[:6] for r in after["user_account"]] == [r[:6] for r in before["user_account"]]
        again = app.test_cli_runner().invoke(args=["upgrade"])
        assert "already at" in again.output
        db.session.remove()
    client = browser(app)
    response = client.post("/masuk", data={"username": "kel1", "password": "sandi-lama-versi-0-1",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302  # an account of 0.1.0 logs in on the new core
    assert "Budi Santoso" in client.get("/wilayah/2").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def _override_app(database_url, tmp_path, files):
    folder = tmp_path / "templates"
    folder.mkdir()
    for name, source in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(source, encoding="utf-8")
    return make_app(database_url, TEMPLATE_OVERRIDES=str(folder))


def test_an_override_extends_the_core_page_and_is_shown(database_url, tmp_path):
    app = _override_app(database_url, tmp_path, {"auth/login.html": (
        '{% extends "core/auth/login.html" %}{% block content %}'
        '<p id="sambutan">Selamat datang di Kabupaten Contoh</p>{{ super() }}{% endblock %}')})
    with app.app_context():
        assert check_overrides(app) == []
    page = app.test_client().get("/masuk").get_data(as_text=True)
    assert "Selamat datang di Kabupaten Contoh" in page and 'name="username"' in page


def test_overrides_that_no_longer_fit_the_core_are_reported(database_url, tmp_path):
    app = _override_app(database_url, tmp_path, {
        "home.html": '{% extends "core/home.html" %}{% block ringkasan_lama %}x{% endblock %}',
        "laporan/lama.html": '{% extends "core/laporan/dihapus.html" %}{% block content %}y{% endblock %}',
        "usulan/daftar_lama.html": "<p>a whole page the core renamed</p>"})
    with app.app_context():
        problems = [str(p) for p in check_overrides(app)]
        result = app.test_cli_runner().invoke(args=["upgrade", "--strict"])
    assert "home.html: block 'ringkasan_lama' is not in core/home.html any more: its content is not shown" in problems
    assert "laporan/lama.html: extends core/laporan/dihapus.html, which the core no longer has" in problems
    assert any(p.startswith("usulan/daftar_lama.html: replaces a core page that no longer exists") for p in problems)
    assert result.exit_code != 0 and "3 template override(s) no longer fit the core" in result.output


def test_changelog_covers_this_version_and_every_migration():
    """A region's IT team reads the changelog before upgrading: it must name every schema step."""
    from pathlib import Path

    from alembic.script import ScriptDirectory
    from alembic.config import Config

    from eplanning_core import __version__
    from eplanning_core.app import MIGRATIONS_DIR

    changelog = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {__version__}" in changelog
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    assert revisions and all(f"`{r}`" in changelog for r in revisions)

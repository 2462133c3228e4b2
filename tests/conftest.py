"""The core's fixtures: every database test runs on SQLite and on PostgreSQL.

Built on the plugin the core ships to regions (eplanning_core.testing: server probing, fresh
databases, the app factory, migrations); the helpers tests import are in tests/support.

PostgreSQL: a fresh database per run and xdist worker on 127.0.0.1:5432 (user postgres,
trust), dropped at the end; the `app` fixture connects to it as a non-owner application role
(EPLANNING_TEST_APP_ROLE=0: as the owner). When the server cannot be reached, its tests are
skipped with a visible reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from support.apps import Clock, empty_all_tables, make_app
from support.builders import build_medan
from support.env import APP_ROLE, BACKENDS, IN_CI, PASSWORD, PG_SERVER, probe_postgres
from support.passwords import cheap_password_hash, cheap_password_hashing
from support.web import browser, login

from eplanning_core.extensions import db
from eplanning_core.testing.databases import fresh_database
from eplanning_core.testing.plugin import migrate

pytest_plugins = ("support.fixtures", "support.engines")  # engines: replica, PgBouncer, hosts


def pytest_report_header(config):
    """One line on PostgreSQL (printed by the controller only under xdist)."""
    problem = probe_postgres()
    if problem is None:
        role = "as a non-owner application role" if APP_ROLE else "as the owner (EPLANNING_TEST_APP_ROLE=0)"
        return (f"PostgreSQL: reachable at {PG_SERVER}; every database test runs on SQLite and "
                f"PostgreSQL (the app connects {role})")
    if IN_CI:
        return f"PostgreSQL: NOT reachable at {PG_SERVER} ({problem}); CI=true, so its tests FAIL"
    return (f"PostgreSQL: NOT reachable at {PG_SERVER} ({problem}); "
            "PostgreSQL tests are SKIPPED on this machine")


#: Module-scoped fixtures that cost nothing to build again on another worker.
CHEAP_SHARED = {"password_hash"}


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (--dist loadgroup): the tests that share a module- or class-scoped
    fixture (a built wheel, the isolation world, the e2e server) run on one worker, per backend,
    so the fixture is built once as in a serial run; every other test goes to any worker."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        shared = any(defs and defs[-1].scope in ("module", "class", "package") and name not in CHEAP_SHARED
                     for name, defs in info.name2fixturedefs.items())
        if shared:
            params = getattr(getattr(item, "callspec", None), "params", {})
            backend = next((v for v in params.values() if v in BACKENDS), "")
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}-{backend}"))


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a fresh PostgreSQL database for this run (and xdist worker)."""
    problem = probe_postgres()
    if problem:
        message = f"PostgreSQL not reachable at {PG_SERVER}: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the PostgreSQL tests are required)", pytrace=False)
        pytest.skip(message + " - PostgreSQL tests skipped")
    with fresh_database(PG_SERVER) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database of each backend, built once per run through the Alembic migrations; the
    owner's URL."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.sqlite")
    elif request.param == "pgbouncer":  # the PostgreSQL database through PgBouncer (support/engines.py)
        url = request.getfixturevalue("pgbouncer_url")
    else:
        url = request.getfixturevalue("postgres_url")
    migrate(make_app(url))
    return url


@pytest.fixture(scope="session")
def app_database_url(database_url):
    """What the `app` fixture connects as. On PostgreSQL: a role of this run that owns nothing
    (row level security applies, as on a live instance), unless EPLANNING_TEST_APP_ROLE=0."""
    if not APP_ROLE or not database_url.startswith("postgresql"):
        yield database_url
        return
    from sqlalchemy.engine import make_url

    from eplanning_core.tenancy.approle import grant_app_role

    role = f"eplanning_app_{uuid.uuid4().hex[:10]}"
    owner = create_engine(database_url, poolclass=NullPool)
    with owner.begin() as conn:
        grant_app_role(conn, role, PASSWORD)
    yield make_url(database_url).set(username=role, password=PASSWORD).render_as_string(hide_password=False)
    with owner.begin() as conn:  # roles are cluster-wide: gone with the run
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')
    owner.dispose()


@pytest.fixture
def app(database_url, app_database_url, tmp_path):
    """Medan's app on the backend's database, emptied after the test. As the application role
    on PostgreSQL, with the owner as MIGRATE_DATABASE_URL, as a live instance is configured."""
    overrides = {}
    if app_database_url != database_url:
        overrides["MIGRATE_DATABASE_URL"] = database_url
    app = make_app(app_database_url, **overrides)
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables(database_url if app_database_url != database_url else None)
        db.engine.dispose()


@pytest.fixture
def owner_session(app, database_url, app_database_url):
    """A session as the owner of the tables (PostgreSQL's superuser here: no row level
    security), for rows of other regions, which the application role may neither write nor
    read: the app's own session when it connects as the owner."""
    if app_database_url == database_url:
        yield db.session
        return
    from sqlalchemy.orm import Session

    engine = create_engine(database_url, poolclass=NullPool)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def client(app):
    return browser(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---- a small region with one account per role ---------------------------------------------

@pytest.fixture(scope="session")
def _scrypt_password_hash():
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose


@pytest.fixture(scope="module")
def password_hash(request, _scrypt_password_hash):
    """The hash of PASSWORD for the region's accounts: cheap in modules that set
    ``CHEAP_PASSWORD_HASHING = True`` (see support.passwords)."""
    if getattr(request.module, "CHEAP_PASSWORD_HASHING", False):
        return cheap_password_hash()
    return _scrypt_password_hash


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, monkeypatch):
    if getattr(request.module, "CHEAP_PASSWORD_HASHING", False):
        cheap_password_hashing(monkeypatch)


@pytest.fixture
def region(app, password_hash):
    """Kota Medan in miniature: 2 kecamatan, 3 kelurahan, 4 lingkungan, 2 agencies, every role."""
    built = build_medan(password_hash)
    db.session.commit()
    return built


@pytest.fixture
def as_user(client, region):
    """Log the test client in as one of the region's accounts: as_user('kel1')."""
    def _login(username):
        response = login(client, username)
        assert response.status_code == 302, f"login of {username} failed"
        return client
    return _login


# ---- the planning cycle ----------------------------------------------------------------------

@pytest.fixture
def clock(app):
    return Clock(app)


@pytest.fixture
def siklus(app, region, clock):
    """The cycle RKPD 2027 of the miniature Medan, opened by its Bappeda administrator."""
    from eplanning_core.siklus.operations import open_cycle

    result = open_cycle(region["units"]["12.71.01"].tenant_id, region["users"]["admin"], 2027)
    assert result.ok, result.errors
    return result.obj


# ---- the workflow engine's own tests (plain Python: no database, no Flask app) ------------------

@pytest.fixture(scope="session")
def cycle():
    """The default RKPD 2027 cycle (planned in 2026) in Asia/Jakarta (WIB)."""
    from eplanning_core.workflow import default_cycle

    return default_cycle(2027)


@pytest.fixture(scope="session")
def actors():
    from workflow_region import ACTORS  # tests/workflow is on sys.path once its tests are imported

    return ACTORS

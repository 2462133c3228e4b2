"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: a fresh database per run on 127.0.0.1:5432 (user postgres, trust), dropped at the
end. When it cannot be reached, its tests are skipped with a visible reason, except under
CI=true, where they fail.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from eplanning_core import create_app
from eplanning_core.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TENANTS_DIR = ROOT / "tenants"
DATA = Path(__file__).resolve().parent / "data"
PG_SERVER = os.environ.get("EPLANNING_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgresql")
#: The `app` fixture on PostgreSQL connects as a non-owner role (see app_database_url).
APP_ROLE = os.environ.get("EPLANNING_TEST_APP_ROLE", "").lower() in ("1", "true", "yes")
PASSWORD = "kata-sandi-uji-123"

_pg_problem: str | None = None


def _probe_postgres() -> str | None:
    try:
        engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver or network error means: not reachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def pytest_report_header(config):
    global _pg_problem
    _pg_problem = _probe_postgres()
    if _pg_problem is None:
        return f"PostgreSQL: reachable at {PG_SERVER}; every database test runs on SQLite and PostgreSQL"
    if IN_CI:
        return f"PostgreSQL: NOT reachable at {PG_SERVER} ({_pg_problem}); CI=true, so its tests FAIL"
    return (f"PostgreSQL: NOT reachable at {PG_SERVER} ({_pg_problem}); "
            "PostgreSQL tests are SKIPPED on this machine")


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a fresh PostgreSQL database for this run."""
    problem = _probe_postgres()
    if problem:
        message = f"PostgreSQL not reachable at {PG_SERVER}: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the PostgreSQL tests are required)", pytrace=False)
        pytest.skip(message + " - PostgreSQL tests skipped")
    name = f"eplanning_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(database_url: str, **overrides):
    config = {"TESTING": True, "DATABASE_URL": database_url, "TENANTS_DIR": str(TENANTS_DIR),
              "TENANT": "medan", "SECRET_KEY": "test-secret", "PAGE_SIZE": 25}
    # Tests move the app clock by days after logging in, and log in and fail often: sessions
    # never time out, passwords need no re-confirmation and failed logins are hardly limited,
    # except in tests/test_sessions.py, which sets the real values.
    config.update(SESSION_IDLE_MINUTES=10**8, SESSION_MAX_HOURS=10**6, REAUTH_MINUTES=10**8,
                  LOGIN_LIMIT_ACCOUNT="1000 per minute", LOGIN_LIMIT_ADDRESS="1000 per minute")
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database of each backend, built once per run through the Alembic migrations."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.sqlite")
    else:
        url = request.getfixturevalue("postgres_url")
    from flask_migrate import upgrade

    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _empty_all_tables(owner_url: str | None = None):
    """DELETE, children first: on the few rows a test makes, far faster than TRUNCATE.

    On PostgreSQL the audit tables refuse DELETE (a trigger); triggers do not fire for a
    superuser's session in replica mode, for this transaction only.
    """
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    # owner_url: the app connected as the application role, which may not delete everything
    engine = create_engine(owner_url, poolclass=NullPool) if owner_url else db.engine
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app(database_url, app_database_url, tmp_path):
    app = make_app(app_database_url)
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables(database_url if app_database_url != database_url else None)
        db.engine.dispose()


@pytest.fixture(scope="session")
def app_database_url(database_url):
    """What the `app` fixture connects as. PostgreSQL with EPLANNING_TEST_APP_ROLE=1: a role of
    this run that owns nothing (row level security applies, as on a live instance)."""
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


FAST_HASH_METHOD = "pbkdf2:sha256:1000"


def cheap_password_hashing(monkeypatch) -> None:
    """A cheap PBKDF2 instead of scrypt (slow on purpose) for tests that set many passwords.

    Applied to every test of a module that sets ``CHEAP_PASSWORD_HASHING = True`` (modules
    that hash in nearly every test); test_admin checks the real method after monkeypatch.undo().
    """
    from werkzeug.security import generate_password_hash

    from eplanning_core.accounts import models

    monkeypatch.setattr(models, "generate_password_hash",
                        lambda password: generate_password_hash(password, method=FAST_HASH_METHOD))


def cheap_password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method=FAST_HASH_METHOD)


def browser(app):
    """A browser whose every request runs in its own application context, as on a server.

    The `app` fixture keeps an application context pushed for the test body, and Flask reuses
    a pushed context for test requests: `g` would then live across requests and clients
    (Flask-Login's cached user, Flask-Babel's locale, Flask-WTF's token), hiding real bugs.
    """
    from flask import has_app_context
    from flask.testing import FlaskClient

    class Browser(FlaskClient):
        def open(self, *args, **kwargs):
            with app.app_context():
                response = super().open(*args, **kwargs)
            # The request wrote through its own session: let the test read what is stored now.
            if has_app_context():
                db.session.expire_all()
            return response
    return Browser(app, app.response_class, use_cookies=True)


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
    ``CHEAP_PASSWORD_HASHING = True`` (see :func:`cheap_password_hashing`)."""
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
    from eplanning_core.accounts.models import PerangkatDaerah, User
    from eplanning_core.tenancy.context import current_tenant_id
    from eplanning_core.wilayah.importer import import_files
    from eplanning_core.wilayah.models import Wilayah

    tid = current_tenant_id()
    import_files(tid, "12.71", DATA / "wilayah-mini.csv", DATA / "units-mini.csv")
    units = {w.kode: w for w in db.session.scalars(db.select(Wilayah))}
    pupr = PerangkatDaerah(tenant_id=tid, kode="1.03.01", nama="Dinas Pekerjaan Umum", singkatan="Dinas PU")
    dinkes = PerangkatDaerah(tenant_id=tid, kode="1.02.01", nama="Dinas Kesehatan", singkatan="Dinkes")
    db.session.add_all([pupr, dinkes])
    db.session.flush()
    accounts = {
        "admin": dict(role="bappeda"),
        "kec1": dict(role="operator", wilayah_id=units["12.71.01"].id),
        "kec2": dict(role="operator", wilayah_id=units["12.71.02"].id),
        "kel1": dict(role="operator", wilayah_id=units["12.71.01.1001"].id),
        "kel2": dict(role="operator", wilayah_id=units["12.71.01.1002"].id),
        "ling1": dict(role="operator", wilayah_id=units["12.71.01.1001.01"].id),
        "pu": dict(role="operator_pd", perangkat_daerah_id=pupr.id),
        "dprd1": dict(role="dprd", dapil="MDN-1"),
        "viewer": dict(role="viewer"),
    }
    users = {}
    for username, scope in accounts.items():
        users[username] = User(tenant_id=tid, username=username, nama=f"Uji {username}",
                               password_hash=password_hash, aktif=True, **scope)
    db.session.add_all(users.values())
    db.session.commit()
    return {"units": units, "users": users, "agencies": {"pu": pupr, "dinkes": dinkes}}


class HostClient:
    """A test client whose requests all go to one host name, as a browser's would."""

    def __init__(self, app, host):
        self.client, self.host = app.test_client(), host

    def get(self, path, **kw):
        return self.client.get(f"http://{self.host}{path}", **kw)

    def post(self, path, **kw):
        return self.client.post(f"http://{self.host}{path}", **kw)

    def get_cookie(self, *args, **kw):
        return self.client.get_cookie(*args, **kw)

    def set_cookie(self, *args, **kw):
        return self.client.set_cookie(*args, **kw)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url="/masuk") -> str:
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username, password=PASSWORD):
    response = client.post("/masuk", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    return response


def post_form(client, url, data, token_from=None):
    """POST like a browser does: with the CSRF token of the page the form is on."""
    data = dict(data)
    data["csrf_token"] = csrf_token(client, token_from or url)
    return client.post(url, data=data)


@pytest.fixture
def as_user(client, region):
    """Log the test client in as one of the region's accounts: as_user('kel1')."""
    def _login(username):
        response = login(client, username)
        assert response.status_code == 302, f"login of {username} failed"
        return client
    return _login


# ---- the planning cycle ----------------------------------------------------------------------

class Clock:
    """The app's clock, set by the test: the stage windows are checked against it."""

    def __init__(self, app):
        from datetime import datetime, timezone

        self.now = datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB, Rembuk Warga
        app.extensions["eplanning.clock"] = lambda: self.now

    def set_local(self, text: str, tz: str = "Asia/Jakarta"):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        self.now = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
        return self.now


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


def require_reference(path: Path) -> Path:
    """A file of ../shared/data: required under CI=true (fails), skipped visibly elsewhere."""
    if Path(path).is_file():
        return Path(path)
    message = f"reference data {path} is not on this machine"
    if IN_CI:
        pytest.fail(message + " (CI=true: these tests are required)", pytrace=False)
    pytest.skip(message + " - tests that read it are skipped")

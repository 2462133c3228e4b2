"""The pytest plugin of eplanning-core: fixtures any region's project tests itself with.

Registered as the entry point ``pytest11 = eplanning``, so it is active wherever the core is
installed; nothing to import or configure. A region's whole acceptance test is::

    from eplanning_core.testing import run_acceptance

    def test_our_cycle_reaches_the_budget(eplanning_app):
        report = run_acceptance(eplanning_app("langkat"), "langkat")
        assert report.final_status == "didanai"

Fixtures:

- ``eplanning_tenants_dir``: the folder of region folders: ``--eplanning-tenants=DIR`` (or the
  ini option ``eplanning_tenants``), else ``tenants/`` in the current working directory.
- ``eplanning_database_url``: a fresh, empty database for the test: a SQLite file in the
  test's tmp folder, or with ``--eplanning-db=postgresql://user@host:5432/postgres`` (or the
  ini option ``eplanning_db``) a new database on that PostgreSQL server, dropped afterwards.
- ``eplanning_app``: ``eplanning_app(slug=None, **config)`` builds the application for a
  region (the only one in the folder when no slug is given) on that database, upgraded
  through the core's migrations; its instance folder (uploads) is in the test's tmp folder.
- ``eplanning_regions``: the slugs of every region folder (with a tenant.toml), sorted.

Functions for a project's own fixtures (the core's suite is built on them too):
``build_app(database_url, tenants_dir, slug, **config)`` and ``migrate(app)``; fresh
PostgreSQL databases (one per xdist worker and test) come from :mod:`.databases`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SECRET = "eplanning-pytest-secret"


def pytest_addoption(parser):
    group = parser.getgroup("eplanning", "eplanning-core regions")
    group.addoption("--eplanning-tenants", default=None, metavar="DIR",
                    help="folder holding the region folders (tenant.toml ...); default: ./tenants")
    group.addoption("--eplanning-db", default=None, metavar="URL",
                    help="a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/postgres: "
                         "each test gets a fresh database there, dropped afterwards "
                         "(default: a fresh SQLite file per test)")
    parser.addini("eplanning_tenants", "folder holding the region folders (default: ./tenants)")
    parser.addini("eplanning_db", "PostgreSQL server URL for fresh test databases (default: SQLite)")


def _setting(config, name: str) -> tuple[str | None, Path]:
    """An option's value and the folder a relative path in it means (invocation dir or rootdir)."""
    value = config.getoption(name)
    if value:
        return value, Path(config.invocation_params.dir)
    value = config.getini(name)
    return (value or None), Path(config.rootpath)


@pytest.fixture(scope="session")
def eplanning_tenants_dir(pytestconfig) -> Path:
    value, base = _setting(pytestconfig, "eplanning_tenants")
    folder = (base / value) if value else Path.cwd() / "tenants"
    if not folder.is_dir():
        pytest.fail(f"eplanning: no folder of regions at {folder}; run pytest where tenants/ is, "
                    "or give --eplanning-tenants=DIR", pytrace=False)
    return folder.resolve()


@pytest.fixture(scope="session")
def eplanning_regions(eplanning_tenants_dir) -> list[str]:
    return sorted(p.name for p in eplanning_tenants_dir.iterdir() if (p / "tenant.toml").is_file())


def _postgres_server(value: str):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        pytest.fail(f"eplanning: --eplanning-db={value!r} is not a database URL", pytrace=False)
    if url.get_backend_name() not in ("postgresql", "postgres"):
        pytest.fail(f"eplanning: --eplanning-db takes a PostgreSQL server URL, not {url.drivername}",
                    pytrace=False)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # the driver eplanning-core[postgres] installs
    return url.set(database=url.database or "postgres")


@pytest.fixture
def eplanning_database_url(pytestconfig, tmp_path):
    value, _ = _setting(pytestconfig, "eplanning_db")
    if not value:
        yield "sqlite:///" + str(tmp_path / "eplanning.sqlite")
        return
    from .databases import fresh_database

    server = _postgres_server(value)
    try:
        database = fresh_database(server)
        url = database.__enter__()
    except Exception as exc:  # any driver or network error: say which server and why
        pytest.fail(f"eplanning: cannot create a test database on "
                    f"{server.render_as_string(hide_password=True)}: {exc}", pytrace=False)
    try:
        yield url
    finally:
        database.__exit__(None, None, None)


def build_app(database_url: str, tenants_dir, slug: str, **config):
    """The application of region ``slug`` on ``database_url``, with the settings tests need
    (TESTING, a fixed secret); ``config`` overrides them."""
    from eplanning_core import create_app

    settings = {"TESTING": True, "DATABASE_URL": database_url, "TENANTS_DIR": str(tenants_dir),
                "TENANT": slug, "SECRET_KEY": SECRET}
    settings.update(config)
    return create_app(settings)


def migrate(app) -> None:
    """Upgrade the app's database through the core's migrations (Alembic), then let go of it."""
    from flask_migrate import upgrade

    from eplanning_core.extensions import db

    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def eplanning_app(eplanning_tenants_dir, eplanning_database_url, tmp_path, monkeypatch):
    """Factory: ``eplanning_app(slug=None, **config)`` -> a Flask app on a migrated database."""
    from eplanning_core.extensions import db

    monkeypatch.setenv("EPLANNING_INSTANCE_PATH", str(tmp_path / "eplanning-instance"))
    apps, upgraded = [], set()

    def factory(slug: str | None = None, **config):
        if slug is None:
            regions = sorted(p.name for p in eplanning_tenants_dir.iterdir()
                             if (p / "tenant.toml").is_file())
            if len(regions) != 1:
                pytest.fail(f"eplanning_app(): name the region, one of {regions}", pytrace=False)
            slug = regions[0]
        url = config.get("DATABASE_URL", eplanning_database_url)
        if url not in upgraded:  # migrated first: the app registers its regions as it starts
            migrate(build_app(eplanning_database_url, eplanning_tenants_dir, slug, **config))
            upgraded.add(url)
        app = build_app(eplanning_database_url, eplanning_tenants_dir, slug, **config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

"""`eplanning postgres setup` on the real local PostgreSQL: one command gives a deployment an
owner and an application role, a migrated database owned by the owner, row level security
forced, and the settings to use; the application then sees one region at a time."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from eplanning_core import create_app
from eplanning_core.cli import cli

TENANTS = Path(__file__).resolve().parent.parent / "tenants"
ADMIN_PASSWORD = "kata-sandi-admin-2027"


@pytest.fixture
def admin_url(postgres_url):
    return make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture
def names(admin_url):
    """A database and two roles of this test; dropped afterwards (roles are cluster-wide)."""
    base = f"ep_setup_{uuid.uuid4().hex[:8]}"
    yield base, base + "_owner", base + "_app"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)')
        for role in (base + "_app", base + "_owner"):
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    engine.dispose()


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """What a deployment's eplanning.env says: two regions, served by host name."""
    monkeypatch.setenv("EPLANNING_TENANTS_DIR", str(TENANTS))
    monkeypatch.setenv("EPLANNING_TENANT", "medan")
    monkeypatch.setenv("EPLANNING_TENANT_HOSTS", '{"medan.test": "medan", "agam.test": "agam"}')
    monkeypatch.setenv("EPLANNING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("EPLANNING_DATABASE_URL", raising=False)
    monkeypatch.delenv("EPLANNING_MIGRATE_DATABASE_URL", raising=False)


def _invoke(args):
    from click.testing import CliRunner

    return CliRunner().invoke(cli(), args, prog_name="eplanning", catch_exceptions=False)


def _settings(output: str) -> dict[str, str]:
    return dict(re.findall(r"^(EPLANNING_[A-Z_]+)=(\S+)$", output, re.M))


def test_setup_makes_the_safe_deployment_and_prints_its_settings(admin_url, names, environment):
    database, owner, app_role = names
    first = _invoke(["postgres", "setup", "--admin-url", admin_url, "--database", database,
                     "--redis", "redis://127.0.0.1:6379/0"])
    assert first.exit_code == 0, first.output
    assert f"created role {owner}" in first.output and f"created role {app_role}" in first.output
    assert f"created database {database}, owned by {owner}" in first.output
    assert "row level security on and forced for" in first.output
    settings = _settings(first.output)
    assert make_url(settings["EPLANNING_DATABASE_URL"]).username == app_role
    assert make_url(settings["EPLANNING_MIGRATE_DATABASE_URL"]).username == owner
    assert make_url(settings["EPLANNING_DATABASE_URL"]).database == database
    assert settings["EPLANNING_RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert "eplanning audit checkpoint" in first.output

    owner_engine = create_engine(settings["EPLANNING_MIGRATE_DATABASE_URL"], poolclass=NullPool)
    with owner_engine.connect() as conn:
        owners = set(conn.scalars(text("select tableowner from pg_tables where schemaname = 'public'")))
        forced = conn.scalar(text("select relforcerowsecurity from pg_class where relname = 'usulan'"))
        powers = conn.execute(text("select rolsuper, rolbypassrls, rolcreaterole from pg_roles "
                                   "where rolname = :r"), {"r": app_role}).one()
    assert owners == {owner} and forced is True and tuple(powers) == (False, False, False)

    # The application, connected as the printed application role, serves two regions.
    app = create_app({"DATABASE_URL": settings["EPLANNING_DATABASE_URL"], "SECRET_KEY": "t",
                      "MIGRATE_DATABASE_URL": settings["EPLANNING_MIGRATE_DATABASE_URL"]})
    runner = app.test_cli_runner()
    for slug, username in (("medan", "adminmedan"), ("agam", "adminagam")):
        made = runner.invoke(args=["tenants", "create-admin", slug, "--username", username,
                                   "--nama", f"Admin {slug}", "--password", ADMIN_PASSWORD])
        assert made.exit_code == 0, made.output
    listing = runner.invoke(args=["tenants", "list"])
    assert re.search(r"^medan .* 1 accounts$", listing.output, re.M), listing.output
    assert re.search(r"^agam .* 1 accounts$", listing.output, re.M), listing.output
    client = app.test_client()
    page = client.get("/masuk", base_url="http://medan.test").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong_region = client.post("/masuk", base_url="http://medan.test", data={
        "username": "adminagam", "password": ADMIN_PASSWORD, "csrf_token": token})
    right_region = client.post("/masuk", base_url="http://medan.test", data={
        "username": "adminmedan", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert wrong_region.status_code == 200 and right_region.status_code == 302
    with app.app_context():
        from eplanning_core.extensions import db

        db.session.remove()
        db.engine.dispose()
    # The database itself keeps the regions apart for that role: no region chosen, no rows.
    app_engine = create_engine(settings["EPLANNING_DATABASE_URL"], poolclass=NullPool)
    with app_engine.connect() as conn:
        assert conn.scalar(text("select count(*) from user_account")) == 0
        medan = conn.scalar(text("select id from tenant where slug = 'medan'"))
        conn.execute(text("select set_config('eplanning.tenant_id', :t, false)"), {"t": str(medan)})
        assert list(conn.scalars(text("select username from user_account"))) == ["adminmedan"]
        with pytest.raises(Exception, match="permission denied|must be owner"):
            conn.exec_driver_sql("ALTER TABLE usulan DISABLE ROW LEVEL SECURITY")
    app_engine.dispose()

    # Again (e.g. after an upgrade): nothing new, the data kept, the passwords unchanged.
    again = _invoke(["postgres", "setup", "--admin-url", admin_url, "--database", database])
    assert again.exit_code == 0, again.output
    assert "created" not in again.output
    assert f"{owner}, {app_role}: password unchanged" in again.output
    with owner_engine.connect() as conn:
        assert conn.scalar(text("select count(*) from tenant")) == 2
    owner_engine.dispose()


@pytest.mark.parametrize("args, message", [
    (["--database", "Eplanning-Medan"], "database 'Eplanning-Medan': use lower-case letters"),
    (["--owner", "same_role", "--app-role", "same_role"], "two different roles"),
])
def test_bad_names_are_refused_before_anything_is_made(admin_url, names, environment, args, message):
    database, owner, app_role = names
    defaults = {"--database": database, "--owner": owner, "--app-role": app_role}
    for key, value in zip(args[::2], args[1::2]):
        defaults[key] = value
    result = _invoke(["postgres", "setup", "--admin-url", admin_url,
                      *[part for pair in defaults.items() for part in pair]])
    assert result.exit_code != 0 and message in result.output
    engine = create_engine(admin_url, poolclass=NullPool)
    with engine.connect() as conn:
        made = conn.scalar(text("select count(*) from pg_roles where rolname in (:o, :a, 'same_role')"),
                           {"o": owner, "a": app_role})
        databases = conn.scalar(text("select count(*) from pg_database where datname = :d"), {"d": database})
    engine.dispose()
    assert (made, databases) == (0, 0)


def test_a_url_that_is_not_postgresql_is_refused(environment, tmp_path):
    result = _invoke(["postgres", "setup", "--admin-url", f"sqlite:///{tmp_path}/x.sqlite"])
    assert result.exit_code != 0 and "not a PostgreSQL URL" in result.output


def test_a_database_of_another_owner_is_refused_and_no_role_is_made(admin_url, names, environment):
    database, owner, app_role = names
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')  # the administrator's own
    result = _invoke(["postgres", "setup", "--admin-url", admin_url, "--database", database])
    assert result.exit_code != 0
    assert f"database '{database}' exists and belongs to 'postgres', not to '{owner}'" in result.output
    with engine.connect() as conn:
        made = conn.scalar(text("select count(*) from pg_roles where rolname in (:o, :a)"),
                           {"o": owner, "a": app_role})
    engine.dispose()
    assert made == 0

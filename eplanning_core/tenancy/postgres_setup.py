"""``eplanning postgres setup``: PostgreSQL for a region or a deployment, the safe way, in one go.

Row level security only holds when the application does not own the tables. This command
makes that the easy path: given an administrator's URL (a superuser, or a role with
CREATEROLE and CREATEDB) it creates

- the **owner** role, owning the database and every table; it runs the migrations and
  nothing else (``EPLANNING_MIGRATE_DATABASE_URL``);
- the **application** role, owning nothing, with row-level grants only
  (``EPLANNING_DATABASE_URL``), through :func:`.approle.grant_app_role`;

runs the migrations as the owner, checks that every region table has row level security
enabled and forced with its policy, checks that the application role sees no row without a
region, and prints the settings to use. Running it again changes nothing that is right
already (new tables after an upgrade get their grants; passwords stay unless given).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import click
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from .approle import ROLE_NAME, AppRoleError, ensure_login_role, grant_app_role

DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: Shown instead of a password that this run did not set (the role keeps its own).
UNCHANGED = "UNCHANGED_PASSWORD"


class SetupError(Exception):
    """Setup cannot go on; the message says what to do."""


@dataclass
class SetupResult:
    database_url: str
    migrate_database_url: str
    done: list[str] = field(default_factory=list)
    passwords_unchanged: list[str] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name + '"'  # names are checked against DATABASE_NAME / ROLE_NAME first


def _url(admin: URL, role: str, password: str | None, database: str) -> URL:
    return admin.set(drivername="postgresql+psycopg", username=role, password=password,
                     database=database)


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _check_admin(conn) -> None:
    me = conn.execute(text("select rolsuper, rolcreaterole, rolcreatedb from pg_roles "
                           "where rolname = current_user")).first()
    if not (me.rolsuper or (me.rolcreaterole and me.rolcreatedb)):
        raise SetupError("the administrator URL must be a superuser's (e.g. postgres) or a role "
                         "with CREATEROLE and CREATEDB")


def prepare(admin_url: str, database: str, owner: str, app_role: str,
            owner_password: str | None = None, app_password: str | None = None) -> SetupResult:
    """Roles and database, as the administrator. Passwords: given, else generated for new roles."""
    for name, value, pattern in (("database", database, DATABASE_NAME), ("owner role", owner, ROLE_NAME),
                                 ("application role", app_role, ROLE_NAME)):
        if not pattern.match(value):
            raise SetupError(f"{name} '{value}': use lower-case letters, digits and _ "
                             "(starting with a letter), at most 63")
    if owner == app_role:
        raise SetupError("the owner and the application role must be two different roles")
    admin = make_url(admin_url)
    if admin.get_backend_name() != "postgresql":
        raise SetupError(f"not a PostgreSQL URL: {admin.render_as_string()}")
    engine = create_engine(admin.set(drivername="postgresql+psycopg"), poolclass=NullPool,
                           isolation_level="AUTOCOMMIT")
    done: list[str] = []
    unchanged: list[str] = []
    try:
        with engine.connect() as conn:
            _check_admin(conn)
            if admin.username in (owner, app_role):
                raise SetupError(f"'{admin.username}' is the administrator: name other roles")
            current = conn.scalar(text("select pg_get_userbyid(datdba) from pg_database "
                                       "where datname = :d"), {"d": database})
            if current is not None and current != owner:
                raise SetupError(f"database '{database}' exists and belongs to '{current}', not to "
                                 f"'{owner}'. Name the owner with --owner {current}, or a superuser runs: "
                                 f"ALTER DATABASE {_quote(database)} OWNER TO {_quote(owner)} "
                                 "(and the same for its tables)")
            passwords = {}
            for role, given in ((owner, owner_password), (app_role, app_password)):
                exists = conn.scalar(text("select 1 from pg_roles where rolname = :r"), {"r": role})
                password = given or (None if exists else secrets.token_urlsafe(24))
                try:
                    ensure_login_role(conn, role, password, done)
                except AppRoleError as exc:  # a superuser or BYPASSRLS role: separation would not hold
                    raise SetupError(f"{exc} (or choose other role names)") from None
                passwords[role] = password
                if password is None:
                    unchanged.append(role)
            if current is None:
                conn.exec_driver_sql(f"CREATE DATABASE {_quote(database)} OWNER {_quote(owner)} "
                                     "ENCODING 'UTF8' TEMPLATE template0")
                done.append(f"created database {database}, owned by {owner}")
            conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {_quote(database)} FROM PUBLIC")
        in_database = create_engine(admin.set(drivername="postgresql+psycopg", database=database),
                                    poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with in_database.connect() as conn:
                # Only the owner creates tables; PostgreSQL before 15 let every role create in public.
                conn.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {_quote(owner)}")
                conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        finally:
            in_database.dispose()
    finally:
        engine.dispose()
    return SetupResult(
        database_url=_render(_url(admin, app_role, passwords[app_role] or UNCHANGED, database)),
        migrate_database_url=_render(_url(admin, owner, passwords[owner] or UNCHANGED, database)),
        done=done, passwords_unchanged=unchanged)


def check_row_level_security(admin_in_database: str, owner: str, app_role: str) -> list[str]:
    """Every table with tenant_id: RLS enabled, forced, with a policy; the application role
    sees no row before a region is chosen. SetupError names what falls short."""
    engine = create_engine(admin_in_database, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SET ROLE {_quote(owner)}")
            rows = conn.execute(text(
                "select c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "exists(select 1 from pg_policy p where p.polrelid = c.oid) as policy "
                "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = current_schema() and c.relkind = 'r' and exists("
                "select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' "
                "and not a.attisdropped) order by c.relname")).all()
            conn.exec_driver_sql(f"SET ROLE {_quote(app_role)}")
            seen = conn.scalar(text("select count(*) from wilayah")) if rows else 0
            conn.rollback()
    finally:
        engine.dispose()
    if not rows:
        raise SetupError("no region table found: the migrations did not run")
    weak = [r.relname for r in rows if not (r.relrowsecurity and r.relforcerowsecurity and r.policy)]
    if weak:
        raise SetupError(f"row level security is not on and forced for: {', '.join(weak)}")
    if seen:
        raise SetupError(f"the application role sees {seen} unit rows without a region: "
                         "row level security does not hold for it")
    return [f"row level security on and forced for {len(rows)} region tables",
            f"{app_role} sees no region's rows until the application chooses the region"]


def setup(admin_url: str, database: str, owner: str, app_role: str, owner_password: str | None = None,
          app_password: str | None = None) -> SetupResult:
    """The whole setup: roles and database, migrations as the owner, grants, checks.

    The administrator's connection does the owner's steps under ``SET ROLE owner``: the
    tables are the owner's as if it had logged in, and a rerun needs no owner password.
    """
    result = prepare(admin_url, database, owner, app_role, owner_password, app_password)
    admin_in_database = _render(make_url(admin_url).set(drivername="postgresql+psycopg", database=database))
    revision = _migrate_as(admin_in_database, owner)
    result.done.append(f"migrations as {owner}: schema at {revision}")
    granted = _grant_as(admin_in_database, owner, app_role)
    result.done.append(f"{app_role}: rows of {len(granted) - 1} tables (read and write, history "
                       "append-only), owns nothing")
    result.done += check_row_level_security(admin_in_database, owner, app_role)
    return result


def _migrate_as(admin_in_database: str, owner: str) -> str:
    """Migrations through the administrator's connection with ``SET ROLE owner``: tables
    created are the owner's, exactly as if the owner had connected."""
    from sqlalchemy import event

    from flask_migrate import upgrade

    from .. import create_app
    from ..upgrade import current_revision

    # A throwaway key: this app serves no page, and must not write the instance folder's key.
    app = create_app({"DATABASE_URL": admin_in_database, "MIGRATE_DATABASE_URL": None,
                      "SECRET_KEY": secrets.token_hex(16),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool}})
    with app.app_context():
        from ..extensions import db

        event.listen(db.engine, "connect",
                     lambda dbapi, record: _set_role(dbapi, owner))
        try:
            upgrade()
            return current_revision()
        finally:
            db.session.remove()
            db.engine.dispose()


def _set_role(dbapi_connection, owner: str) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET ROLE {_quote(owner)}")
    cursor.close()
    dbapi_connection.commit()


def _grant_as(admin_in_database: str, owner: str, app_role: str) -> list[str]:
    engine = create_engine(admin_in_database, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL ROLE {_quote(owner)}")
            return grant_app_role(conn, app_role)
    except AppRoleError as exc:
        raise SetupError(str(exc)) from None
    finally:
        engine.dispose()


def default_names(tenant: str | None) -> tuple[str, str, str]:
    base = "eplanning" + ("_" + re.sub(r"[^a-z0-9]+", "_", tenant.lower()).strip("_") if tenant else "")
    base = base[:50]
    return base, base + "_owner", base + "_app"


@click.group("postgres", help="PostgreSQL for a live instance: roles, database, row level security.")
def postgres_cli() -> None:
    pass


@postgres_cli.command("setup")
@click.option("--admin-url", envvar="EPLANNING_POSTGRES_ADMIN_URL", required=True,
              help="A superuser's URL (or a role with CREATEROLE and CREATEDB), e.g. "
                   "postgresql://postgres@127.0.0.1:5432/postgres. Env: EPLANNING_POSTGRES_ADMIN_URL.")
@click.option("--database", help="Database name. Default: eplanning_<region slug> (EPLANNING_TENANT).")
@click.option("--owner", help="Role owning the tables, running migrations. Default: <database>_owner.")
@click.option("--app-role", help="Role the application connects as; owns nothing. Default: <database>_app.")
@click.option("--owner-password", help="Default: generated for a new role; an existing role keeps its own.")
@click.option("--app-password", help="Default: generated for a new role; an existing role keeps its own.")
@click.option("--redis", "redis_url", help="Redis URL for the shared login-limit counts of several "
                                            "workers, e.g. redis://127.0.0.1:6379/0.")
def setup_command(admin_url, database, owner, app_role, owner_password, app_password, redis_url) -> None:
    """Create the owner and application roles and the database, migrate as the owner, grant
    the application role, check row level security, and print the settings to use. Safe to
    run again (after an upgrade too)."""
    import os

    base, default_owner, default_app = default_names(os.environ.get("EPLANNING_TENANT"))
    database = database or base
    owner = owner or (database + "_owner" if database != base else default_owner)
    app_role = app_role or (database + "_app" if database != base else default_app)
    try:
        result = setup(admin_url, database, owner, app_role, owner_password, app_password)
    except SetupError as exc:
        raise click.ClickException(str(exc)) from None
    for line in result.done:
        click.echo(line)
    click.echo("")
    click.echo("# Settings for eplanning.env (keep this file readable by the service only):")
    click.echo(f"EPLANNING_DATABASE_URL={result.database_url}")
    click.echo(f"EPLANNING_MIGRATE_DATABASE_URL={result.migrate_database_url}")
    if redis_url:
        click.echo(f"EPLANNING_RATELIMIT_STORAGE_URI={redis_url}")
    else:
        click.echo("# With several workers or servers, count failed logins in one place (--redis):")
        click.echo("# EPLANNING_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0")
    click.echo("# Hourly, from cron (rolls each region's history checkpoint forward):")
    click.echo("#   0 * * * * eplanning audit checkpoint")
    if result.passwords_unchanged:
        click.echo(f"# {', '.join(result.passwords_unchanged)}: password unchanged (replace "
                   f"{UNCHANGED} with it, or rerun with --owner-password / --app-password)")

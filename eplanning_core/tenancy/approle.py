"""The application's own PostgreSQL role: it reads and writes rows, and owns nothing.

A live instance connects as a role that does not own the tables (``DATABASE_URL``); the
owner (``MIGRATE_DATABASE_URL``) runs the migrations and ``eplanning security app-role``.
The application role can therefore not switch row level security off, alter or drop a
table, or rewrite the audit history: it may only add to it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

#: Append-only history: the application adds rows and never changes or deletes one.
#: The chain head is the one audit row that moves forward with each entry.
AUDIT_PRIVILEGES = {"audit_entry": "SELECT, INSERT", "audit_checkpoint": "SELECT, INSERT",
                    "audit_chain_head": "SELECT, INSERT, UPDATE"}
#: Regions are added and renamed by the application, never deleted; the schema version is
#: the migrations' business.
OTHER_PRIVILEGES = {"tenant": "SELECT, INSERT, UPDATE", "alembic_version": "SELECT"}
ROW_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class AppRoleError(Exception):
    """The role cannot serve as the application role; the message says what to do."""


@contextmanager
def owner_engine(app=None):
    """An engine as the owner: the application's own when no MIGRATE_DATABASE_URL is set."""
    from ..extensions import db

    app = app or current_app
    url = app.config.get("MIGRATE_DATABASE_URL")
    if not url or url == app.config["DATABASE_URL"]:
        yield db.engine
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def privileges_for(table: str) -> str:
    return AUDIT_PRIVILEGES.get(table) or OTHER_PRIVILEGES.get(table) or ROW_PRIVILEGES


def grant_app_role(connection, role: str, password: str | None = None) -> list[str]:
    """Create or update ``role`` as the application role; returns what was done, line by line.

    Run as the owner of the tables. Grants are set from scratch on every table of the
    schema, so running it again after an upgrade covers the new tables.
    """
    if not ROLE_NAME.match(role):
        raise AppRoleError(f"'{role}' is not a plain role name (lower-case letters, digits, _)")
    if connection.dialect.name != "postgresql":
        raise AppRoleError("roles and row level security exist on PostgreSQL only")
    quoted = connection.dialect.identifier_preparer.quote(role)
    done = []
    me = connection.scalar(text("select current_user"))
    if me == role:
        raise AppRoleError(f"'{role}' is the role running this command, the owner: the "
                           "application needs a role of its own")
    ensure_login_role(connection, role, password, done)
    schema = connection.scalar(text("select current_schema()"))
    owned = connection.scalars(text(
        "select tablename from pg_tables where schemaname = :s and pg_has_role(:r, tableowner, 'MEMBER') "
        "order by tablename"), {"s": schema, "r": role}).all()
    if owned:
        raise AppRoleError(f"role '{role}' owns (or is a member of the owner of) {', '.join(owned)}: "
                           "the application role must own nothing; use another role")
    prep = connection.dialect.identifier_preparer
    database = prep.quote(connection.scalar(text("select current_database()")))
    qschema = prep.quote(schema)
    connection.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO {quoted}")
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {qschema} TO {quoted}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {qschema} FROM {quoted}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {qschema} FROM {quoted}")
    tables = connection.scalars(text("select tablename from pg_tables where schemaname = :s "
                                     "order by tablename"), {"s": schema}).all()
    for table in tables:
        privileges = privileges_for(table)
        connection.exec_driver_sql(f"GRANT {privileges} ON TABLE {qschema}.{prep.quote(table)} TO {quoted}")
        done.append(f"{table}: {privileges}")
    connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {qschema} TO {quoted}")
    done.append("every sequence: USAGE, SELECT")
    return done


def ensure_login_role(connection, role: str, password: str | None, done: list[str]) -> bool:
    """Create ``role`` (login, no special powers) or check the existing one; True if created.

    An existing role that is a superuser or bypasses row level security is refused: the
    region separation would not hold for it. A given password replaces the role's own.
    """
    quoted = connection.dialect.identifier_preparer.quote(role)
    found = connection.execute(text("select rolsuper, rolbypassrls from pg_roles where rolname = :r"),
                               {"r": role}).first()
    secret = f" PASSWORD {_literal(password)}" if password else ""
    if found is None:
        connection.exec_driver_sql(f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                   f"NOBYPASSRLS{secret}")
        done.append(f"created role {role} (login, no superuser, no bypass of row level security)")
        return True
    if found.rolsuper or found.rolbypassrls:
        raise AppRoleError(f"role '{role}' is a superuser or bypasses row level security; a "
                           f"superuser must run: ALTER ROLE {quoted} NOSUPERUSER NOBYPASSRLS")
    if password:
        connection.exec_driver_sql(f"ALTER ROLE {quoted}{secret}")
        done.append(f"new password for role {role}")
    return False


def _literal(value: str) -> str:
    """A SQL string literal (role DDL takes no bind parameters)."""
    if "\x00" in value:
        raise AppRoleError("a password cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def url_role(url: str) -> str | None:
    return make_url(url).username


security_cli = click.Group("security", help="Database roles of a live PostgreSQL instance (run as the owner).")


@security_cli.command("app-role")
@click.argument("role", required=False)
@click.option("--password", default=None, help="Set the role's password (else: unchanged, or none).")
@with_appcontext
def app_role_command(role: str | None, password: str | None) -> None:
    """Create or update ROLE (default: the user of DATABASE_URL) as the application role.

    Connects through MIGRATE_DATABASE_URL (the owner). Run again after every upgrade that
    adds tables; ``eplanning upgrade`` does it by itself when both URLs are set.
    """
    role = role or url_role(current_app.config["DATABASE_URL"])
    if not role:
        raise click.ClickException("name the role, or put it in DATABASE_URL")
    with owner_engine() as engine:
        try:
            with engine.begin() as connection:
                lines = grant_app_role(connection, role, password)
        except AppRoleError as exc:
            raise click.ClickException(str(exc)) from None
    for line in lines:
        click.echo(line)
    click.echo(f"Role {role} may read and write the rows of the current region only; it owns nothing.")


def regrant_after_upgrade(app) -> str | None:
    """After migrations as the owner: give the application role the new tables too."""
    owner = app.config.get("MIGRATE_DATABASE_URL")
    role = url_role(app.config["DATABASE_URL"])
    if not owner or not role or role == url_role(owner) or make_url(owner).get_backend_name() != "postgresql":
        return None
    with owner_engine(app) as engine, engine.begin() as connection:
        if not connection.scalar(text("select 1 from pg_roles where rolname = :r"), {"r": role}):
            return None  # not created yet: `eplanning security app-role` does that, with a password
        grant_app_role(connection, role)
    return role

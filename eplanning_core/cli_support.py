"""What every ``eplanning`` command that works on a region's database checks first.

Such a command says which database it found wanting (the setting that names it) and the
command that makes it right, instead of a raw database error; it never creates a database
as a side effect (connecting to a missing SQLite file would), and never adds a region: only
``eplanning tenants create`` and ``eplanning upgrade`` do, and they say so.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

#: Tables whose presence says the migrations ran (Alembic's own and the first of the core's).
SCHEMA_TABLES = ("alembic_version", "tenant")


def database_label() -> str:
    """The database as the operator named it, without its password."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _sqlite_file(url) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def check_database() -> None:
    """Refuse, with what to do, when the database is missing, unreachable or not migrated."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    where = database_label()
    file = _sqlite_file(url)
    if file is not None and not file.is_file():
        raise click.ClickException(
            f"no database at {where} (EPLANNING_DATABASE_URL; default: instance/eplanning.sqlite in "
            "the working folder). Create it with `eplanning upgrade`, or set EPLANNING_DATABASE_URL "
            "to the region's database. Nothing was created.")
    try:
        tables = set(inspect(db.engine).get_table_names())
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"cannot reach the database {where} (EPLANNING_DATABASE_URL): "
            f"{str(exc.orig if getattr(exc, 'orig', None) else exc).splitlines()[0]}") from None
    missing = [t for t in SCHEMA_TABLES if t not in tables]
    if missing:
        raise click.ClickException(
            f"the database {where} (EPLANNING_DATABASE_URL) has no e-Perencanaan tables yet. "
            "Create them with `eplanning upgrade`; nothing was changed.")


def with_database(function):
    """``with_appcontext`` plus :func:`check_database` before the command runs."""

    @functools.wraps(function)
    def checked(*args, **kwargs):
        check_database()
        return function(*args, **kwargs)

    return with_appcontext(checked)


def region_row(config=None):
    """The region's row, never created here: a region is added only by an explicit command."""
    from .tenancy.context import tenant_config
    from .tenancy.models import Tenant

    config = config or tenant_config()
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == config.slug))
    if tenant is None:
        raise click.ClickException(
            f"region '{config.slug}' ({config.name}, {config.folder / 'tenant.toml'}) is not in the "
            f"database {database_label()}. Add it on purpose with `eplanning tenants create "
            f"{config.slug}` (or `eplanning upgrade`, which adds every configured region); if this is "
            "not the region you meant, check EPLANNING_TENANT and EPLANNING_TENANT_HOSTS. "
            "Nothing was changed.")
    return tenant


def add_region(config) -> bool:
    """The one explicit way a region gets its row (True when it was added now), as
    ``ensure_tenant_row`` of the tenancy package does it; the caller commits."""
    from .tenancy.context import ensure_tenant_row
    from .tenancy.models import Tenant

    existed = db.session.scalar(select(Tenant.id).where(Tenant.slug == config.slug)) is not None
    ensure_tenant_row(config)
    return not existed

"""``eplanning upgrade``: after ``pip install -U eplanning-core``, bring a region up to date.

It upgrades the database through the core's migrations (every row kept), says which schema
revision it went from and to, and reports template overrides the new core no longer fits.
"""

from __future__ import annotations

import click
from alembic.runtime.migration import MigrationContext
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade as migrate_upgrade

from . import __version__
from .overrides import check_overrides


def current_revision() -> str | None:
    from .tenancy.approle import owner_engine

    with owner_engine() as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@click.command("upgrade", help="Upgrade the database to this core's schema and check template overrides.")
@click.option("--strict", is_flag=True, help="Exit with an error when a template override is out of date.")
@with_appcontext
def upgrade_command(strict: bool) -> None:
    before = current_revision()
    migrate_upgrade()
    after = current_revision()
    if before == after:
        click.echo(f"eplanning-core {__version__}: database already at {after}.")
    else:
        click.echo(f"eplanning-core {__version__}: database upgraded from {before or 'empty'} to {after}.")
    from .tenancy.approle import regrant_after_upgrade

    role = regrant_after_upgrade(current_app)
    if role:
        click.echo(f"Application role {role}: grants renewed on every table.")
    _add_configured_regions()
    problems = check_overrides(current_app)
    for problem in problems:
        click.echo(f"template override out of date: {problem}", err=True)
    if problems and strict:
        raise click.ClickException(f"{len(problems)} template override(s) no longer fit the core")
    if not problems and current_app.config.get("TEMPLATE_OVERRIDES"):
        click.echo("Template overrides: all fit this core.")


def _add_configured_regions() -> None:
    """The regions this deployment is configured to serve (EPLANNING_TENANT and
    EPLANNING_TENANT_HOSTS) get their row now, each one named: an explicit step, never a side
    effect of another command."""
    from .cli_support import add_region
    from .extensions import db
    from .tenancy.context import all_tenants

    added = [slug for slug, config in all_tenants().items() if add_region(config)]
    db.session.commit()
    for slug in added:
        config = all_tenants()[slug]
        click.echo(f"Region {slug} ({config.name}, {config.code}) added to the database.")

"""The ``eplanning`` console command: Flask's CLI bound to create_app (db, wilayah, users, demo)."""

import sys

import click
from flask.cli import FlaskGroup

from . import create_app
from .tenancy.loader import TenantConfigError


def _create_app_or_explain():
    """A broken tenant.toml is the IT officer's to fix: say what and where, no traceback."""
    try:
        return create_app()
    except TenantConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def main() -> None:
    FlaskGroup(create_app=_create_app_or_explain, name="eplanning",
               help="e-Perencanaan: manage a region's instance (database, units, users, demo).")(
        prog_name="eplanning")

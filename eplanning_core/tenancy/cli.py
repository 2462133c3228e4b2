"""``eplanning tenants``: the system administrator's commands, above the regions.

A province's Diskominfo hosting several regions lists them and creates each region's
first Bappeda administrator; that administrator then manages everything else in the browser.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..extensions import db
from .context import all_tenants, ensure_tenant_row, use_tenant

tenants_cli = click.Group("tenants", help="Regions served by this deployment (system administrator).")


@tenants_cli.command("list")
@with_appcontext
def list_tenants() -> None:
    """Every region of this deployment: slug, code, name, host names, accounts."""
    from ..accounts.models import User

    hosts = current_app.extensions["eplanning.hosts"]
    for slug, config in all_tenants().items():
        with use_tenant(slug):  # PostgreSQL row level security shows one region at a time
            tenant = ensure_tenant_row(config)
            users = db.session.scalar(select(func.count()).select_from(User).where(User.tenant_id == tenant.id))
            db.session.commit()
        names = ", ".join(sorted(h for h, s in hosts.items() if s == slug)) or "(default)"
        click.echo(f"{slug:<22} {config.code:<6} {config.name:<34} {names:<40} {users} accounts")


@tenants_cli.command("create-admin")
@click.argument("slug")
@click.option("--username", required=True)
@click.option("--nama", required=True, help="Full name shown in the history of every change.")
@click.option("--email", default="")
@click.password_option(help="At least 10 characters; asked twice when not given.")
@with_appcontext
def create_admin(slug: str, username: str, nama: str, email: str, password: str) -> None:
    """Create the first Bappeda administrator of region SLUG."""
    from ..accounts.cli import create_bappeda_admin

    if slug not in all_tenants():
        raise click.ClickException(f"no region '{slug}' in this deployment; see `eplanning tenants list`")
    with use_tenant(slug):
        create_bappeda_admin(username, nama, email, password)

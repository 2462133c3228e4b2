"""``eplanning tenants``: the system administrator's commands, above the regions.

A province's Diskominfo hosting several regions lists them and creates each region's
first Bappeda administrator; that administrator then manages everything else in the browser.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import func, select

from ..cli_support import add_region, database_label, region_row, with_database
from ..extensions import db
from .context import all_tenants, use_tenant
from .models import Tenant

tenants_cli = click.Group("tenants", help="Regions served by this deployment (system administrator).")


@tenants_cli.command("list")
@with_database
def list_tenants() -> None:
    """Every region of this deployment: slug, code, name, host names, accounts."""
    from ..accounts.models import User

    hosts = current_app.extensions["eplanning.hosts"]
    for slug, config in all_tenants().items():
        names = ", ".join(sorted(h for h, s in hosts.items() if s == slug)) or "(default)"
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            state = f"not in the database: eplanning tenants create {slug}"
        else:
            with use_tenant(slug):  # PostgreSQL row level security shows one region at a time
                users = db.session.scalar(select(func.count()).select_from(User).where(User.tenant_id == tenant.id))
                db.session.commit()
            state = f"{users} accounts"
        click.echo(f"{slug:<22} {config.code:<6} {config.name:<34} {names:<40} {state}")


@tenants_cli.command("create")
@click.argument("slugs", nargs=-1)
@with_database
def create_tenants(slugs: tuple[str, ...]) -> None:
    """Add regions of this deployment to its database (default: EPLANNING_TENANT).

    The one command that adds a region; importing units, creating accounts or serving pages
    never does. A region already there is left as it is.
    """
    configured = all_tenants()
    slugs = slugs or (current_app.config["TENANT"],)
    unknown = [s for s in slugs if s not in configured]
    if unknown:
        raise click.ClickException(
            f"not served by this deployment: {', '.join(unknown)} (served: {', '.join(configured)}; "
            "see EPLANNING_TENANT and EPLANNING_TENANT_HOSTS). Nothing was added.")
    added = [slug for slug in slugs if add_region(configured[slug])]
    db.session.commit()
    for slug in slugs:
        config = configured[slug]
        what = "added to" if slug in added else "already in"
        click.echo(f"Region {slug} ({config.name}, {config.code}) {what} the database {database_label()}.")


@tenants_cli.command("create-admin")
@click.argument("slug")
@click.option("--username", required=True)
@click.option("--nama", required=True, help="Full name shown in the history of every change.")
@click.option("--email", default="")
@click.password_option(help="At least 10 characters; asked twice when not given.")
@with_database
def create_admin(slug: str, username: str, nama: str, email: str, password: str) -> None:
    """Create the first Bappeda administrator of region SLUG."""
    from ..accounts.cli import create_bappeda_admin

    if slug not in all_tenants():
        raise click.ClickException(f"no region '{slug}' in this deployment; see `eplanning tenants list`")
    region_row(all_tenants()[slug])  # added on purpose first, never here
    with use_tenant(slug):
        create_bappeda_admin(username, nama, email, password)

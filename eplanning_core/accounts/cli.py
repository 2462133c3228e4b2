"""``eplanning users``: create the first Bappeda administrator of a region, list accounts."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..cli_support import region_row, with_database
from ..extensions import db
from ..tenancy.context import tenant_config
from .models import Role, User
from .operations import save_user

users_cli = click.Group("users", help="User accounts of the region.")


@users_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--nama", required=True, help="Full name shown in the history of every change.")
@click.option("--email", default="")
@click.password_option(help="At least 10 characters, not a common password, not containing the "
                        "username or the region's name; asked twice when not given.")
@with_database
def create_admin(username: str, nama: str, email: str, password: str) -> None:
    """Create a Bappeda administrator (who then creates every other account in the browser)."""
    create_bappeda_admin(username, nama, email, password)


def create_bappeda_admin(username: str, nama: str, email: str, password: str) -> None:
    """The one way a first administrator is made, for ``users`` and ``tenants`` alike."""
    from .passwords import min_length, problem

    if len(password) < min_length():
        raise click.ClickException(f"the password must have at least {min_length()} characters")
    refused = problem(password, username.strip().lower(), tenant_config().name)
    if refused:  # the same policy as the web forms
        raise click.ClickException(f"password: {refused}")
    tenant = region_row()
    outcome = save_user(tenant.id, None, {"username": username, "nama": nama, "email": email,
                                          "role": Role.BAPPEDA.value, "aktif": True}, set(),
                        password=password)
    if not outcome.ok:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in outcome.errors.items()))
    click.echo(f"Administrator '{outcome.obj.username}' created for {tenant.nama}.")


@users_cli.command("set-password")
@click.option("--username", required=True)
@click.password_option(help="The same policy as in the browser; asked twice when not given.")
@with_database
def set_password(username: str, password: str) -> None:
    """Set an account's password (e.g. a locked-out administrator's); its sessions end."""
    from .credentials import reset_password

    tenant = region_row()
    user = db.session.scalar(select(User).where(User.tenant_id == tenant.id,
                                                User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account '{username}' in {tenant.nama}")
    outcome = reset_password(user, password)
    if not outcome.ok:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in outcome.errors.items()))
    click.echo(f"Password of '{user.username}' set; its sessions and API tokens have ended.")


@users_cli.command("list")
@with_database
def list_users() -> None:
    """List the region's accounts: username, role, active."""
    tenant = region_row()
    for user in db.session.scalars(select(User).where(User.tenant_id == tenant.id).order_by(User.username)):
        click.echo(f"{user.username:<30} {user.role:<12} {'active' if user.aktif else 'disabled'}")

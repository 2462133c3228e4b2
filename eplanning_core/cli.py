"""The ``eplanning`` console command: Flask's CLI bound to create_app (db, wilayah, users, demo).

Every command is known to the group itself, so ``eplanning --help`` and each command's
``--help`` work anywhere, outside any project: the application (and its region
configuration) is created only when a command that needs it runs, and a broken or missing
configuration is then reported as one message, without a traceback.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, NoAppException

from . import create_app
from .config import SettingError
from .tenancy.loader import TenantConfigError


def _create_app_or_explain():
    """A broken or missing tenant.toml or setting is the IT officer's to fix: say what and
    where. Regions are not added at start here: only `tenants create` and `upgrade` add one."""
    try:
        return create_app({"TENANT_ROWS_AT_START": False})
    except (TenantConfigError, SettingError) as exc:
        raise NoAppException(str(exc)) from None


def core_commands() -> list[click.Command]:
    """The commands the application registers on ``app.cli``, plus those that need no app."""
    from flask_migrate.cli import db as db_cli  # `eplanning db upgrade` (Flask-Migrate adds it to app.cli)
    from flask_smorest.spec import openapi_cli  # `eplanning openapi write` (flask-smorest's)

    from .accounts.cli import users_cli
    from .audit.cli import audit_cli
    from .backup.cli import backup_command, restore_command
    from .demo.cli import demo_command
    from .jobs.cli import jobs_cli
    from .kamus.cli import kamus_cli
    from .notifications.digest import notifications_cli
    from .regiontemplate.cli import new_region_command
    from .tenancy.approle import security_cli
    from .tenancy.cli import tenants_cli
    from .tenancy.postgres_setup import postgres_cli
    from .upgrade import upgrade_command
    from .wilayah.cli import wilayah_cli

    return [wilayah_cli, users_cli, demo_command, kamus_cli, tenants_cli, upgrade_command, audit_cli,
            backup_command, restore_command, security_cli, db_cli, openapi_cli, notifications_cli,
            jobs_cli,
            new_region_command,  # needs no application
            postgres_cli]        # builds its own app for the migrations, as the owner


class EplanningGroup(FlaskGroup):
    """Flask's group, without loading the application to find or list a command: every core
    command is registered on the group (see :func:`core_commands`)."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()  # flask db (Flask-Migrate) and the other Flask plugins
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return click.Group.list_commands(self, ctx)

    def make_context(self, info_name, args, parent=None, **extra):
        """Asking for help runs the callbacks of the groups on the way (``eplanning db upgrade
        --help`` runs Flask-Migrate's ``db``, which wants an app) but never a command: they get
        a bare Flask app, so that help needs no region, database or project."""
        if "--help" in args and "obj" not in extra:
            from flask import Flask
            from flask.cli import ScriptInfo

            extra["obj"] = ScriptInfo(create_app=lambda: Flask(__package__),
                                      set_debug_flag=self.set_debug_flag,
                                      load_dotenv_defaults=self.load_dotenv)
        return super().make_context(info_name, args, parent=parent, **extra)


def cli() -> FlaskGroup:
    group = EplanningGroup(create_app=_create_app_or_explain, name="eplanning",
                           help="e-Perencanaan: manage a region's instance (database, units, users, "
                                "demo) or bake a new region's project (new-region).")
    for command in core_commands():
        group.add_command(command)
    return group


def main() -> None:
    cli()(prog_name="eplanning")

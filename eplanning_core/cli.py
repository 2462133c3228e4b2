"""The ``eplanning`` console command: Flask's CLI bound to create_app (db, wilayah, users, demo)."""

from flask.cli import FlaskGroup, NoAppException

from . import create_app
from .tenancy.loader import TenantConfigError


def _create_app_or_explain():
    """A broken or missing tenant.toml is the IT officer's to fix: say what and where, no
    traceback. Flask then still lists the commands that need no region (new-region)."""
    try:
        return create_app()
    except TenantConfigError as exc:
        raise NoAppException(str(exc)) from None


def cli() -> FlaskGroup:
    """The command group; ``new-region`` needs no application, so it is added here."""
    from .regiontemplate.cli import new_region_command

    group = FlaskGroup(create_app=_create_app_or_explain, name="eplanning",
                       help="e-Perencanaan: manage a region's instance (database, units, users, "
                            "demo) or bake a new region's project (new-region).")
    group.add_command(new_region_command)
    return group


def main() -> None:
    cli()(prog_name="eplanning")

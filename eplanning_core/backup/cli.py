"""``eplanning backup FILE`` and ``eplanning restore FILE [--yes]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..cli_support import with_database
from .core import KIND_NAMES, BackupError, backup, check_restorable, describe_database, restore


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


@click.command("backup", help="Back up the region's database to FILE (PostgreSQL: pg_dump -Fc; "
                               "SQLite: a consistent copy). Uploaded files are not included.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_database
def backup_command(file: Path, force: bool) -> None:
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists: choose another name, or add --force to replace it")
    try:
        done = backup(current_app, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup of {done.database} ({KIND_NAMES[done.kind]}) written to {done.path} "
               f"({_size(done.size)}).")


@click.command("restore", help="Replace the region's database with the backup in FILE, all or "
                                "nothing. Stop the application first.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    try:
        check_restorable(current_app, file)        # refuse a wrong file before asking anything
        if not yes:
            click.confirm(f"Every row now in {describe_database(current_app)} will be replaced by "
                          f"the backup {file}. Continue?", abort=True)
        done = restore(current_app, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {done.database} from {done.path}.")
    if "audit" in current_app.cli.commands:
        click.echo("Check the history chain now: eplanning audit verify")

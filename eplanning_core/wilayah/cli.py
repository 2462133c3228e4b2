"""``eplanning wilayah import``: load the region's units from CSV files."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale

from ..cli_support import region_row, with_database
from ..tenancy.context import tenant_config
from .importer import WilayahImportError, import_files

wilayah_cli = click.Group("wilayah", help="The region hierarchy: kecamatan, villages, lowest level.")


@wilayah_cli.command("import")
@click.option("--wilayah", "wilayah_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Kemendagri-format CSV (kode,nama[,tingkat]); default: wilayah.csv in the region's folder.")
@click.option("--units", "units_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The region's lowest-level units (kode,nama[,kode_induk]); default: units.csv in "
                   "the region's folder.")
@with_database
def import_command(wilayah_file: Path | None, units_file: Path | None) -> None:
    """Import kecamatan, villages and the lowest level; all or nothing, safe to re-run."""
    config = tenant_config()
    if wilayah_file is None and units_file is None:  # no file named: the region folder's own
        if (config.folder / "wilayah.csv").is_file():
            wilayah_file = config.folder / "wilayah.csv"
        if (config.folder / "units.csv").is_file():
            units_file = config.folder / "units.csv"
    if wilayah_file is None and units_file is None:
        raise click.UsageError("no file given and neither wilayah.csv nor units.csv in "
                               f"{config.folder}")
    tenant = region_row(config)
    try:
        report = import_files(tenant.id, config.code, wilayah_file, units_file)
    except WilayahImportError as exc:
        with force_locale("en"):  # messages in English, like the rest of the CLI
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported.") from None
    for level in (1, 2, 3):
        click.echo(f"{config.level_name(level)}: {report.created[level]} new, "
                   f"{report.renamed[level]} renamed, {report.unchanged[level]} unchanged")
    if not report.changed:
        click.echo("Nothing changed.")

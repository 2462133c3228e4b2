"""``eplanning kamus import-nomenklatur FILE`` and ``eplanning kamus import FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale

from ..cli_support import region_row, with_database
from . import operations

kamus_cli = click.Group("kamus", help="The proposal catalogue (kamus usulan) and the Permendagri "
                                      "90/2019 nomenklatur.")

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _tenant_id() -> int:
    return region_row().id


def _finish(report) -> None:
    """Print the summary, or the problems and exit non-zero. Messages in English, like the CLI."""
    with force_locale("en"):
        for problem in report.problems:
            click.echo(f"error: {report.file}, {problem}", err=True)
        if report.problems:
            raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported.")
        for warning in report.warnings:
            click.echo(f"warning: {report.file}, {warning}", err=True)
    click.echo(f"{report.file}: {report.created} new, {report.updated} changed, "
               f"{report.unchanged} unchanged"
               + (f", {report.skipped} rows for provinces skipped" if report.skipped else ""))
    if not report.changed:
        click.echo("Nothing changed.")


@kamus_cli.command("import-nomenklatur")
@click.argument("file", type=FILE)
@click.option("--allow-missing-parents", is_flag=True,
              help="Also take rows whose parent code is in neither the file nor the database "
                   "(the published lists have such gaps); they are listed as warnings.")
@with_database
def import_nomenklatur_command(file: Path, allow_missing_parents: bool) -> None:
    """Import Permendagri 90/2019 codes (CSV or .xlsx: tingkat,kode,nama[,jenis_pemda]).

    All or nothing, safe to re-run; only kabupaten_kota rows are taken.
    """
    report = operations.import_nomenklatur(_tenant_id(), None, file.read_bytes(), file.name,
                                           allow_missing_parents=allow_missing_parents)
    _finish(report)


@kamus_cli.command("import")
@click.argument("file", type=FILE)
@with_database
def import_kamus_command(file: Path) -> None:
    """Import catalogue items (CSV or .xlsx: kode,nama,bidang,satuan,harga_satuan
    [,perangkat_daerah,sub_kegiatan]). All or nothing, safe to re-run."""
    report = operations.import_kamus(_tenant_id(), None, file.read_bytes(), file.name)
    _finish(report)

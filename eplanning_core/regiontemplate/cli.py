"""``eplanning new-region``: bake a region's project from cookiecutter-region.

A thin wrapper over cookiecutter's Python API (as CKAN's ``ckan generate extension``): the
options become answers (``extra_context``), cookiecutter asks for the rest unless
``--no-input``, and the template's pre-generation hook checks every answer and refuses
wrong ones with its own message. Needs no application, database or tenants folder.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .. import __version__
from . import TemplateNotFound, template_dir

PRESETS = ("lengkap", "tanpa-rembuk-warga", "ringkas")

# The hook prints its own refusal; cookiecutter's traceback log of it would only add noise.
logging.getLogger("cookiecutter").addHandler(logging.NullHandler())

#: option name -> template variable
ANSWERS = {
    "region_code": "region_code", "wilayah_csv": "wilayah_csv", "region_name": "region_name",
    "kind": "region_kind", "province": "province", "slug": "tenant_slug",
    "project_slug": "project_slug", "tracking_prefix": "tracking_prefix",
    "levels": "levels", "stage_preset": "stage_preset", "primary_color": "primary_color",
    "secondary_color": "secondary_color", "logo": "logo", "language": "default_language",
    "core_version": "core_version", "timezone": "timezone",
}


def answers_from_options(options: dict) -> dict[str, str]:
    """cookiecutter's extra_context from the options given (None = not given: ask/derive)."""
    context = {ANSWERS[k]: str(v) for k, v in options.items() if k in ANSWERS and v is not None}
    context.setdefault("core_version", __version__)
    return context


@click.command("new-region", help="Bake a region's own project (cookiecutter-region): tenant.toml, "
               "branding, units, template overrides, tests, Makefile, README.")
@click.option("--region-code", help="Kemendagri kabupaten/kota code, e.g. 12.71: name, kind, province, "
                                    "time zone and levels follow from it (the core's national list).")
@click.option("--wilayah-csv", type=click.Path(dir_okay=False, path_type=Path),
              help="Kemendagri list (kode,nama,tingkat): fills in and checks the name; its rows "
                   "of the region become tenants/<slug>/wilayah.csv.")
@click.option("--region-name", help="e.g. 'Kota Medan' (default: from the code).")
@click.option("--kind", help="kabupaten or kota (default: from the name or the code).")
@click.option("--province", help="Province (default: from the code).")
@click.option("--slug", help="Region folder name under tenants/ (default: from the name).")
@click.option("--project-slug", help="Project folder name (default: eplanning-<slug>).")
@click.option("--tracking-prefix", help="2-5 capital letters of the public tracking codes.")
@click.option("--levels", help="Three level names, top to bottom, e.g. Kecamatan/Kelurahan/RW (any "
                               "'A/B/C'; default: kota Kelurahan/Lingkungan, kabupaten Desa/Dusun, "
                               "Sumatera Barat's kabupaten Nagari/Jorong).")
@click.option("--stage-preset", type=click.Choice(PRESETS),
              help="lengkap (full set), tanpa-rembuk-warga (from the village), ringkas (no Pokir).")
@click.option("--primary-color", help="#rrggbb")
@click.option("--secondary-color", help="#rrggbb")
@click.option("--logo", type=click.Path(dir_okay=False, path_type=Path),
              help="SVG/PNG logo (default: a simple generated one).")
@click.option("--language", help="Default language: id or en.")
@click.option("--core-version", help=f"Lowest eplanning-core to require (default {__version__}).")
@click.option("--timezone", help="Asia/Jakarta, Asia/Pontianak, Asia/Makassar or Asia/Jayapura.")
@click.option("--output-dir", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Where the project folder is created.")
@click.option("--no-input", is_flag=True, help="Ask nothing: the options and derived defaults.")
def new_region_command(output_dir: Path, no_input: bool, **options) -> None:
    from cookiecutter.exceptions import (CookiecutterException, FailedHookException,
                                         OutputDirExistsException)
    from cookiecutter.main import cookiecutter

    try:
        template = template_dir()
    except TemplateNotFound as exc:
        raise click.ClickException(str(exc)) from None
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        project = cookiecutter(str(template), no_input=no_input,
                               extra_context=answers_from_options(options),
                               output_dir=str(output_dir))
    except FailedHookException:
        raise click.ClickException("the answers were refused (see above); nothing was baked") from None
    except OutputDirExistsException as exc:
        raise click.ClickException(f"{exc}: choose another --project-slug or --output-dir") from None
    except (ValueError, CookiecutterException) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Baked {project}")
    click.echo(f"Next: cd {project} && make test && make demo (see its README.md)")

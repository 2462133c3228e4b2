"""The ``eplanning`` command is honest everywhere: its help works outside any project,
commands that need a database say which and how to make it (and create none), and a region
is added to a database only by an explicit command."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from support.env import BACKENDS, IN_CI, PG_SERVER, TENANTS_DIR, probe_postgres

from eplanning_core.cli import cli

#: What the application registers on app.cli: all must show in `eplanning --help` without it.
EXPECTED = {"audit", "backup", "db", "demo", "kamus", "new-region", "postgres", "restore", "security",
            "tenants", "upgrade", "users", "wilayah"}


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """An empty folder, not a project, and no EPLANNING_* setting."""
    for key in list(os.environ):
        if key.startswith(("EPLANNING_", "FLASK_")):
            monkeypatch.delenv(key)
    folder = tmp_path / "nowhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def run(*args, env=None):
    return CliRunner().invoke(cli(), list(args), env=env, prog_name="eplanning")


def every_command(group: click.Group, path=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


def test_help_outside_any_project_lists_every_command(nowhere):
    result = run("--help")
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert EXPECTED <= listed, EXPECTED - listed
    assert "Error" not in result.output and "tenant.toml" not in result.output
    assert list(nowhere.iterdir()) == [], "help created files"


def test_every_subcommand_help_works_outside_any_project(nowhere):
    paths = list(every_command(cli()))
    assert ("tenants", "create") in paths and ("wilayah", "import") in paths and ("db", "upgrade") in paths
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith(f"Usage: eplanning {' '.join(path)}"), (path, result.output)
        assert "Error" not in result.output, (path, result.output)
    assert list(nowhere.iterdir()) == [], "help created files"


def test_the_group_knows_every_command_the_application_registers(app):
    group = cli()
    missing = set(app.cli.list_commands(click.Context(app.cli))) - set(group.commands)
    assert missing == set(), f"add these to eplanning_core.cli.core_commands(): {missing}"


def test_a_command_needing_a_region_names_the_missing_configuration(nowhere):
    result = run("wilayah", "import")
    assert result.exit_code != 0
    assert "Invalid region configuration" in result.output and "tenant.toml: file not found" in result.output
    assert "Traceback" not in result.output


def test_a_broken_tenant_hosts_setting_is_named_not_a_traceback(nowhere):
    result = run("tenants", "list", env={"EPLANNING_TENANT_HOSTS": "{eplanning.padang.go.id: padang",
                                         "EPLANNING_TENANTS_DIR": str(TENANTS_DIR)})
    assert result.exit_code != 0
    assert "EPLANNING_TENANT_HOSTS must be a JSON object of host name -> region slug" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ---- the database: named, never created as a side effect -------------------------------------

def settings(url: str, tenant: str = "medan") -> dict:
    return {"EPLANNING_DATABASE_URL": url, "EPLANNING_TENANTS_DIR": str(TENANTS_DIR), "EPLANNING_TENANT": tenant}


@pytest.mark.parametrize("command", [("tenants", "list"), ("wilayah", "import"), ("users", "list"),
                                     ("tenants", "create"), ("audit", "verify"), ("backup", "cadangan.bak")])
def test_no_database_is_named_with_the_command_that_makes_it_and_none_is_created(nowhere, command):
    result = run(*command, env={"EPLANNING_TENANTS_DIR": str(TENANTS_DIR)})  # default database: ./instance
    assert result.exit_code == 1, result.output
    assert f"no database at {nowhere / 'instance' / 'eplanning.sqlite'} (EPLANNING_DATABASE_URL" in result.output
    assert "Create it with `eplanning upgrade`" in result.output and "Nothing was created." in result.output
    assert not (nowhere / "instance" / "eplanning.sqlite").exists()
    assert "OperationalError" not in result.output


@pytest.fixture(params=BACKENDS)
def schemaless_database(request, tmp_path):
    """A database that exists but holds no tables: an empty SQLite file, an empty PostgreSQL database."""
    if request.param == "sqlite":
        file = tmp_path / "kosong.sqlite"
        sqlite3.connect(file).close()
        yield f"sqlite:///{file}"
        return
    problem = probe_postgres()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    from eplanning_core.testing.databases import fresh_database

    with fresh_database(PG_SERVER) as url:
        yield url


def tables(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [("tenants", "list"), ("wilayah", "import"), ("kamus", "import", __file__)])
def test_a_database_without_the_schema_is_refused_with_the_command_that_makes_it(nowhere, schemaless_database,
                                                                                  command):
    result = run(*command, env=settings(schemaless_database))
    assert result.exit_code == 1, result.output
    assert "(EPLANNING_DATABASE_URL) has no e-Perencanaan tables yet. Create them with `eplanning upgrade`" \
        in result.output, result.output
    assert "no such table" not in result.output and "UndefinedTable" not in result.output
    assert tables(schemaless_database) == []


# ---- regions are added on purpose only ------------------------------------------------------

@pytest.fixture
def migrated(database_url):
    """The suite's migrated database (its owner), with no rows; emptied again afterwards."""
    from eplanning_core.extensions import db
    from eplanning_core.testing.databases import empty_all_tables

    engine = create_engine(database_url, poolclass=NullPool)
    empty_all_tables(db.metadata, engine)
    yield database_url
    empty_all_tables(db.metadata, engine)
    engine.dispose()


def regions(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(text("SELECT slug FROM tenant")).scalars())
    finally:
        engine.dispose()


def test_no_command_but_tenants_create_adds_a_region(nowhere, migrated, tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("kode,nama,kode_induk\n", encoding="utf-8")
    agam = settings(migrated, "agam")
    for command in (("wilayah", "import"), ("users", "list"),
                    ("users", "create-admin", "--username", "bappeda", "--nama", "Bappeda",
                     "--password", "rahasia-lembah-2027"),
                    ("kamus", "import", str(units))):
        result = run(*command, env=agam)
        assert result.exit_code == 1, (command, result.output)
        assert ("region 'agam' (Kabupaten Agam, " in result.output
                and "is not in the database" in result.output), (command, result.output)
        assert "eplanning tenants create agam" in result.output and "EPLANNING_TENANT" in result.output
    assert regions(migrated) == []

    listing = run("tenants", "list", env=agam)
    assert listing.exit_code == 0 and "not in the database: eplanning tenants create agam" in listing.output
    created = run("tenants", "create", env=agam)
    assert created.exit_code == 0, created.output
    assert "Region agam (Kabupaten Agam, 13.06) added to the database" in created.output
    assert regions(migrated) == ["agam"]
    again = run("tenants", "create", env=agam)
    assert "Region agam (Kabupaten Agam, 13.06) already in the database" in again.output
    assert regions(migrated) == ["agam"]
    imported = run("wilayah", "import", env=agam)
    assert imported.exit_code == 0, imported.output


def test_tenants_create_refuses_a_region_the_deployment_does_not_serve(nowhere, migrated):
    result = run("tenants", "create", "padang", env=settings(migrated))
    assert result.exit_code == 1
    assert "not served by this deployment: padang (served: medan;" in result.output
    assert regions(migrated) == []


def test_upgrade_adds_the_configured_regions_and_says_so(nowhere, tmp_path):
    url = f"sqlite:///{tmp_path / 'baru.sqlite'}"
    result = run("upgrade", env=settings(url))
    assert result.exit_code == 0, result.output
    assert "Region medan (Kota Medan, 12.71) added to the database." in result.output
    assert regions(url) == ["medan"]
    again = run("upgrade", env=settings(url))
    assert "added" not in again.output


def test_help_works_from_the_installed_script_in_an_empty_folder(nowhere):
    """The console script itself, as an IT officer types it."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "eplanning"
    if not script.is_file():
        script = Path(shutil.which("eplanning") or "eplanning")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPLANNING_", "FLASK_"))}
    for args in (["--help"], ["new-region", "--help"], ["tenants", "list", "--help"]):
        result = subprocess.run([str(script), *args], cwd=nowhere, env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0 and result.stderr == "", (args, result.stderr)
    assert list(nowhere.iterdir()) == []


def test_make_demo_takes_the_port(tmp_path):
    """`make demo PORT=8123` (dry run: the commands make would run)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    for target in ("demo", "demo-reset"):
        result = subprocess.run(["make", "-n", target, "PORT=8123", f"STAMP={tmp_path / 'stamp'}"], cwd=root,
                                capture_output=True, text=True, timeout=60)
        assert "eplanning demo" in result.stdout and "--port 8123" in result.stdout, result.stdout + result.stderr
    default = subprocess.run(["make", "-n", "demo", f"STAMP={tmp_path / 'stamp'}"], cwd=root, capture_output=True,
                             text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "PORT"})
    assert "--host 127.0.0.1 --port 5000" in default.stdout, default.stdout
    assert "--port" in run("demo", "--help").output

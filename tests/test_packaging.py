"""The wheel is the product: built, installed in a fresh virtual environment outside the
repository, it migrates a database, imports Kota Medan and serves the login page."""

from __future__ import annotations

import csv
import importlib.metadata
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from support.packaging import run_ok

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eplanning_core"


def test_every_python_package_of_the_core_is_listed_in_setup_cfg():
    """A package missing from setup.cfg works in the editable install and breaks the wheel."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    on_disk = {".".join(init.parent.relative_to(ROOT).parts)
               for init in PACKAGE.rglob("__init__.py")
               if "template" not in init.parts and "__pycache__" not in init.parts}
    assert on_disk - listed == set()


def test_installed_distribution_is_eplanning_core_with_its_console_script():
    import eplanning_core
    from eplanning_core.cli import main

    dist = importlib.metadata.distribution("eplanning-core")
    assert dist.metadata["Name"] == "eplanning-core"
    assert dist.version == eplanning_core.__version__
    scripts = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    assert [(ep.name, ep.value) for ep in scripts] == [("eplanning", "eplanning_core.cli:main")]
    assert scripts[0].load() is main


# ---- the wheel, installed like a region's server would install it ---------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built once per session with the sdist (tests/support/core_dist.py), shared with test_release.py
    and test_baked_install.py; the wheel is made from the sdist, as a package index gets it."""
    from support.core_dist import build_core

    return build_core(tmp_path_factory)["wheel"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, wheel):
    """A fresh venv with the wheel installed, a copy of tenants/, and a clean environment."""
    base = tmp_path_factory.mktemp("site")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    # This environment's pip installs into the new venv (no ensurepip), from the pip cache.
    run_ok([sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
          "--disable-pip-version-check", wheel], cwd=base, env=os.environ.copy())
    shutil.copytree(ROOT / "tenants", base / "tenants")
    work = base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EPLANNING_", "FLASK_", "PYTHON")) and k != "VIRTUAL_ENV"}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               EPLANNING_DATABASE_URL="sqlite:///" + str(base / "eplanning.sqlite"),
               EPLANNING_TENANTS_DIR=str(base / "tenants"), EPLANNING_TENANT="medan",
               EPLANNING_INSTANCE_PATH=str(base / "instance"))
    return {"venv": venv, "python": python, "base": base, "work": work,
            "env": env, "db": base / "eplanning.sqlite"}


def _repo_files(folder: Path, pattern: str = "*") -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in folder.rglob(pattern)
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_wheel_carries_templates_static_translations_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = _repo_files(PACKAGE / "templates") | _repo_files(PACKAGE / "static")
    catalogues = _repo_files(PACKAGE / "translations", "*.po")
    assert "eplanning_core/translations/id/LC_MESSAGES/messages.po" in catalogues, catalogues
    wanted |= {po[:-3] + ".mo" for po in catalogues}  # compiled, as Flask-Babel reads them
    wanted |= {"eplanning_core/migrations/env.py", "eplanning_core/migrations/script.py.mako",
               "eplanning_core/migrations/alembic.ini"}
    versions = {"eplanning_core/migrations/versions/" + p.name
                for p in (ROOT / "migrations" / "versions").glob("[0-9]*.py")}
    assert any(re.search(r"/0001_\w+\.py$", v) for v in versions)
    wanted |= versions
    # Every module, so that a package left out of setup.cfg's explicit list is caught here.
    wanted |= _repo_files(PACKAGE, "*.py")
    wanted |= {"eplanning_core/" + f for f in _repo_files(ROOT / "migrations", "*.py")}
    missing = sorted(wanted - names)
    assert not missing, f"{wheel.name} lacks {len(missing)} file(s): {missing}"


@pytest.mark.slow
def test_console_script_lists_its_commands(site):
    result = run_ok(["eplanning", "--help"], cwd=site["work"], env=site["env"])
    commands = set(re.findall(r"^  (\S+)\s", result.stdout.split("Commands:", 1)[-1], re.M))
    assert {"db", "wilayah", "users", "demo"} <= commands, result.stdout + result.stderr
    location = run_ok([site["python"], "-c", "import eplanning_core; print(eplanning_core.__file__)"],
                      cwd=site["work"], env=site["env"]).stdout.strip()
    assert Path(location).is_relative_to(site["venv"]), f"imported from {location}, not the wheel"


def _expected_counts(folder: Path) -> tuple[int, int, int]:
    with (folder / "wilayah.csv").open(encoding="utf-8-sig") as handle:
        codes = [row["kode"] for row in csv.DictReader(handle) if row["kode"].startswith("12.71.")]
    with (folder / "units.csv").open(encoding="utf-8-sig") as handle:
        lowest = sum(1 for row in csv.DictReader(handle) if row["kode"])
    return sum(c.count(".") == 2 for c in codes), sum(c.count(".") == 3 for c in codes), lowest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_installed_wheel_migrates_imports_and_serves_the_login_page(site):
    env, work = site["env"], site["work"]
    upgraded = run_ok(["eplanning", "upgrade"], cwd=work, env=env).stdout
    # the one step that adds the region (wilayah import never does: tests/test_cli_outside_project.py)
    assert "Region medan (Kota Medan, 12.71) added to the database." in upgraded, upgraded
    with sqlite3.connect(site["db"]) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        revision = conn.execute("select version_num from alembic_version").fetchone()
    assert {"tenant", "wilayah", "user_account", "perangkat_daerah", "audit_entry"} <= tables, tables
    assert revision == (ScriptDirectory(str(ROOT / "migrations")).get_current_head(),)

    kecamatan, kelurahan, lingkungan = _expected_counts(site["base"] / "tenants" / "medan")
    assert (kecamatan, kelurahan) == (21, 151) and lingkungan > 1900
    first = run_ok(["eplanning", "wilayah", "import"], cwd=work, env=env).stdout
    assert f"Kecamatan: {kecamatan} new, 0 renamed, 0 unchanged" in first, first
    assert f"Kelurahan: {kelurahan} new, 0 renamed, 0 unchanged" in first, first
    assert f"Lingkungan: {lingkungan} new, 0 renamed, 0 unchanged" in first, first
    again = run_ok(["eplanning", "wilayah", "import"], cwd=work, env=env).stdout
    assert "Nothing changed." in again, again

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = (site["base"] / "server.log").open("w+")
    server = subprocess.Popen(["flask", "--app", "eplanning_core", "run", "--port", str(port)],
                              cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"server exited {server.returncode}:\n{site['base'].joinpath('server.log').read_text()}"
            try:
                status, page = _get(base_url + "/masuk")
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer within 30 s"
                time.sleep(0.2)
        assert status == 200, page
        assert re.search(r'<form method="post"', page)
        assert 'name="username"' in page and 'name="password"' in page and 'name="csrf_token"' in page
        assert "e-Perencanaan Kota Medan" in page
        assert ">Masuk<" in page, "login page not in Bahasa Indonesia: compiled catalogue not loaded"
        # Every stylesheet, script and image the page links must be served by the installed package.
        assets = set(re.findall(r'(?:href|src)="(/[^"]*\.(?:css|js)|/wilayah-aset/[^"]*)"', page))
        assert any(a.endswith("branding.css") for a in assets), assets
        broken = {a: code for a in sorted(assets) if (code := _get(base_url + a)[0]) != 200}
        assert not broken, f"linked files not served: {broken}"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()

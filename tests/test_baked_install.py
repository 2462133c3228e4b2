"""A baked project installs the released core the way a region's IT team would: from a
package index (here a province's own: a plain folder served by a web server on 127.0.0.1),
from a wheel file, and, when the core cannot be found, `make test` says where it looked and
which setting to change. One bake; each install in its own fresh virtual environment."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter
from support.core_dist import build_core

import eplanning_core

TEMPLATE = Path(__file__).resolve().parent.parent / "cookiecutter-region"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    return build_core(tmp_path_factory)


@pytest.fixture(scope="module")
def package_index(tmp_path_factory, dist):
    """A PEP 503 simple index as a province would serve it: simple/eplanning-core/ holding the
    release files, served by `python -m http.server` (any web server listing a folder will do)."""
    root = tmp_path_factory.mktemp("index")
    project = root / "simple" / "eplanning-core"
    project.mkdir(parents=True)
    for built in dist.values():
        shutil.copy2(built, project / built.name)
    (root / "simple" / "empty").mkdir()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(root)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/simple/"
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, "the index server exited"
        try:
            with urllib.request.urlopen(url + "eplanning-core/", timeout=2) as page:
                assert dist["wheel"].name in page.read().decode()
            break
        except OSError:
            assert time.monotonic() < deadline, "the index server did not answer within 30 s"
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    home = tmp_path_factory.mktemp("cookiecutter-home")
    (home / "config.yaml").write_text(f"replay_dir: {home / 'replay'}\ncookiecutters_dir: {home / 'clones'}\n")
    previous = os.environ.get("COOKIECUTTER_CONFIG")
    os.environ["COOKIECUTTER_CONFIG"] = str(home / "config.yaml")
    try:
        baked = cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path_factory.mktemp("srv")),
                             extra_context=dict(region_code="13.06", region_name="Kabupaten Agam",
                                                region_kind="kabupaten", levels="Kecamatan/Nagari/Jorong",
                                                stage_preset="tanpa-rembuk-warga", tenant_slug="agam"))
    finally:
        if previous is None:
            os.environ.pop("COOKIECUTTER_CONFIG", None)
        else:
            os.environ["COOKIECUTTER_CONFIG"] = previous
    return Path(baked)


def _make(project: Path, venv: Path, *args: str) -> subprocess.CompletedProcess:
    """`make ARGS` in the baked project with a fresh venv (no pip of its own: this Python's
    pip installs into it, from the same caches, which keeps the test quick)."""
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = f"{sys.executable} -m pip --python {venv / 'bin' / 'python'} --disable-pip-version-check"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EPLANNING_", "FLASK_", "PYTHON", "PYTEST", "COOKIECUTTER"))
           and k != "VIRTUAL_ENV"}
    return subprocess.run(["make", *args, f"VENV={venv}", f"PIP={pip}", "PYTEST_ARGS=-p no:cacheprovider -q"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)


def _installed_core(venv: Path) -> str:
    return subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import eplanning_core, sys; print(eplanning_core.__version__, eplanning_core.__file__)"],
                          cwd=venv, capture_output=True, text=True, check=True).stdout.strip()


def test_make_test_installs_the_core_from_a_private_package_index(project, package_index, tmp_path):
    venv = tmp_path / "venv"
    result = _make(project, venv, "test", f"EPLANNING_CORE_SOURCE={package_index}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"eplanning-core: indeks paket / the package index {package_index}" in output
    assert " passed" in result.stdout and " failed" not in result.stdout, output
    version, where = _installed_core(venv).split(" ", 1)
    assert version == eplanning_core.__version__ and Path(where).is_relative_to(venv)


def test_make_test_installs_the_core_from_a_wheel_file(project, dist, tmp_path):
    venv = tmp_path / "venv"
    result = _make(project, venv, "test", f"EPLANNING_CORE_SOURCE={dist['wheel']}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"eplanning-core: berkas wheel / the wheel file {dist['wheel']}" in output
    assert " passed" in result.stdout and " failed" not in result.stdout, output
    assert _installed_core(venv).startswith(eplanning_core.__version__ + " ")


def test_make_test_says_where_it_looked_and_what_to_set_when_the_core_is_missing(project, package_index,
                                                                                 tmp_path):
    empty = package_index + "empty/"
    result = _make(project, tmp_path / "venv", "test", f"EPLANNING_CORE_SOURCE={empty}")
    assert result.returncode != 0
    assert (f"The core eplanning-core>={eplanning_core.__version__},<1 could not be installed from "
            f"indeks paket / the package index {empty}.") in result.stderr, result.stderr
    assert "EPLANNING_CORE_SOURCE=https://" in result.stderr and "eplanning.env" in result.stderr
    assert "make install EPLANNING_CORE_SOURCE=" in result.stderr

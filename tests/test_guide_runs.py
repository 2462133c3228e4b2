"""Both replication guides are run as a region's IT team would run them: every ``sh`` block, in
order, in one bash session, on a fresh bake of regions that are not in tenants/ (Kota
Bukittinggi, then Kabupaten Kepulauan Mentawai beside it), with the core installed from the
wheel this session built, tried on SQLite and then live on PostgreSQL in the two-role setup of
`eplanning postgres setup`, behind gunicorn workers sharing Redis. A block that no longer works
fails here, with its line, instead of on a region's server. See tests/support/guide_runner.py for how
the blocks are marked."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from support.core_dist import build_core
from support.guide_runner import script
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
GUIDES = {"id": ROOT / "docs" / "replication-guide.md", "en": ROOT / "docs" / "replication-guide.en.md"}
WILAYAH = ROOT / "tests" / "data" / "guide-wilayah.csv"  # an extract of the national Kemendagri list
PG_ADMIN = os.environ.get("EPLANNING_GUIDE_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("EPLANNING_GUIDE_REDIS_URL", "redis://127.0.0.1:6379/0")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_engine():
    return create_engine(make_url(PG_ADMIN).set(drivername="postgresql+psycopg"), poolclass=NullPool,
                         isolation_level="AUTOCOMMIT")


def _drop(database: str) -> None:
    """The database and the two roles `eplanning postgres setup` made for it."""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            for role in (f"{database}_owner", f"{database}_app"):
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this tree, built once per session; EPLANNING_GUIDE_WHEEL runs the guides on
    another one instead (a release being checked)."""
    given = os.environ.get("EPLANNING_GUIDE_WHEEL")
    return Path(given) if given else build_core(tmp_path_factory)["wheel"]


@pytest.fixture(scope="module")
def postgres_available():
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001: any driver error means no server
        pytest.fail(f"the guide's golden path needs PostgreSQL at {PG_ADMIN}: {exc}")
    finally:
        engine.dispose()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_shell_block_of_the_guide_runs(lang, wheel, postgres_available, tmp_path):
    database = f"guide_{lang}_{uuid.uuid4().hex[:8]}"
    work = tmp_path / "work"
    work.mkdir()
    home = tmp_path / "cookiecutter"
    home.mkdir()
    (home / "config.yaml").write_text(f"replay_dir: {home / 'replay'}\ncookiecutters_dir: {home / 'clones'}\n")
    values = {"WORK": str(work), "CORE_WHEEL": str(wheel), "WILAYAH_CSV": str(WILAYAH),
              "PG_ADMIN_URL": PG_ADMIN, "PG_DATABASE": database, "REDIS_URL": REDIS,
              "PORT": str(_free_port()), "ADMIN_PASSWORD": "Rahasia-" + uuid.uuid4().hex[:12]}
    runner = tmp_path / "guide.sh"
    runner.write_text(script(GUIDES[lang].read_text(encoding="utf-8"), values, work))
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") or k.startswith("PIP_")}
    path = os.pathsep.join(p for p in keep.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                           if ".venv" not in p)  # not the core's development environment
    env = {**keep, "PATH": path, "COOKIECUTTER_CONFIG": str(home / "config.yaml"), "CI": "true"}
    try:
        result = subprocess.run(["bash", str(runner)], cwd=work, env=env, capture_output=True,
                                text=True, timeout=1500, stdin=subprocess.DEVNULL)
    finally:
        _drop(database)
    (tmp_path / "guide.log").write_text(result.stdout + "\n--- stderr ---\n" + result.stderr)
    # pip's notes about the extra index folders of this machine bury the error: leave them out.
    stderr = "\n".join(line for line in result.stderr.splitlines()
                       if not line.startswith("WARNING: Location"))
    assert result.returncode == 0 and "GUIDE COMPLETED" in result.stderr, (
        f"{GUIDES[lang].name} did not run through (whole log: {tmp_path / 'guide.log'}):\n"
        f"{result.stdout[-3000:]}\n--- stderr ---\n{stderr[-4000:]}")

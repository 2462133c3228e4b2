"""The replication guide's server sections are rehearsed as root: every ```` ```sh server ````
block of docs/replication-guide.en.md (the system user, the core from the release file, the
settings file, the wrapper, `eplanning upgrade`, the systemd unit, nginx with TLS, the health
checks, logs, upgrade, rollback, backups, the restore drill, the cron lines), in order, on a
project baked for Kota Bukittinggi as section 1.3 does, inside private copies of the server's
folders (tests/support/server_rehearsal.py says how, and what stands in for systemd).

The Indonesian guide's server blocks are the same commands (tests/test_replication_guide.py
checks it), so one rehearsal covers both. Needs root, `unshare` with overlayfs, and Debian's
sudo, nginx, openssl, sqlite3 and systemd-analyze (.ci/run installs them): required under
CI=true, skipped with the reason elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from support.core_dist import build_core
from support.env import IN_CI
from support.server_rehearsal import SERVICE_PORT, STAND_INS, SUBSTITUTIONS, script, steps

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "replication-guide.en.md"
WILAYAH = ROOT / "tests" / "data" / "guide-wilayah.csv"
PG_ADMIN = os.environ.get("EPLANNING_GUIDE_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
#: Made by the guide's blocks on the machine's PostgreSQL, dropped after the rehearsal.
DATABASES = ("eplanning_bukittinggi", "eplanning_drill")
ROLES = ("eplanning_bukittinggi_owner", "eplanning_bukittinggi_app")
TOOLS = ("unshare", "sudo", "runuser", "nginx", "openssl", "sqlite3", "systemd-analyze", "git", "curl")
pytestmark = pytest.mark.slow


def _missing() -> list[str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (the server's blocks run as root)")
    for port in (80, 443, SERVICE_PORT):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                missing.append(f"a free port {port} (something listens on it)")
    return missing


@pytest.fixture(scope="module")
def server_machine():
    missing = _missing()
    if missing:
        message = "the guide's server rehearsal needs " + ", ".join(missing) + " (.ci/run installs them)"
        if IN_CI:
            pytest.fail(message + " (CI=true: required)", pytrace=False)
        pytest.skip(message)


def _admin():
    return create_engine(PG_ADMIN, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _drop_what_the_guide_made() -> None:
    engine = _admin()
    try:
        with engine.connect() as conn:
            for database in DATABASES:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            for role in ROLES:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        engine.dispose()


@pytest.fixture
def clean_postgres():
    engine = _admin()
    try:
        with engine.connect() as conn:
            taken = conn.execute(text("select datname from pg_database where datname = any(:names)"),
                                 {"names": list(DATABASES)}).scalars().all()
    finally:
        engine.dispose()
    if taken:
        pytest.fail(f"the databases {taken} exist on {PG_ADMIN}: the rehearsal would drop them; "
                    "move them away first", pytrace=False)
    yield
    _drop_what_the_guide_made()


def _baked_project(folder: Path) -> Path:
    """Section 1.3's bake, committed to git as the team keeps it."""
    eplanning = Path(sys.executable).with_name("eplanning")
    subprocess.run([str(eplanning), "new-region", "--no-input", "--region-code", "13.75",
                    "--levels", "Kecamatan/Kelurahan/RW", "--wilayah-csv", str(WILAYAH),
                    "-o", str(folder)], check=True, capture_output=True, text=True, timeout=300)
    project = folder / "eplanning-bukittinggi"
    git = ["git", "-C", str(project), "-c", "user.name=Diskominfo", "-c", "user.email=it@example.org"]
    subprocess.run(git + ["init", "--quiet"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "--quiet", "-m", "Baked"], check=True)
    return project


def test_every_server_block_is_rehearsed_or_named_with_its_reason():
    """Nothing of a server block is left out silently: each is a file or a run, and every
    replaced literal is still in the guide (a stale substitution would hide a change)."""
    markdown = GUIDE.read_text(encoding="utf-8")
    found = steps(markdown)
    assert sum(s.kind == "run" for s in found) >= 12 and sum(s.kind == "file" for s in found) >= 5
    for item in SUBSTITUTIONS:
        assert item.literal in markdown, f"the guide no longer has {item.literal!r}: update the rehearsal"
    for command in STAND_INS:
        assert any(command in s.text for s in found), f"no server block uses {command} any more"


def test_the_server_sections_of_the_guide_run_as_root(server_machine, clean_postgres, tmp_path,
                                                     tmp_path_factory):
    given = os.environ.get("EPLANNING_GUIDE_WHEEL")  # a release being checked, as test_guide_runs
    wheel = Path(given) if given else build_core(tmp_path_factory)["wheel"]
    project = _baked_project(tmp_path / "team")
    work = tmp_path / "rehearsal"
    work.mkdir()
    runner = work / "rehearsal.sh"
    runner.write_text(script(GUIDE.read_text(encoding="utf-8"), wheel=wheel, project_repo=project, work=work))
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
           "LANG": "C.UTF-8", "TERM": "dumb"}
    env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})
    result = subprocess.run(["unshare", "--mount", "--pid", "--fork", "--mount-proc", "bash", str(runner)],
                            cwd="/root" if Path("/root").is_dir() else "/", env=env, capture_output=True,
                            text=True, timeout=1500, stdin=subprocess.DEVNULL)
    (tmp_path / "rehearsal.log").write_text(result.stdout + "\n--- stderr ---\n" + result.stderr)
    stderr = "\n".join(line for line in result.stderr.splitlines()
                       if not line.startswith("WARNING: Location"))
    assert result.returncode == 0 and "REHEARSAL COMPLETED" in result.stderr, (
        f"{GUIDE.name}'s server blocks did not run through (log: {tmp_path / 'rehearsal.log'}):\n"
        f"{result.stdout[-3000:]}\n--- stderr ---\n{stderr[-5000:]}")
    # What the reader is told to expect: the health check through nginx and TLS, and the schema.
    assert '"status": "ok"' in result.stdout or '"status":"ok"' in result.stdout
    assert "(head)" in result.stdout

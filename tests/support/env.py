"""Where the suite's files and servers are, and the switches CI and developers set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TENANTS_DIR = ROOT / "tenants"
DATA = ROOT / "tests" / "data"
#: The PostgreSQL server the suite creates its databases on (one per run and xdist worker).
PG_SERVER = os.environ.get("EPLANNING_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgresql")
#: The `app` fixture on PostgreSQL connects as a non-owner role, as a live instance does;
#: EPLANNING_TEST_APP_ROLE=0 connects as the owner instead.
APP_ROLE = os.environ.get("EPLANNING_TEST_APP_ROLE", "1").lower() not in ("0", "false", "no", "")
PASSWORD = "kata-sandi-uji-123"


def probe_postgres() -> str | None:
    """None when PG_SERVER answers, else why not."""
    from eplanning_core.testing.databases import probe

    return probe(PG_SERVER)


def require_reference(path: Path) -> Path:
    """A file of ../shared/data: required under CI=true (fails), skipped visibly elsewhere."""
    if Path(path).is_file():
        return Path(path)
    message = f"reference data {path} is not on this machine"
    if IN_CI:
        pytest.fail(message + " (CI=true: these tests are required)", pytrace=False)
    pytest.skip(message + " - tests that read it are skipped")

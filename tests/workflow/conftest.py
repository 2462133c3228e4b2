"""Fixtures of the workflow engine tests (plain Python: no database, no Flask app)."""

from __future__ import annotations

import pytest

from eplanning_core.workflow import default_cycle
from workflow_region import ACTORS


@pytest.fixture(scope="session")
def cycle():
    """The default RKPD 2027 cycle (planned in 2026) in Asia/Jakarta (WIB)."""
    return default_cycle(2027)


@pytest.fixture(scope="session")
def actors():
    return ACTORS

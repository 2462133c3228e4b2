"""Fixtures several test modules share beyond conftest's basics (loaded by tests/conftest.py as
a plugin, so test modules need not import fixtures from one another)."""

from __future__ import annotations

from .budget import rkpd  # noqa: F401  (a set RKPD 2027 at the budgeting stage)
from .deployment import deployment  # noqa: F401  (Medan and Agam on their host names)

"""The Command Center's query results, kept per application until the region's data changes.

Keyed by the region's history head (audit/head.py: every change of state moves it) and the
cycle's own version (windows, extensions and ceilings bump it). One primary-key read of the
head replaces the page's grouped queries over the whole cycle between two changes.
Arithmetic against the clock (late units, closing windows) is redone on every request.
"""

from __future__ import annotations

from ..audit.head import head_of
from ..caching import Kept

#: Results kept per application: a few cycles of a few regions.
MAX_KEPT = 32
KEPT = Kept("eplanning.commandcenter", max_entries=MAX_KEPT)


def reads(siklus, compute, head: tuple[int, str] | None = None):
    """``compute()``'s result for this cycle at the region's current history head (``head``:
    already read in this request)."""
    key = (siklus.tenant_id, siklus.id, siklus.version, *(head or head_of(siklus.tenant_id)))
    result = KEPT.get(key)
    if result is None:
        result = compute()
        KEPT.put(key, result)
    return result

"""The Command Center's query results, kept per application until the region's data changes.

Every change of state writes its history entry in the same transaction, and every history
entry moves the region's chain head (audit_chain_head: seq and hash). So the head names a
version of the region's data: results read under one head stay right until the head
moves, on any worker, whoever made the change. One primary-key read of the head replaces
the page's grouped queries over the whole cycle between two changes. The cycle's own
version is in the key too (windows, extensions and ceilings bump it), and the hash (not
only the seq) so that a restored older database never meets results of a newer one.
Arithmetic against the clock (late units, closing windows) is redone on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app
from sqlalchemy import select

from ..audit.chain import GENESIS
from ..audit.models import AuditChainHead
from ..extensions import db

#: Results kept per application: a few cycles of a few regions.
MAX_KEPT = 32
_LOCK = Lock()


def head_of(tenant_id: int) -> tuple[int, str]:
    """The region's chain head now (seq 0 before its first history entry)."""
    row = db.session.execute(select(AuditChainHead.seq, AuditChainHead.entry_hash)
                             .where(AuditChainHead.tenant_id == tenant_id)).first()
    return (row[0], row[1]) if row is not None else (0, GENESIS)


def reads(siklus, compute):
    """``compute()``'s result for this cycle at the region's current history head."""
    key = (siklus.tenant_id, siklus.id, siklus.version, *head_of(siklus.tenant_id))
    kept: OrderedDict = current_app.extensions.setdefault("eplanning.commandcenter", OrderedDict())
    with _LOCK:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    result = compute()
    with _LOCK:
        kept[key] = result
        while len(kept) > MAX_KEPT:
            kept.popitem(last=False)
    return result

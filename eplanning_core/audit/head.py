"""The region's history head as a version of its data: results computed under it stay right.

Every change of state writes its history entry in the same transaction, and every history
entry moves the region's chain head (audit_chain_head: seq and hash). So the head names a
version of the region's data: anything computed from that data under one head stays right
until the head moves, on any worker, whoever made the change. The hash (not only the seq)
is part of the version so that a restored older database never meets results of a newer one.
The stores that keep such results are :class:`eplanning_core.caching.Kept`.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .chain import GENESIS
from .models import AuditChainHead


def head_of(tenant_id: int) -> tuple[int, str]:
    """The region's chain head now (seq 0 before its first history entry): one primary-key read."""
    row = db.session.execute(select(AuditChainHead.seq, AuditChainHead.entry_hash)
                             .where(AuditChainHead.tenant_id == tenant_id)).first()
    return (row[0], row[1]) if row is not None else (0, GENESIS)

"""Walking a region's stored chain: streamed rows, one snapshot, the first break named."""

from __future__ import annotations

from sqlalchemy import select, text

from ..extensions import db
from . import chain
from .models import AuditChainHead, AuditCheckpoint, AuditEntry

YIELD_PER = 5000


def verify_tenant(tenant_id: int, checkpoints: dict[int, tuple[str, str]] | None = None) -> chain.Walk:
    """Check a region's whole chain, its recorded head, its stored checkpoints and ``checkpoints``.

    ``checkpoints`` (a saved copy of the published ones) override stored ones of the same seq.
    Rows are streamed as plain tuples inside one snapshot (REPEATABLE READ on PostgreSQL).
    """
    entry = AuditEntry.__table__
    columns = [entry.c.id, *(entry.c[name] for name in chain.FIELDS), entry.c.entry_hash]
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "postgresql":  # row level security (tenancy/rls.py): this region
                conn.execute(text("select set_config('eplanning.tenant_id', :t, true)"), {"t": str(tenant_id)})
            head = conn.execute(select(AuditChainHead.seq, AuditChainHead.entry_hash)
                                .where(AuditChainHead.tenant_id == tenant_id)).first()
            known = {seq: (digest, f"checkpoint of {chain.canonical_time(taken)} (stored)")
                     for taken, seq, digest in conn.execute(
                select(AuditCheckpoint.created_at, AuditCheckpoint.seq, AuditCheckpoint.entry_hash)
                .where(AuditCheckpoint.tenant_id == tenant_id))}
            known.update(checkpoints or {})
            result = conn.execution_options(yield_per=YIELD_PER).execute(
                select(*columns).where(entry.c.tenant_id == tenant_id).order_by(entry.c.seq, entry.c.id))
            return chain.first_break((row._mapping for row in result), checkpoints=known,
                                     recorded_head=tuple(head) if head is not None else None)

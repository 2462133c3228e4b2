"""AuditEntry: one append-only row per change of state, chained per region (see chain.py).

AuditChainHead: the last (seq, hash) of each region's chain; its row is locked while a
transaction appends, so that appends of one region happen one after the other.
AuditCheckpoint: a published head, rolled forward whenever the head moved (checkpoints.py),
which anyone can keep to detect a rewrite or a history cut short.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (Index(None, "tenant_id", "object_type", "object_id"),
                      Index(None, "tenant_id", "created_at"),
                      UniqueConstraint("tenant_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Name of the actor at the time, kept even if the account is renamed later.
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    #: Changed fields as {"field": [old, new]}; never passwords or password hashes.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Place in the region's chain: 1, 2, 3 ... without gaps.
    seq: Mapped[int] = mapped_column(BigInteger)
    #: entry_hash of the entry seq - 1 (64 zeros for the first).
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the canonical content, prev_hash and seq included.
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(db.Model):
    __tablename__ = "audit_chain_head"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):
    __tablename__ = "audit_checkpoint"
    __table_args__ = (Index(None, "tenant_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    #: The UTC day it was taken on (several a day: one each time the head moved).
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

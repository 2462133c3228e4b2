"""Recording history entries; callers commit them together with the change.

:func:`record` (one entry) and :func:`record_rows` (many, for bulk paths) are the only
writers of ``audit_entry``. They queue the entries in the session; the entries are chained
(chain.py) and written at the flush that would write them, or at commit, whichever comes
first. Only then is the region's chain head locked (``SELECT ... FOR UPDATE`` on
``audit_chain_head``): appends of one region happen one after the other, the lock is held
only for the end of the transaction, and it is taken after the rows the change itself locks.
The head is kept in ``session.info`` for the rest of the transaction and forgotten at its end.
The session listeners doing this are bound by :func:`init_app` (create_app calls it).
"""

from __future__ import annotations

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from ..bulkwrite import insert_rows
from ..extensions import db
from ..timeutil import utcnow
from . import chain
from .models import AuditChainHead, AuditEntry

SECRET_FIELDS = {"password", "password_hash"}
PENDING = "eplanning.audit.pending"   # session.info: entries (AuditEntry or row dict), in call order
HAS_OBJECTS = "eplanning.audit.objects"  # session.info: an AuditEntry object is among them
HEADS = "eplanning.audit.heads"       # session.info: {tenant_id: (seq, hash)}, locked until the end
_ROW_KEYS = ("actor_id", "actor_name", "action", "object_type", "object_id", "reason", "changes")


def _plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def diff(obj, fields: list[str], new_values: dict) -> dict:
    """{field: [old, new]} for the fields whose value would change."""
    out = {}
    for name in fields:
        if name in new_values and getattr(obj, name) != new_values[name]:
            out[name] = [_plain(getattr(obj, name)), _plain(new_values[name])]
    return out


def record(*, tenant_id: int, actor, action: str, obj=None, object_type: str | None = None,
           changes: dict | None = None, reason: str | None = None) -> AuditEntry:
    """Add a history entry to the session (not committed: it rides with the change)."""
    changes = {k: v for k, v in (changes or {}).items() if k not in SECRET_FIELDS}
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # the entry must name the new row's id
    entry = AuditEntry(
        tenant_id=tenant_id,
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "nama", None) or "system",
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=getattr(obj, "id", None),
        reason=reason,
        changes=changes,
    )
    session = db.session()
    session.add(entry)
    session.info.setdefault(PENDING, []).append(entry)
    session.info[HAS_OBJECTS] = True
    return entry


def history_row(actor, action: str, object_type: str, object_id: int | None, *,
                changes: dict | None = None, reason: str | None = None, at=None) -> dict:
    """One entry for :func:`record_rows`, as :func:`record` would make it."""
    return {"created_at": at or utcnow(), "actor_id": getattr(actor, "id", None),
            "actor_name": getattr(actor, "nama", None) or "system", "action": action,
            "object_type": object_type, "object_id": object_id, "reason": reason,
            "changes": {k: v for k, v in (changes or {}).items() if k not in SECRET_FIELDS}}


def record_rows(tenant_id: int, rows: list[dict]) -> int:
    """Many history entries of one region at once (bulk paths), not committed.

    ``rows``: dicts with created_at, actor_id, actor_name, action, object_type, object_id,
    reason and changes (see :func:`history_row`). They are chained and inserted with Core
    (no ORM object per row) at the next flush of a history entry or at commit.
    """
    session = db.session()
    pending = session.info.setdefault(PENDING, [])
    for row in rows:
        row["tenant_id"] = tenant_id
        pending.append(row)
    return len(rows)


# ---- chaining at flush / commit --------------------------------------------------------------

def _lock_head(session: Session, tenant_id: int) -> tuple[int, str]:
    """The region's chain head, its row locked until the transaction ends (created if new)."""
    table = AuditChainHead.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    # On SQLite this write also takes the database's write lock before the head is read.
    session.execute(upsert(table).values(tenant_id=tenant_id, seq=0, entry_hash=chain.GENESIS)
                    .on_conflict_do_nothing(index_elements=["tenant_id"]))
    seq, last = session.execute(select(table.c.seq, table.c.entry_hash)
                                .where(table.c.tenant_id == tenant_id).with_for_update()).one()
    if seq == 0:  # a new head row: entries written before it existed (if any) come first
        entries = AuditEntry.__table__
        found = session.execute(select(entries.c.seq, entries.c.entry_hash)
                                .where(entries.c.tenant_id == tenant_id)
                                .order_by(entries.c.seq.desc()).limit(1)).first()
        if found is not None:
            seq, last = found
    return seq, last


def _row_of(entry: AuditEntry) -> dict:
    return {"tenant_id": entry.tenant_id, "created_at": entry.created_at or utcnow(),
            **{key: getattr(entry, key) for key in _ROW_KEYS}}


def _drain(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    session.info.pop(HAS_OBJECTS, None)
    if pending:
        with session.no_autoflush:  # the queued objects get their place before they are written
            _write(session, pending)


def _write(session: Session, pending: list) -> None:
    by_tenant: dict[int, list] = {}
    for item in pending:
        tenant_id = item["tenant_id"] if isinstance(item, dict) else item.tenant_id
        by_tenant.setdefault(tenant_id, []).append(item)
    heads = session.info.setdefault(HEADS, {})
    table = AuditEntry.__table__
    for tenant_id in sorted(by_tenant):  # one order of locks: no deadlock between regions
        items = by_tenant[tenant_id]
        head = heads.get(tenant_id) or _lock_head(session, tenant_id)
        rows = [item if isinstance(item, dict) else _row_of(item) for item in items]
        heads[tenant_id] = chain.link(rows, head)
        plain_rows = []
        for item, row in zip(items, rows):
            if isinstance(item, dict):
                plain_rows.append(row)
            else:
                item.created_at, item.changes = row["created_at"], row["changes"]
                item.seq, item.prev_hash, item.entry_hash = row["seq"], row["prev_hash"], row["entry_hash"]
        insert_rows(table, plain_rows, session)
        head_table = AuditChainHead.__table__
        session.execute(update(head_table).where(head_table.c.tenant_id == tenant_id)
                        .values(seq=heads[tenant_id][0], entry_hash=heads[tenant_id][1]))


def init_app(app) -> None:
    """Chain the queued entries at the flush or commit that writes them; forget them after."""
    for name, listener in (("before_flush", _before_flush), ("before_commit", _before_commit),
                           ("after_transaction_end", _forget)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _before_flush(session, _context, _instances):
    if session.info.get(HAS_OBJECTS):
        _drain(session)


def _before_commit(session):
    if session.info.get(PENDING):
        _drain(session)


def _forget(session, transaction):
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(HAS_OBJECTS, None)
        session.info.pop(HEADS, None)

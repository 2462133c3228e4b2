"""What the database holds and runs: every row of every table (to show nothing changed),
and the SQL statements of a block (query budgets)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from eplanning_core.extensions import db


@contextmanager
def count_queries():
    """Every SQL statement the engine runs inside the block."""
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


#: Bookkeeping a request writes whatever its outcome (sessions seen, logins counted).
VOLATILE_COLUMNS = {"last_seen_at", "last_used_at", "last_login_at", "updated_at"}


def snapshot() -> dict:
    """Every row of every table (small test data), without the bookkeeping columns."""
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            out[table.name] = ([c.name for c in columns], [tuple(r) for r in rows])
    return out


def _only_security_events(before, after) -> bool:
    """New audit rows that are all security events (object_type "auth": a refused password,
    a 403), which a refused request records by design (accounts/events.py)."""
    columns, old_rows = before
    new_rows = after[1]
    if new_rows[:len(old_rows)] != old_rows:
        return False
    kind = columns.index("object_type")
    return all(row[kind] == "auth" for row in new_rows[len(old_rows):])


def changed_tables(before: dict, after: dict) -> list[str]:
    """The tables whose rows changed, but for security events and the audit chain's head
    that follows them."""
    changed = [name for name in before if before[name] != after[name]]
    if "audit_entry" in changed and _only_security_events(before["audit_entry"], after["audit_entry"]):
        changed = [name for name in changed if name not in ("audit_entry", "audit_chain_head")]
    return changed

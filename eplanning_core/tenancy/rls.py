"""Row level security on PostgreSQL: the database keeps each region's rows apart as well.

The application scopes every query to the current tenant (:mod:`.context`). On PostgreSQL,
migration 0006 adds a policy to every table holding region data: a row is visible and
writable only when its ``tenant_id`` equals the transaction's ``eplanning.tenant_id``
setting; unset, no row at all. A query that forgot its tenant filter then still finds
nothing of another region.

The setting is made here, at the start of every session transaction, with
``set_config(..., true)``: transaction-local, so a pooled server connection (PgBouncer in
transaction mode) never carries one request's region into another's. Changing region in the
middle of a transaction (:func:`.context.use_tenant`) sets it again.

Backups: FORCE applies the policy to the tables' owner as well, and ``pg_dump`` as the owner
would see no row. Migration 0009 adds :data:`BACKUP_POLICY` to every such table: read only,
for the table's owner only, and only in a session whose ``eplanning.backup`` setting is
``on`` (what ``eplanning backup`` gives ``pg_dump --enable-row-security``). The application
role owns nothing, so that policy never applies to it.
"""

from __future__ import annotations

from flask import current_app, g, has_app_context
from sqlalchemy import event, text

#: The PostgreSQL setting holding the tenant id of the current transaction.
SETTING = "eplanning.tenant_id"
#: The policy's expression; the same text as in migration 0006.
TENANT_MATCHES = f"tenant_id = nullif(current_setting('{SETTING}', true), '')::int"

#: The policy letting the tables' owner read every region's rows, for backups only.
BACKUP_POLICY = "owner_backup"
#: The session setting that opens :data:`BACKUP_POLICY` (set by backup/core.py for pg_dump).
BACKUP_SETTING = "eplanning.backup"

_BY_ID = text(f"select set_config('{SETTING}', :value, true)")
# The tenant row may not be cached yet: look it up by slug in the same round trip (the
# tenant table has no policy; it holds the public names of the regions only).
_BY_SLUG = text(f"select set_config('{SETTING}', coalesce("
                "(select cast(id as varchar) from tenant where slug = :slug), ''), true)")


def backup_policy_sql(preparer, table: str, owner: str) -> list[str]:
    """The statements giving ``table`` its :data:`BACKUP_POLICY` for ``owner`` (migrations)."""
    quoted = preparer.quote(table)
    return [f"DROP POLICY IF EXISTS {BACKUP_POLICY} ON {quoted}",
            f"CREATE POLICY {BACKUP_POLICY} ON {quoted} AS PERMISSIVE FOR SELECT TO {preparer.quote(owner)} "
            f"USING (current_setting('{BACKUP_SETTING}', true) = 'on')"]


def init_app(app) -> None:
    """Set the tenant at the start of every transaction of the application's session."""
    from ..extensions import db

    if not event.contains(db.session, "after_begin", _after_begin):
        event.listen(db.session, "after_begin", _after_begin)


def _after_begin(session, transaction, connection) -> None:
    if connection.dialect.name == "postgresql":
        apply_tenant(connection)


def apply_tenant(connection) -> None:
    """Set ``eplanning.tenant_id`` for the transaction open on ``connection``."""
    slug = _current_slug()
    if slug is None:
        connection.execute(_BY_ID, {"value": ""})
        return
    if g.get("tenant_id_slug") == slug and g.get("tenant_id") is not None:
        known = g.tenant_id
    else:  # the ids context.current_tenant_id() keeps per application
        known = current_app.extensions.get("eplanning.tenant_ids", {}).get(slug)
    if known is not None:
        connection.execute(_BY_ID, {"value": str(int(known))})
    else:
        connection.execute(_BY_SLUG, {"slug": slug})


def refresh_session_tenant() -> None:
    """After the region changed: set it again on the session's open transaction, if any."""
    from ..extensions import db

    session = db.session()
    transaction = session.get_transaction()
    if transaction is not None and transaction.is_active:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            apply_tenant(connection)


def _current_slug() -> str | None:
    """The region of this request or command; None outside an application (no rows)."""
    if not has_app_context() or "eplanning.tenants" not in current_app.extensions:
        return None
    from .context import tenant_config

    return tenant_config().slug

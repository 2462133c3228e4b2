"""Recording history entries; callers commit them together with the change."""

from __future__ import annotations

from ..extensions import db
from .models import AuditEntry

SECRET_FIELDS = {"password", "password_hash"}


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
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "nama", None) or "system",
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=getattr(obj, "id", None),
        reason=reason,
        changes=changes,
    )
    db.session.add(entry)
    return entry

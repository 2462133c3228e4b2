"""No lost updates: two people editing the same record, and what the second one is told.

Every editable record (proposal, meeting, catalogue item, account, agency, stage window)
carries a ``version``; an edit form sends back the version it was opened with. Comparing it
in Python is not enough: two requests can both read version 3 and both write version 4.
:func:`compare_and_set` is the one version check of the application, in the database:
``UPDATE ... SET version = version + 1 WHERE id = ? AND version = ?`` inside the edit's
transaction, with the row count telling whether the version was still there (PostgreSQL
makes the second of two concurrent writers wait for the first's row lock, then finds the
version gone; SQLite has one writer at a time). The proposal's state writer
(:mod:`eplanning_core.usulan.transitions`) uses it for one proposal or 20,000;
:func:`claim_version` is it for one ORM object whose other fields the edit then sets.

The refused person must see what the other person saved, not only "someone changed it":
:func:`describe_conflict` reads the history entries written since their version and says
who changed which field to what, in the user's language.
"""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import Table, select
from sqlalchemy.orm.attributes import set_committed_value

from .bulkwrite import update_rows
from .extensions import db

#: At most this many fields are named in a conflict message; the rest are counted.
MAX_FIELDS = 8
_MAX_VALUE = 60


def compare_and_set(table: Table, rows: list[dict]) -> int:
    """For each row (``{"id", "version", column: value, ...}``, all with the same keys) set its
    columns and move the version on, where the stored version is still ``version``; not
    committed. Returns the rows updated: fewer than given means some version had moved."""
    return update_rows(table, ("id", "version"), rows, also={"version": table.c.version + 1})


def claim_version(obj, expected) -> bool:
    """Move ``obj``'s version from ``expected`` to ``expected + 1`` in the database, or say no.

    Runs in the caller's transaction (it commits or rolls back with the edit). False when
    ``expected`` is not a number or another transaction changed the row first.
    """
    try:
        expected = int(str(expected))
    except (TypeError, ValueError):
        return False
    if compare_and_set(type(obj).__table__, [{"id": obj.id, "version": expected}]) != 1:
        return False
    set_committed_value(obj, "version", expected + 1)
    return True


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = " ".join(str(value).split())
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE - 1] + "…"


def describe_conflict(obj, expected_version, labels: dict | None = None) -> str | None:
    """Who changed ``obj`` since ``expected_version`` and the values they saved, as one sentence.

    ``labels`` maps field names to what the form calls them. None when the history holds
    nothing newer (e.g. a form posted without its version).
    """
    from .audit.models import AuditEntry

    try:
        missed = int(obj.version) - int(str(expected_version))
    except (TypeError, ValueError):
        missed = 1
    missed = max(1, min(missed, 20))
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == obj.__tablename__,
                                 AuditEntry.object_id == obj.id)
        .order_by(AuditEntry.id.desc()).limit(missed)).all()
    if not entries:
        return None
    labels = labels or {}
    newest: dict[str, object] = {}
    for entry in entries:                       # newest first: the first value seen is current
        for field, change in (entry.changes or {}).items():
            if field not in newest and isinstance(change, (list, tuple)) and len(change) == 2:
                newest[field] = change[1]
    names = sorted({e.actor_name for e in entries})
    parts = [f"{labels.get(field, field)}: {_shown(value)}" for field, value in newest.items()]
    if len(parts) > MAX_FIELDS:
        parts = parts[:MAX_FIELDS] + [_("and %(n)s more", n=len(parts) - MAX_FIELDS)]
    when = format_datetime(entries[0].created_at, "short")
    if not parts:
        return _("Changed meanwhile by %(who)s (%(when)s).", who=", ".join(names), when=when)
    return _("Changed meanwhile by %(who)s (%(when)s); their values, shown in the form now: %(values)s.",
             who=", ".join(names), when=when, values="; ".join(parts))


def form_labels(form) -> dict:
    """Field name -> label text of a WTForms form, for :func:`describe_conflict`."""
    return {field.name: str(field.label.text) for field in form if getattr(field, "label", None)}


def flash_conflict(obj, seen_version, form=None) -> None:
    """After a stale refusal: flash who changed ``obj`` meanwhile and what they saved."""
    from flask import flash

    db.session.expire(obj)              # the refused transaction may have left stale attributes
    message = describe_conflict(obj, seen_version, form_labels(form) if form is not None else None)
    if message:
        flash(message, "warning")

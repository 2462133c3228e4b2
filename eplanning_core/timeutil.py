"""Time helpers: store UTC, show the region's local time (WIB, WITA or WIT)."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC now: the same on SQLite and PostgreSQL columns without time zone.

    It follows the app's clock (``app.extensions["eplanning.clock"]``) when one is set, so
    history written by tests and by the demo's story carries the moments they play out.
    """
    from flask import current_app, has_app_context

    clock = current_app.extensions.get("eplanning.clock") if has_app_context() else None
    moment = clock() if clock else datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)

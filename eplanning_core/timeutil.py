"""Time helpers: store UTC, show the region's local time (WIB, WITA or WIT)."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC now: the same on SQLite and PostgreSQL columns without time zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)

"""The application as tests build it, emptying its tables, and the clock tests set."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from eplanning_core.testing.plugin import build_app

from .env import TENANTS_DIR


def make_app(database_url: str, **overrides):
    """Kota Medan's app on ``database_url`` (the shipped plugin's ``build_app``), with limits
    relaxed for tests.

    Tests move the app clock by days after logging in, and log in and fail often: sessions
    never time out, passwords need no re-confirmation and failed logins are hardly limited,
    except in tests/test_sessions.py, which sets the real values.
    """
    config = {"SECRET_KEY": "test-secret", "PAGE_SIZE": 25,
              "SESSION_IDLE_MINUTES": 10**8, "SESSION_MAX_HOURS": 10**6, "REAUTH_MINUTES": 10**8,
              "LOGIN_LIMIT_ACCOUNT": "1000 per minute", "LOGIN_LIMIT_ADDRESS": "1000 per minute",
              # No basemap: no test reaches the internet (tests/test_map.py sets one where it tests it).
              "MAP_TILES": ""}
    from .engines import settings_for  # (late: the module is also conftest's plugin)

    config.update(settings_for(database_url))  # behind PgBouncer: no prepared statements
    config.update(overrides)
    return build_app(database_url, TENANTS_DIR, config.pop("TENANT", "medan"), **config)


def empty_all_tables(owner_url: str | None = None) -> None:
    """Every table emptied, in the current app's database; through ``owner_url`` when the app
    connects as the application role, which may not delete everything (the audit history)."""
    from eplanning_core.extensions import db
    from eplanning_core.testing.databases import empty_all_tables as empty

    if not owner_url:
        empty(db.metadata, db.engine)
        return
    engine = create_engine(owner_url, poolclass=NullPool)
    try:
        empty(db.metadata, engine)
    finally:
        engine.dispose()


class Clock:
    """The app's clock, set by the test: the stage windows are checked against it."""

    def __init__(self, app):
        from datetime import datetime, timezone

        self.now = datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB, Rembuk Warga
        app.extensions["eplanning.clock"] = lambda: self.now

    def set_local(self, text: str, tz: str = "Asia/Jakarta"):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        self.now = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
        return self.now

"""Read replica: the public portal, open data, the Command Center and exports read from a
PostgreSQL streaming replica; every write and every operator page stays on the primary.

``REPLICA_DATABASE_URL`` names the replica. A view decorated with :func:`reads_replica` runs
its reads there: the application's session (:class:`RoutingSession`) sends every SELECT of
the request to the replica's engine, while a flush and any INSERT, UPDATE or DELETE still go to
the primary. The replica's transactions are REPEATABLE READ, so one page is read from one
snapshot: the history head that keys a kept page (portal/pagecache.py, commandcenter/cache.py)
is read from that same snapshot, and a page is never kept under a head newer than its data.

Before a view uses the replica, its state is checked (at most once a second per worker,
:data:`CHECK_EVERY`): down, not a standby, or replaying more than ``REPLICA_MAX_LAG_MS``
behind the WAL it received, and the view reads from the primary instead. A replica that fails
in the middle of a view is marked down and the view runs again on the primary. The state is
reported by ``GET /api/v1/health`` (:func:`health`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, current_app, g, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase

KEY = "eplanning.replica"
#: Seconds a worker trusts the replica's state it read last.
CHECK_EVERY = 1.0
#: Seconds to wait for a connection to the replica before reading from the primary.
CONNECT_TIMEOUT = 2
#: On the replica: is it a standby, and how far behind the WAL it received it replays
#: (0 when it replayed everything it has; else the age of the last transaction it replayed).
_STATE = text(
    "select pg_is_in_recovery(), "
    "case when pg_last_wal_receive_lsn() is not distinct from pg_last_wal_replay_lsn() then 0 "
    "else extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()) end")


@dataclass
class ReplicaState:
    usable: bool
    lag_seconds: float | None
    reason: str
    checked_at: float = field(default_factory=time.monotonic)


class Replica:
    """The replica's engine and the state last read from it, per application."""

    def __init__(self, engine, max_lag_ms: int):
        self.engine, self.max_lag = engine, max_lag_ms / 1000
        self.state: ReplicaState | None = None
        self.lock = threading.Lock()

    def current(self) -> ReplicaState:
        """The state, read again once :data:`CHECK_EVERY` has passed."""
        state = self.state
        if state is None or time.monotonic() - state.checked_at >= CHECK_EVERY:
            with self.lock:
                state = self.state = self.check()
        return state

    def check(self) -> ReplicaState:
        try:
            with self.engine.connect() as conn:
                standby, lag = conn.execute(_STATE).one()
        except DBAPIError as error:
            return ReplicaState(False, None, "unreachable: " + _first_line(error))
        lag = None if lag is None else float(lag)
        if not standby:
            return ReplicaState(False, lag, "not a standby (promoted?): reads go to the primary")
        if lag is None or lag > self.max_lag:
            return ReplicaState(False, lag, f"behind by more than {self.max_lag:g} s: reads go to the primary")
        return ReplicaState(True, lag, "in use")

    def mark_down(self, error: BaseException) -> None:
        self.state = ReplicaState(False, None, "failed during a request: " + _first_line(error))


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0][:200] if message else type(error).__name__


def init_app(app) -> None:
    """Create the replica's engine when ``REPLICA_DATABASE_URL`` is set."""
    url = app.config.get("REPLICA_DATABASE_URL")
    if not url:
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.pop("connect_args", {}) or {})
    connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
    engine = create_engine(url, **options, connect_args=connect_args, isolation_level="REPEATABLE READ")
    app.extensions[KEY] = Replica(engine, int(app.config.get("REPLICA_MAX_LAG_MS", 5000)))


def replica() -> Replica | None:
    return current_app.extensions.get(KEY) if has_app_context() else None


def dispose(app) -> None:
    """Close the replica's connections (tests; before its database is dropped)."""
    found = app.extensions.get(KEY)
    if found is not None:
        found.engine.dispose()


def reading_from() -> str:
    """Where this request's reads go now: "replica" or "primary"."""
    return "replica" if has_app_context() and g.get("eplanning_reads_from") == "replica" else "primary"


class RoutingSession(FlaskSession):
    """The application's session: a request's reads on the replica while :func:`reads_replica`
    says so; flushes and INSERT/UPDATE/DELETE always on the primary."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (bind is None and not self._flushing and not isinstance(clause, UpdateBase)
                and reading_from() == "replica"):
            found = replica()
            if found is not None:
                return found.engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def reads_replica(view):
    """Run ``view``'s reads on the replica when it is up and close enough behind; else, or when
    it fails during the view, on the primary. A streamed response keeps reading from where its
    view read."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        found = replica()
        if found is None or not found.current().usable:
            return view(*args, **kwargs)
        from flask_login import current_user

        current_user.is_authenticated  # noqa: B018  (the person, if any, comes from the primary)
        g.eplanning_reads_from = "replica"
        try:
            result = view(*args, **kwargs)
        except DBAPIError as error:
            from .database_errors import is_unavailable
            from .extensions import db

            g.eplanning_reads_from = "primary"
            if not is_unavailable(error):
                raise
            found.mark_down(error)
            current_app.logger.warning("read replica failed; reading from the primary: %s", _first_line(error))
            db.session.rollback()
            return view(*args, **kwargs)
        if not (isinstance(result, Response) and result.is_streamed):
            g.eplanning_reads_from = "primary"
        return result
    return wrapper


class on_primary:
    """Within a view reading from the replica: these reads (before a write) on the primary."""

    def __enter__(self):
        self.before = g.get("eplanning_reads_from") if has_app_context() else None
        if self.before is not None:
            g.eplanning_reads_from = "primary"

    def __exit__(self, *exc):
        if self.before is not None:
            g.eplanning_reads_from = self.before


def health() -> dict | None:
    """The replica's state for the health report (in use, lag, why not); None without one."""
    found = replica()
    if found is None:
        return None
    state = found.current()
    lag = None if state.lag_seconds is None else round(state.lag_seconds, 3)
    return {"configured": True, "in_use": state.usable, "lag_seconds": lag, "detail": state.reason}

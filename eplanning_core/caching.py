"""Results kept per application, bounded, and timed on the application's clock.

:class:`Kept` is a least-recently-used store in ``app.extensions`` (so each application, and
each test's application, has its own), bounded by entries and by total size, safe across the
threads of one worker. With ``max_age`` an entry is served only that long after it was put,
measured on the app's clock (``app.extensions["eplanning.clock"]``, the one the operations
read): tests set that clock and never depend on how fast a request ran.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone
from threading import Lock
from typing import Callable

from flask import current_app, has_app_context


def app_now() -> datetime:
    """The app's clock (aware); the wall clock when no app or no clock is set."""
    clock = current_app.extensions.get("eplanning.clock") if has_app_context() else None
    return clock() if clock else datetime.now(timezone.utc)


class Kept:
    """A bounded store per application (``app.extensions[name]``).

    ``max_age``: seconds an entry is served (a number, or a callable read at each lookup, e.g.
    from the app's config); None keeps it until it is pushed out. ``clock``: returns the time
    (a datetime); the app's clock by default.
    """

    def __init__(self, name: str, *, max_entries: int, max_bytes: int | None = None, size=None,
                 max_age: float | Callable[[], float] | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.name, self.max_entries, self.max_bytes = name, max_entries, max_bytes
        self.size = size or (lambda value: 0)
        self.max_age, self.clock = max_age, clock or app_now
        self.lock = Lock()

    def _store(self) -> dict:
        return current_app.extensions.setdefault(self.name, {"items": OrderedDict(), "bytes": 0})

    def _fresh(self, stored_at: datetime | None) -> bool:
        if self.max_age is None:
            return True
        limit = self.max_age() if callable(self.max_age) else self.max_age
        age = (self.clock() - stored_at).total_seconds()
        return 0 <= age < limit  # a clock set back counts as expired, never as fresh for ever

    def get(self, key):
        """The value kept under ``key``, or None (also once it is older than ``max_age``)."""
        store = self._store()
        with self.lock:
            found = store["items"].get(key)
            if found is None:
                return None
            value, stored_at = found
            if not self._fresh(stored_at):
                del store["items"][key]
                store["bytes"] -= self.size(value)
                return None
            store["items"].move_to_end(key)
            return value

    def put(self, key, value) -> None:
        size = self.size(value)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        stored_at = self.clock() if self.max_age is not None else None
        store = self._store()
        with self.lock:
            items = store["items"]
            if key in items:
                store["bytes"] -= self.size(items.pop(key)[0])
            items[key] = (value, stored_at)
            store["bytes"] += size
            while len(items) > self.max_entries or (
                    self.max_bytes is not None and store["bytes"] > self.max_bytes):
                _, (dropped, _at) = items.popitem(last=False)
                store["bytes"] -= self.size(dropped)

    def clear(self) -> None:
        """Forget everything kept (in the current application)."""
        if has_app_context():
            current_app.extensions.pop(self.name, None)

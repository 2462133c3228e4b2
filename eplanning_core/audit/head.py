"""The region's history head as a version of its data, and results kept until it moves.

Every change of state writes its history entry in the same transaction, and every history
entry moves the region's chain head (audit_chain_head: seq and hash). So the head names a
version of the region's data: anything computed from that data under one head stays right
until the head moves, on any worker, whoever made the change. The hash (not only the seq)
is part of the version so that a restored older database never meets results of a newer one.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .chain import GENESIS
from .models import AuditChainHead


def head_of(tenant_id: int) -> tuple[int, str]:
    """The region's chain head now (seq 0 before its first history entry): one primary-key read."""
    row = db.session.execute(select(AuditChainHead.seq, AuditChainHead.entry_hash)
                             .where(AuditChainHead.tenant_id == tenant_id)).first()
    return (row[0], row[1]) if row is not None else (0, GENESIS)


class Kept:
    """A least-recently-used store per application (``app.extensions[name]``), bounded by the
    number of entries and by their total size, safe across the threads of one worker."""

    def __init__(self, name: str, *, max_entries: int, max_bytes: int | None = None, size=None):
        self.name, self.max_entries, self.max_bytes = name, max_entries, max_bytes
        self.size = size or (lambda value: 0)
        self.lock = Lock()

    def _store(self) -> dict:
        return current_app.extensions.setdefault(self.name, {"items": OrderedDict(), "bytes": 0})

    def get(self, key):
        store = self._store()
        with self.lock:
            if key in store["items"]:
                store["items"].move_to_end(key)
                return store["items"][key]
        return None

    def put(self, key, value) -> None:
        size = self.size(value)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        store = self._store()
        with self.lock:
            items = store["items"]
            if key in items:
                store["bytes"] -= self.size(items.pop(key))
            items[key] = value
            store["bytes"] += size
            while len(items) > self.max_entries or (
                    self.max_bytes is not None and store["bytes"] > self.max_bytes):
                _, dropped = items.popitem(last=False)
                store["bytes"] -= self.size(dropped)

    def clear(self) -> None:
        current_app.extensions.pop(self.name, None)

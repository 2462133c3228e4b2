"""Failed logins counted per account and per client address (Flask-Limiter's storage).

Only failures count, so an office behind one address logging in at 8 o'clock is never
refused; but once an account or an address reached its limit, even the right password is
refused until the window passes. The account key is the username as typed, known or not:
the answer never tells whether an account exists. The counts live in RATELIMIT_STORAGE_URI
(memory:// per process; redis:// shared by every worker and server).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

EXTENSION = "eplanning.limiter"


def init_app(app) -> Limiter:
    """One Limiter per app (its storage is per app: tests build many apps)."""
    limiter = Limiter(get_remote_address, app=app,
                      storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                      default_limits=[], key_prefix="eplanning")
    app.extensions[EXTENSION] = limiter
    return limiter


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the first refused key may try again

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def _keys(tenant_id: int, username: str) -> list[tuple[str, str]]:
    config = current_app.config
    return [(config.get("LOGIN_LIMIT_ACCOUNT") or "5 per minute",
             f"login-account:{tenant_id}:{(username or '').strip().lower()[:60]}"),
            (config.get("LOGIN_LIMIT_ADDRESS") or "20 per minute",
             f"login-address:{get_remote_address() or '-'}")]


def _limiter() -> Limiter | None:
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return limiter


def check(tenant_id: int, username: str) -> Verdict:
    """May this login attempt be tried at all?"""
    limiter = _limiter()
    if limiter is None:
        return Verdict(True)
    waits = []
    for spec, key in _keys(tenant_id, username):
        for limit in parse_many(spec):
            if not limiter.limiter.test(limit, key):
                reset_at, _remaining = limiter.limiter.get_window_stats(limit, key)
                waits.append(max(1, int(reset_at - _now())))
    return Verdict(not waits, max(waits) if waits else 0)


def failed(tenant_id: int, username: str) -> bool:
    """Count one failure; True when it used up a limit (the moment of the lockout)."""
    limiter = _limiter()
    if limiter is None:
        return False
    locked = False
    for spec, key in _keys(tenant_id, username):
        for limit in parse_many(spec):
            limiter.limiter.hit(limit, key)
            if not limiter.limiter.test(limit, key):
                locked = True
    return locked


def client_address() -> str:
    if not has_request_context():
        return "cli"  # the command line
    return (get_remote_address() or "-")[:45]


def user_agent() -> str:
    return (request.headers.get("User-Agent") or "")[:200] if has_request_context() else ""


def _now() -> float:
    import time

    return time.time()

"""Server-side login sessions: what the signed session cookie points to, and can be ended.

The Flask session cookie is signed, not secret, and a copy works anywhere until it expires;
so it only carries a random token (``SESSION_KEY``) whose SHA-256 names a record here. The
user loader loads the account and its record in one query and refuses an ended, idle
(SESSION_IDLE_MINUTES) or too old (SESSION_MAX_HOURS) one. Logging out ends the record;
disabling an account, or changing its password, role or scope ends all of its records.

Storage goes through :class:`SessionStore` (the SQL table ``login_session`` by default), so a
deployment may keep sessions in Redis later: give ``app.extensions["eplanning.sessions"]`` an
object with the same methods. Store methods never commit: the caller commits the change
together with its history entry.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app, g, session
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginSession, User

#: Key of the token in the Flask session.
SESSION_KEY = "_sid"
#: last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
#: What survives the fresh session of a login: the chosen language only.
KEPT_AT_LOGIN = ("lang",)
EXTENSION = "eplanning.sessions"
#: Values read with the account in the loader's one query, kept in ``g.account_extras``:
#: name -> function giving a scalar subquery correlated to User. Packages built on accounts
#: add theirs (notifications: the navbar's unread count), so no page pays a query for them.
ACCOUNT_EXTRAS: dict = {}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore(Protocol):
    """Where login sessions live. Records have: id, tenant_id, user_id, created_at,
    last_seen_at, reauth_at, ended_at, end_reason, ip, user_agent."""

    def start(self, user: User, ip: str, user_agent: str, now: datetime) -> tuple[str, object]: ...
    def load(self, tenant_id: int, user_id: int, token: str) -> tuple[User, object] | None: ...
    def touch(self, record, now: datetime) -> None: ...
    def reauthenticated(self, record, now: datetime) -> None: ...
    def end(self, record, reason: str, now: datetime) -> bool: ...
    def end_all(self, tenant_id: int, user_id: int, reason: str, now: datetime,
                keep_id=None) -> int: ...
    def active(self, tenant_id: int, user_id: int, now: datetime) -> list: ...
    def get(self, tenant_id: int, user_id: int, record_id) -> object | None: ...


class SqlSessionStore:
    """The ``login_session`` table."""

    def start(self, user, ip, user_agent, now):
        token = secrets.token_urlsafe(32)
        record = LoginSession(tenant_id=user.tenant_id, user_id=user.id, token_hash=_hash(token),
                              created_at=now, last_seen_at=now, reauth_at=now, ip=ip or None,
                              user_agent=user_agent or None)
        db.session.add(record)
        db.session.flush()
        return token, record

    def load(self, tenant_id, user_id, token):
        # One query for the account, its unit or agency (every page's scope and menu need
        # them) and its session: pages keep to their query budget.
        names = list(ACCOUNT_EXTRAS)
        row = db.session.execute(
            select(User, LoginSession, *(ACCOUNT_EXTRAS[n]() for n in names))
            .join(LoginSession, LoginSession.user_id == User.id)
            .options(joinedload(User.wilayah), joinedload(User.perangkat_daerah)).where(
                LoginSession.token_hash == _hash(token), LoginSession.tenant_id == tenant_id,
                User.tenant_id == tenant_id, User.id == user_id)).first()
        if row is None:
            return None
        g.account_extras = dict(zip(names, row[2:]))
        return row[0], row[1]

    def touch(self, record, now):
        db.session.execute(update(LoginSession).where(LoginSession.id == record.id)
                           .values(last_seen_at=now))
        record.last_seen_at = now

    def reauthenticated(self, record, now):
        record.reauth_at = now

    def end(self, record, reason, now):
        if record.ended_at is not None:
            return False
        record.ended_at, record.end_reason = now, reason
        return True

    def end_all(self, tenant_id, user_id, reason, now, keep_id=None):
        query = update(LoginSession).where(
            LoginSession.tenant_id == tenant_id, LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None))
        if keep_id is not None:
            query = query.where(LoginSession.id != keep_id)
        result = db.session.execute(query.values(ended_at=now, end_reason=reason)
                                    .execution_options(synchronize_session="fetch"))
        return result.rowcount or 0

    def active(self, tenant_id, user_id, now):
        idle, longest = limits()
        return list(db.session.scalars(select(LoginSession).where(
            LoginSession.tenant_id == tenant_id, LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None), LoginSession.last_seen_at > now - idle,
            LoginSession.created_at > now - longest).order_by(LoginSession.last_seen_at.desc())))

    def get(self, tenant_id, user_id, record_id):
        return db.session.scalar(select(LoginSession).where(
            LoginSession.tenant_id == tenant_id, LoginSession.user_id == user_id,
            LoginSession.id == record_id))


def store() -> SessionStore:
    return current_app.extensions.setdefault(EXTENSION, SqlSessionStore())


def limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(minutes=int(config.get("SESSION_IDLE_MINUTES") or 30)),
            timedelta(hours=int(config.get("SESSION_MAX_HOURS") or 12)))


def expiry_reason(record, now: datetime) -> str | None:
    """"idle" or "expired" when the record has timed out at ``now``; else None."""
    idle, longest = limits()
    if now - record.created_at >= longest:
        return "expired"
    if now - record.last_seen_at >= idle:
        return "idle"
    return None


def start(user: User, ip: str, user_agent: str):
    """A new session for ``user`` (not committed). The old Flask session is dropped first,
    so a session id planted before the login (session fixation) is worth nothing."""
    kept = {key: session[key] for key in KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)
    token, record = store().start(user, ip, user_agent, utcnow())
    session[SESSION_KEY] = token
    g.login_session = record
    return record


def token() -> str | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) and 20 <= len(value) <= 100 else None


def current():
    """The record of this request's login session (after the user was loaded), or None."""
    return g.get("login_session")


def forget() -> None:
    """Drop the login from the Flask session (the cookie), whatever the record says."""
    session.pop(SESSION_KEY, None)
    for key in ("_user_id", "_fresh", "_id"):
        session.pop(key, None)
    g.pop("login_session", None)


def recently_authenticated() -> bool:
    record = current()
    if record is None:
        return False
    window = timedelta(minutes=int(current_app.config.get("REAUTH_MINUTES") or 5))
    return utcnow() - record.reauth_at < window

"""Authentication events and refused authorisations: the logger ``eplanning.security`` for
all of them, the audit history (same transaction as the change) for those of a known account.

Failed logins for unknown usernames go to the logger only, so an attacker cannot grow the
database; failures for a known account are bounded by the login rate limit (throttle.py).
"""

from __future__ import annotations

import logging

from flask import current_app, g, request
from flask_login import current_user

from ..audit.operations import record
from .throttle import client_address

log = logging.getLogger("eplanning.security")

#: ``object_type`` of these history entries (``object_id``: the account). They sit beside the
#: account's own changes (``user_account``), not among them: the admin's history page of an
#: account shows both.
OBJECT_TYPE = "auth"
#: Refused requests of one account to one endpoint written to the history at most this often.
FORBIDDEN_AUDIT_LIMIT = "1 per minute"


def event(action: str, *, user=None, username: str | None = None, actor=None, audit: bool = True,
          reason: str | None = None, level: int = logging.INFO, **details) -> None:
    """Log one event; add a history entry for ``user`` (not committed: it rides with the change).

    ``actor`` is who did it (default: the user themself; None for a failed login).
    """
    name = username or getattr(user, "username", None) or "-"
    extra = " ".join(f"{k}={v}" for k, v in details.items() if v is not None)
    log.log(level, "%s user=%s tenant=%s ip=%s %s", action, name,
            getattr(user, "tenant_id", "-"), client_address(), extra)
    if audit and user is not None:
        text = " · ".join(filter(None, [reason, f"ip {client_address()}"]))
        record(tenant_id=user.tenant_id, actor=user if actor is _SELF else actor, action=action,
               obj=user, object_type=OBJECT_TYPE, reason=text)


_SELF = object()


def user_event(action: str, user, **kwargs) -> None:
    """An event the user did themself (login, logout, own password change)."""
    kwargs.setdefault("actor", _SELF)
    event(action, user=user, **kwargs)


def init_app(app) -> None:
    app.after_request(_log_forbidden)


def _log_forbidden(response):
    """Every 403: logged; a known account's also written to its history (at most once a minute
    per account and endpoint, in its own transaction: the refused request changed nothing)."""
    if response.status_code != 403:
        return response
    user = current_user if current_user and current_user.is_authenticated else None
    actor = g.get("api_actor") or g.get("api_actor_refused")
    if user is None and actor is not None:
        user = actor.user
    name = getattr(user, "username", None) or (getattr(actor, "name", None) and f"client:{actor.name}")
    log.warning("auth.forbidden user=%s ip=%s %s %s", name or "-", client_address(), request.method,
                request.path)
    if user is None or not _first_in_window(user, request.endpoint or request.path):
        return response
    from ..extensions import db

    from types import SimpleNamespace

    who = SimpleNamespace(id=user.id, nama=user.nama, tenant_id=user.tenant_id)
    try:
        db.session.rollback()
        record(tenant_id=who.tenant_id, actor=who, action="auth.forbidden",
               object_type=OBJECT_TYPE, obj=who,
               reason=f"{request.method} {request.path[:200]} · ip {client_address()}")
        db.session.commit()
    except Exception:  # the refusal stands even if its history entry cannot be written
        db.session.rollback()
        log.exception("auth.forbidden: history entry not written")
    return response


def _first_in_window(user, endpoint: str) -> bool:
    from limits import parse

    from .throttle import EXTENSION

    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    return limiter.limiter.hit(parse(FORBIDDEN_AUDIT_LIMIT),
                               f"forbidden:{user.tenant_id}:{user.id}:{endpoint}")

"""Who calls the API: ``Authorization: Bearer <secret>`` resolved to an :class:`ApiActor`.

Use it in any API view (a flask_smorest ``blp`` listed in ``api.API_BLUEPRINTS``)::

    from eplanning_core.api.auth import api_actor, require_token

    @blp.route("/rkpd/<int:tahun>")
    class Rkpd(MethodView):
        @require_token(scope="read")                       # any valid token
        def get(self, tahun):
            actor = api_actor()                             # .user, .scope, .tenant_id ...

    @require_token(scope="write", roles=("bappeda",))       # client write token, or a Bappeda user
    @require_token(scope="write", user_only=True)           # a named person only (decisions)

The rules, in one place:

- The secret's SHA-256 is looked up among the tokens of the request's region; unknown,
  revoked, expired, another region's, or a user token whose account is disabled: 401
  (rule ``token_invalid``, one message for all, ``WWW-Authenticate: Bearer``).
- The session cookie is never read: a logged-in browser calling /api/v1 is nobody unless it
  sends a token (setup.py makes Flask-Login's user anonymous on API requests), so a page of
  another site cannot act through the API with a user's cookie.
- A **user token** (``POST /api/v1/auth/token``) acts as that user, with exactly the role and
  scope of the screens (accounts/scope.py, usulan/scope.py, the engine). Its ``scope`` is
  "write" (the engine still decides what the role may do), "read" for a viewer.
- A **client token** (created by Bappeda at /admin/token) has no user: it reads the whole
  region (like a viewer). With scope "write" it may only send budget results back
  (``POST /api/v1/anggaran/{tahun}``). It never enters proposals nor decides on them:
  a decision is always a named person's, so those endpoints use ``user_only=True``.
- Not enough scope: 403 ``token_scope``; a client token on a user-only endpoint: 403
  ``user_token_required``; a user of another role: 403 ``wrong_role``.
- ``last_used_at`` is written at most once a minute per token.
"""

from __future__ import annotations

import hashlib
from copy import deepcopy
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..accounts.models import User
from ..extensions import db
from ..tenancy.context import current_tenant_id
from ..timeutil import utcnow
from .errors import ApiError
from .models import ApiToken

SECURITY_SCHEME = "bearerAuth"
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiActor:
    """The caller of one API request."""

    token_id: int
    tenant_id: int
    scope: str              # "read" | "write"
    user: User | None       # None for a client token
    name: str               # the token's name (a client) or the user's username

    @property
    def is_client(self) -> bool:
        return self.user is None

    @property
    def can_write(self) -> bool:
        return self.scope == "write"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def unauthorized(message: str | None = None, rule: str = "token_invalid") -> ApiError:
    return ApiError(401, message or _("Missing, unknown, expired or revoked API token."), rule=rule,
                    headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip() or len(secret) > 200:
        return None
    return secret.strip()


def resolve_token() -> ApiActor | None:
    """The actor of this request's bearer token, or None when it is not valid here and now."""
    secret = _bearer_secret()
    if secret is None:
        return None
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.tenant_id == current_tenant_id(), ApiToken.token_hash == hash_secret(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (
            token.expires_at is not None and token.expires_at <= now):
        return None
    user = None
    if token.user_id is not None:
        user = db.session.scalar(select(User).where(
            User.id == token.user_id, User.tenant_id == token.tenant_id))
        if user is None or not user.aktif:
            return None
    actor = ApiActor(token.id, token.tenant_id, token.scope, user,
                     user.username if user else token.name)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return actor


def api_actor() -> ApiActor:
    """The actor of the current request (inside a view decorated with :func:`require_token`)."""
    actor = g.get("api_actor")
    if actor is None:
        raise unauthorized()
    return actor


def authorize(scope: str = "read", user_only: bool = False, roles=None) -> ApiActor:
    """Resolve the token and check it; raises the 401/403 ApiError. For views that decide late."""
    actor = resolve_token()
    if actor is None:
        raise unauthorized()
    g.api_actor_refused = actor  # a 403 below is logged with who asked (accounts/events.py)
    if user_only and actor.user is None:
        raise ApiError(403, _("Only a user's own token may do this; client tokens may not."),
                       rule="user_token_required")
    if scope == "write" and not actor.can_write:
        raise ApiError(403, _("This token may only read."), rule="token_scope")
    if roles and actor.user is not None and actor.user.role not in roles:
        raise ApiError(403, _("Your role may not do this."), rule="wrong_role")
    g.api_actor = actor
    return actor


def require_token(scope: str = "read", user_only: bool = False, roles=None):
    """Decorator: the view runs only for a valid token with this scope (see module docstring)."""
    if scope not in ("read", "write"):
        raise ValueError(f"scope must be 'read' or 'write', not {scope!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            authorize(scope, user_only, roles)
            return view(*args, **kwargs)

        # flask-smorest documents the operation as needing the bearer token.
        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        manual = dict(doc.get("manual_doc", {}))
        manual["security"] = [{SECURITY_SCHEME: []}]
        doc["manual_doc"] = manual
        wrapper._apidoc = doc
        return wrapper
    return decorator


__all__ = ["ApiActor", "api_actor", "authorize", "hash_secret", "require_token", "resolve_token",
           "unauthorized", "SECURITY_SCHEME"]

"""Creating, revoking and listing API tokens. The secret is returned once and never stored:
only its SHA-256 (and a short prefix people can tell tokens apart by) is kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from ..accounts.credentials import access_ended
from ..accounts.models import Role, User
from ..audit.operations import record
from ..extensions import db
from ..timeutil import utcnow
from .auth import hash_secret
from .models import ApiToken

SECRET_PREFIX = "epl_"
PREFIX_LENGTH = 12
#: A user token (POST /api/v1/auth/token) lives this long.
USER_TOKEN_LIFETIME = timedelta(hours=1)
SCOPES = ("read", "write")


@dataclass
class Result:
    ok: bool
    token: ApiToken | None = None
    secret: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_client_token(tenant_id: int, admin: User, name: str, scope: str,
                        expires_at: datetime | None = None) -> Result:
    """A client token of the region, created by a Bappeda administrator; the secret once."""
    errors = {}
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        errors["name"] = _("Give the token a name of 1 to 120 characters.")
    if scope not in SCOPES:
        errors["scope"] = _("Choose read, or read and write.")
    if expires_at is not None and expires_at <= utcnow():
        errors["expires_at"] = _("The expiry must lie in the future.")
    if admin.role != Role.BAPPEDA.value or admin.tenant_id != tenant_id:
        errors["name"] = _("Only the Bappeda administrator creates client tokens.")
    if errors:
        return Result(False, errors=errors)
    secret = new_secret()
    token = ApiToken(tenant_id=tenant_id, name=name, prefix=secret[:PREFIX_LENGTH],
                     token_hash=hash_secret(secret), scope=scope, created_by_id=admin.id,
                     expires_at=expires_at)
    db.session.add(token)
    record(tenant_id=tenant_id, actor=admin, action="api_token.buat", obj=token,
           changes={"name": [None, name], "scope": [None, scope], "prefix": [None, token.prefix],
                    "expires_at": [None, expires_at.isoformat() if expires_at else None]})
    db.session.commit()
    return Result(True, token, secret)


def revoke(token: ApiToken, admin: User) -> Result:
    """Revoke a token now; revoking twice changes nothing."""
    if token.revoked_at is not None:
        return Result(True, token)
    token.revoked_at = utcnow()
    record(tenant_id=token.tenant_id, actor=admin, action="api_token.cabut", obj=token,
           changes={"revoked_at": [None, token.revoked_at.isoformat()]})
    db.session.commit()
    return Result(True, token)


def client_tokens(tenant_id: int):
    """``select`` of the region's client tokens, newest first (user tokens are short-lived)."""
    return select(ApiToken).where(ApiToken.tenant_id == tenant_id, ApiToken.user_id.is_(None)
                                  ).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())


def issue_user_token(user: User, lifetime: timedelta = USER_TOKEN_LIFETIME) -> Result:
    """A short-lived token acting as ``user`` (the caller checked the password).

    The user's tokens that expired more than a day ago are removed in the same transaction,
    so that scripts logging in every hour do not grow the table forever.
    """
    now = utcnow()
    db.session.execute(delete(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.expires_at < now - timedelta(days=1)))
    secret = new_secret()
    token = ApiToken(tenant_id=user.tenant_id, name=f"user:{user.username}"[:120],
                     prefix=secret[:PREFIX_LENGTH], token_hash=hash_secret(secret),
                     scope="read" if user.role == Role.VIEWER.value else "write",
                     user_id=user.id, created_by_id=user.id, expires_at=now + lifetime)
    db.session.add(token)
    record(tenant_id=user.tenant_id, actor=user, action="api_token.masuk", obj=token,
           changes={"prefix": [None, token.prefix], "expires_at": [None, token.expires_at.isoformat()]})
    db.session.commit()
    return Result(True, token, secret)


@access_ended.connect
def revoke_user_tokens(user: User) -> int:
    """The account's own API tokens (POST /api/v1/auth/token) stop working with its sessions."""
    result = db.session.execute(update(ApiToken).where(
        ApiToken.tenant_id == user.tenant_id, ApiToken.user_id == user.id,
        ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount or 0

"""ApiToken: a secret an integration client or a user's script presents as ``Bearer``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class ApiToken(db.Model):
    """Only the SHA-256 of the secret is stored; ``prefix`` lets people tell tokens apart.

    A client token (created by Bappeda) has ``scope`` read or write and no ``user_id``; a
    user token (POST /api/v1/auth/token) acts with that user's role and scope and expires soon.
    """

    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("scope IN ('read', 'write')", name="scope_valid"),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

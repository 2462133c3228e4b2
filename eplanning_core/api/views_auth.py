"""POST /api/v1/auth/token: a user's username and password for a short-lived bearer token."""

from __future__ import annotations

from functools import cache

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import func

from ..accounts.models import User
from ..extensions import db
from ..tenancy.context import tenant_select
from .auth import unauthorized
from .schemas import ErrorSchema, TokenRequestSchema, TokenSchema
from .tokens import issue_user_token

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="User tokens")


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so that both failures take the same time."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not-a-password")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Wrong username or password, or a disabled account")
    def post(self, credentials):
        """A token acting as this user, with the user's own role and scope, valid for one hour."""
        username = credentials["username"].strip().lower()
        user = db.session.scalar(tenant_select(User).where(func.lower(User.username) == username))
        if user is None:
            from werkzeug.security import check_password_hash

            check_password_hash(_dummy_hash(), credentials["password"])
            raise unauthorized(_("Wrong username or password."), rule="credentials_invalid")
        if not user.check_password(credentials["password"]):
            raise unauthorized(_("Wrong username or password."), rule="credentials_invalid")
        if not user.aktif:
            raise unauthorized(_("This account is disabled. Ask the Bappeda administrator."),
                               rule="account_disabled")
        result = issue_user_token(user)
        return {"token": result.secret, "token_type": "Bearer", "expires_at": result.token.expires_at,
                "scope": result.token.scope,
                "user": {"username": user.username, "nama": user.nama, "role": user.role,
                         "wilayah_kode": user.wilayah.kode if user.wilayah else None,
                         "perangkat_daerah_id": user.perangkat_daerah_id}}, 201, {"Cache-Control": "no-store"}

"""POST /api/v1/auth/token: a user's username and password for a short-lived bearer token."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint

from .auth import unauthorized
from .errors import ApiError
from .schemas import ErrorSchema, TokenRequestSchema, TokenSchema
from .tokens import issue_user_token

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="User tokens")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Wrong username or password, or a disabled account")
    @blp.alt_response(429, schema=ErrorSchema,
                      description="Too many failed logins for this username or client address")
    def post(self, credentials):
        """A token acting as this user, with the user's own role and scope, valid for one hour."""
        from flask import g

        from ..accounts.auth import attempt

        username = credentials["username"].strip().lower()
        user, refused = attempt(username, credentials["password"])  # counted, limited and logged
        if refused == "throttled":
            verdict = g.login_verdict
            raise ApiError(429, verdict.message,  # how long to wait, in the caller's language
                           rule="rate_limited", headers={"Retry-After": str(verdict.retry_after)})
        if refused == "wrong":
            raise unauthorized(_("Wrong username or password."), rule="credentials_invalid")
        if refused == "disabled":
            raise unauthorized(_("This account is disabled. Ask the Bappeda administrator."),
                               rule="account_disabled")
        result = issue_user_token(user)
        return {"token": result.secret, "token_type": "Bearer", "expires_at": result.token.expires_at,
                "scope": result.token.scope,
                "user": {"username": user.username, "nama": user.nama, "role": user.role,
                         "wilayah_kode": user.wilayah.kode if user.wilayah else None,
                         "perangkat_daerah_id": user.perangkat_daerah_id}}, 201, {"Cache-Control": "no-store"}

"""Forgotten password: a time-limited, single-use link by email where SMTP is configured.

The link carries the region, the account and a fingerprint of its current password hash,
signed with the SECRET_KEY (itsdangerous): it expires after RESET_MAX_AGE and stops working
once the password has changed (used once, or changed otherwise). Asking for a link gives
the same answer whether or not the account exists or has an email address, and is slowed
down like failed logins (throttle.py). The new password meets the one policy
(passwords.problem); every session and API token of the account ends; a history entry
records the reset. Without SMTP the page says to ask Bappeda's administrator, who gives the
account a temporary password on its page (shown once); the next login must replace it
before anything else (``User.harus_ganti_sandi``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, or_
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..audit.operations import record
from ..extensions import db
from ..forms import Form
from ..notifications import mail
from ..tenancy.context import current_tenant_id, tenant_config, tenant_get, tenant_select
from . import events, passwords, throttle
from .admin import admin_required
from .auth import reauth_required
from .credentials import end_sessions_after_change
from .models import User

bp = Blueprint("password_reset", __name__)
log = logging.getLogger(__name__)

#: How long a link works (seconds).
RESET_MAX_AGE = 60 * 60
SALT = "eplanning-password-reset"


class RequestForm(Form):
    login = StringField(_l("Username or email address"), validators=[DataRequired(), Length(max=200)])


class ResetForm(Form):
    token = HiddenField(validators=[DataRequired(), Length(max=400)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps({"t": user.tenant_id, "u": user.id, "p": _fingerprint(user)})


def user_of(token: str) -> User | None:
    """The account a valid, unexpired, unused link of this region is for; else None."""
    try:
        data = _serializer().loads(token or "", max_age=RESET_MAX_AGE)
        tenant_id, user_id, fingerprint = int(data["t"]), int(data["u"]), str(data["p"])
    except (BadData, KeyError, TypeError, ValueError):
        return None
    if tenant_id != current_tenant_id():
        return None
    user = db.session.scalar(tenant_select(User).where(User.id == user_id))
    if user is None or not user.aktif or _fingerprint(user) != fingerprint:
        return None
    return user


def _find(login: str) -> User | None:
    """The active account with this username, or the only active one with this email address."""
    login = login.strip().lower()
    found = db.session.scalars(tenant_select(User).where(User.aktif.is_(True), or_(
        func.lower(User.username) == login, func.lower(User.email) == login)).limit(3)).all()
    by_name = [u for u in found if u.username.lower() == login]
    if by_name:
        return by_name[0]
    return found[0] if len(found) == 1 else None


def _message(user: User) -> mail.Message:
    link = mail.site_url(url_for("password_reset.reset", token=make_token(user)))
    minutes = RESET_MAX_AGE // 60
    body = "\n\n".join([
        _("Hello %(name)s,", name=user.nama),
        _("Someone (hopefully you) asked to set a new password for the account %(username)s of "
          "%(app)s. Open this link within %(minutes)s minutes to choose one; it works once:",
          username=user.username, app=tenant_config().app_name, minutes=minutes),
        link,
        _("If you did not ask for this, ignore this message: your password stays as it is."),
    ])
    return mail.Message(to=user.email, subject=_("%(app)s: set a new password", app=tenant_config().app_name),
                        body=body + "\n")


@bp.route("/masuk/lupa", methods=["GET", "POST"])
def request_link():
    if not mail.configured():
        if request.method == "POST":
            flash(_("This instance sends no email. Ask Bappeda's administrator to set a new password "
                    "for your account."), "warning")
            return redirect(url_for("password_reset.request_link"))
        return render_template("auth/forgot_password.html", form=None)
    form = RequestForm()
    if form.validate_on_submit():
        login = form.login.data.strip().lower()[:200]
        tenant_id = current_tenant_id()
        key = f"lupa:{login}"
        verdict = throttle.check(tenant_id, key)
        if not verdict.allowed:
            events.event("auth.reset_rate_limited", username=login, actor=None, audit=False,
                         level=logging.WARNING)
            response = render_template("auth/forgot_password.html", form=form, throttled=verdict.message)
            return response, 429, {"Retry-After": str(verdict.retry_after)}
        throttle.failed(tenant_id, key)  # every request counts: a flood of links is slowed down
        user = _find(login)
        if user is not None and user.email:
            try:
                mail.send_each([_message(user)])
                events.event("auth.reset_link_sent", user=user, actor=None)
                db.session.commit()
            except OSError as error:  # SMTP down: said to the person, logged for the admin
                log.error("password reset mail not sent: %s", error)
                flash(_("The email could not be sent just now. Try again later or ask Bappeda's "
                        "administrator."), "danger")
                return render_template("auth/forgot_password.html", form=form), 503
        else:
            events.event("auth.reset_unknown", username=login, actor=None, audit=False)
        flash(_("If an account with that username or email address has an email address, a link to set "
                "a new password has been sent to it. It works for %(minutes)s minutes.",
                minutes=RESET_MAX_AGE // 60), "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/masuk/atur-ulang", methods=["GET", "POST"])
def reset():
    form = ResetForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")[:400]
    user = user_of(form.token.data or "")
    if user is None:
        return render_template("auth/reset_password.html", form=None), 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        refused = passwords.problem(form.password.data, user.username, passwords.region_name())
        if refused is None and user.check_password(form.password.data):
            refused = _("The new password must differ from the current one.")
        if refused:
            form.password.errors = list(form.password.errors) + [refused]
        else:
            user.set_password(form.password.data)
            user.version += 1
            user.harus_ganti_sandi = False
            record(tenant_id=user.tenant_id, actor=user, action="user.password", obj=user,
                   changes={"password": ["***", "***"]}, reason="reset by email link")
            events.user_event("auth.password_reset", user, audit=False)
            end_sessions_after_change(user, user, {"password": ["***", "***"]})
            db.session.commit()
            flash(_("Your password was set. Log in with it now; your other sessions have ended."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, min_length=passwords.min_length()), status


# ---- without SMTP: a temporary password from the administrator ---------------------------------

#: Pages a person with a temporary password may still open: changing it, logging out, assets.
ALLOWED_WHILE_TEMPORARY = {"auth.change_password", "auth.logout", "auth.reauth", "i18n.switch_language",
                           "static", "bootstrap.static", "tenancy.branding_css", "tenancy.logo"}


def temporary_password(username: str) -> str:
    """A random password that meets the policy (16 characters from 12 random bytes)."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if passwords.problem(candidate, username, passwords.region_name()) is None:
            return candidate


@bp.before_app_request
def _change_temporary_password_first():
    """An account on a temporary password changes it before any other page."""
    if request.path.startswith("/api/") or request.endpoint in ALLOWED_WHILE_TEMPORARY:
        return None
    if current_user.is_authenticated and getattr(current_user, "harus_ganti_sandi", False):
        flash(_("Your password was set by the administrator. Choose your own password now."), "warning")
        return redirect(url_for("auth.change_password"))
    return None


@bp.post("/admin/pengguna/<int:user_id>/sandi-sementara")
@admin_required
@reauth_required
def temporary(user_id: int):
    """Bappeda gives an account a temporary password, shown once on this answer (never stored
    in a cookie or a log); every session and token of the account ends; history entry."""
    user = tenant_get(User, user_id) or abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("Change your own password under your name, top right."), "warning")
        return redirect(url_for("admin.edit_user", user_id=user.id)), 303
    password = temporary_password(user.username)
    user.set_password(password)
    user.version += 1
    user.harus_ganti_sandi = True
    record(tenant_id=user.tenant_id, actor=current_user, action="user.password", obj=user,
           changes={"password": ["***", "***"]}, reason="temporary password from the administrator")
    events.event("auth.password_changed", user=user, actor=current_user, audit=False)
    end_sessions_after_change(user, current_user, {"password": ["***", "***"]})
    db.session.commit()
    response = make_response(render_template("auth/temporary_password.html", user=user, password=password))
    response.headers["Cache-Control"] = "no-store"
    return response

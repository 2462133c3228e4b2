"""Login, logout, re-authentication and one's own password.

Sessions are records on the server (sessions.py); failed logins are slowed down per account
and client with growing waits, never a lock that refuses the right password for good
(throttle.py); every authentication event is logged (events.py). An unknown
username and a wrong password get the same answer after the same work.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func

from ..extensions import db
from ..redirects import safe_next
from ..tenancy.context import current_tenant_id, tenant_select
from ..timeutil import utcnow
from . import events, passwords, sessions, throttle
from .credentials import change_own_password
from .forms import ChangePasswordForm, LoginForm, ReauthForm
from .models import User

bp = Blueprint("auth", __name__)


def configure_login(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)


def init_app(app) -> None:
    """Per-app parts: the login rate limiter, the early session check, the 403 log."""
    throttle.init_app(app)
    events.init_app(app)
    app.before_request(_check_session_first)


def _check_session_first() -> None:
    """Load the user before the view runs, so that the session's bookkeeping (last seen,
    timeouts) is committed on its own and never together with the view's work."""
    # API requests get a null session (api/setup.py), so they never pass this first check
    if sessions.SESSION_KEY not in _session() or (request.endpoint or "").endswith("static"):
        return
    current_user._get_current_object()


def _session():
    from flask import session

    return session


def load_user(ident: str):
    """The account of this request's session record, in one query; None when the record is
    ended, timed out, of another region, or the account is disabled."""
    try:
        tenant_id, user_id = (int(p) for p in ident.split(":"))
    except ValueError:
        return None
    if tenant_id != current_tenant_id():
        return None
    token = sessions.token()
    found = sessions.store().load(tenant_id, user_id, token) if token else None
    if found is None:
        sessions.forget()
        return None
    user, record = found
    now = utcnow()
    if record.ended_at is not None or not user.aktif:
        sessions.forget()
        flash(_("Your session has ended. Please log in again."), "warning")
        return None
    reason = sessions.expiry_reason(record, now)
    if reason is not None:
        sessions.store().end(record, reason, now)
        events.event("auth.timeout", user=user, actor=user, reason=reason)
        db.session.commit()
        sessions.forget()
        if reason == "idle":
            flash(_("You were logged out after %(minutes)s minutes without activity. Please log in "
                    "again.", minutes=current_app.config.get("SESSION_IDLE_MINUTES")), "warning")
        else:
            flash(_("Your session reached its maximum length of %(hours)s hours. Please log in again.",
                    hours=current_app.config.get("SESSION_MAX_HOURS")), "warning")
        return None
    g.login_session = record
    pending = db.session.new or db.session.dirty or db.session.deleted
    if now - record.last_seen_at >= sessions.TOUCH_EVERY and not pending:
        sessions.store().touch(record, now)
        db.session.commit()
    return user


def _safe_next(target: str | None) -> str:
    """A local path only: redirects.safe_next normalises what browsers strip first."""
    return safe_next(target)


def _too_many(verdict, template: str, **context):
    response = make_response(render_template(template, throttled=verdict.message, **context), 429)
    response.headers["Retry-After"] = str(verdict.retry_after)
    return response


def attempt(username: str, password: str):
    """(user, None) when the password is right and may be tried; else (user or None, reason):
    "throttled" (429, with the verdict in g.login_verdict), "wrong" or "disabled". Logs and
    counts the failure; commits its history entries."""
    tenant_id = current_tenant_id()
    verdict = throttle.check(tenant_id, username)
    user = db.session.scalar(tenant_select(User).where(func.lower(User.username) == username))
    if not verdict.allowed:
        g.login_verdict = verdict
        events.event("auth.rate_limited", user=user, username=username, actor=None, audit=False,
                     level=logging.WARNING)
        return user, "throttled"
    right = user.check_password(password) if user is not None else passwords.check_unknown(password)
    if not right:
        locked = throttle.failed(tenant_id, username)
        events.event("auth.login_failed", user=user, username=username, actor=None,
                     level=logging.WARNING)
        if locked:
            events.event("auth.locked", user=user, username=username, actor=None,
                         level=logging.WARNING)
        db.session.commit()
        return user, "wrong"
    if not user.aktif:
        events.event("auth.login_disabled", user=user, actor=None, level=logging.WARNING)
        db.session.commit()
        return user, "disabled"
    throttle.succeeded(tenant_id, username)
    return user, None


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    listing = current_app.extensions.get("eplanning.login_accounts")  # the demo's (app.py)
    demo_accounts = listing() if listing is not None and current_app.config.get("DEMO") else []
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user, refused = attempt(username, form.password.data)
        if refused == "throttled":
            return _too_many(g.login_verdict, "auth/login.html", form=form, demo_accounts=demo_accounts)
        if refused == "wrong":
            flash(_("Wrong username or password."), "danger")
        elif refused == "disabled":
            flash(_("This account is disabled. Ask the Bappeda administrator."), "danger")
        else:
            user.last_login_at = utcnow()
            record = sessions.start(user, throttle.client_address(), throttle.user_agent())
            events.user_event("auth.login", user, session=record.id)
            db.session.commit()
            login_user(user)
            response = redirect(_safe_next(request.args.get("next")))
            return throttle.remember_device(response, current_tenant_id(), username)
    return render_template("auth/login.html", form=form, demo_accounts=demo_accounts)


def end_current_session() -> None:
    """Log the current user out: the session recorded as ended, then forgotten."""
    record = sessions.current()
    if record is not None and sessions.store().end(record, "logout", utcnow()):
        events.user_event("auth.logout", current_user, session=record.id)
        db.session.commit()
    logout_user()
    sessions.forget()


@bp.post("/keluar")
@login_required
def logout():
    end_current_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


# ---- re-authentication before sensitive account changes ------------------------------------

def reauth_required(view):
    """The view runs only if the password was given in this session within REAUTH_MINUTES
    (a login counts); otherwise the person confirms it first and comes back."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if sessions.recently_authenticated():
            return view(*args, **kwargs)
        if request.method == "POST":
            flash(_("For your security, confirm your password, then send the form again."), "warning")
        else:
            flash(_("For your security, confirm your password to continue."), "info")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.reauth", next=target))
    return wrapped


@bp.route("/masuk/ulang", methods=["GET", "POST"])
@login_required
def reauth():
    form = ReauthForm()
    target = _safe_next(request.args.get("next"))
    if form.validate_on_submit():
        tenant_id = current_tenant_id()
        verdict = throttle.check(tenant_id, current_user.username)
        if not verdict.allowed:
            events.event("auth.rate_limited", user=current_user, audit=False, level=logging.WARNING)
            return _too_many(verdict, "auth/reauth.html", form=form)
        if current_user.check_password(form.password.data):
            sessions.store().reauthenticated(sessions.current(), utcnow())
            events.user_event("auth.reauth", current_user, audit=False)
            db.session.commit()
            return redirect(target)
        locked = throttle.failed(tenant_id, current_user.username)
        events.user_event("auth.reauth_failed", current_user, level=logging.WARNING)
        if locked:
            events.user_event("auth.locked", current_user, level=logging.WARNING)
        db.session.commit()
        form.password.errors = list(form.password.errors) + [_("Wrong password.")]
    status = 422 if form.errors else 200
    return render_template("auth/reauth.html", form=form), status


# ---- one's own password ---------------------------------------------------------------------

@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        tenant_id = current_tenant_id()
        verdict = throttle.check(tenant_id, current_user.username)
        if not verdict.allowed:
            events.event("auth.rate_limited", user=current_user, audit=False, level=logging.WARNING)
            return _too_many(verdict, "auth/change_password.html", form=form,
                             min_length=passwords.min_length())
        user = current_user._get_current_object()
        outcome = change_own_password(user, form.current_password.data, form.password.data)
        if outcome.ok:
            flash(_("Your password was changed. Your other sessions have ended."), "success")
            return redirect(url_for("home.index"))
        if "current_password" in outcome.errors:
            locked = throttle.failed(tenant_id, current_user.username)
            events.user_event("auth.reauth_failed", user, level=logging.WARNING)
            if locked:
                events.user_event("auth.locked", user, level=logging.WARNING)
            db.session.commit()
        for name, message in outcome.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + [message]
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form,
                           min_length=passwords.min_length()), status

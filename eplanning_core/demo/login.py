"""One-click role buttons on the demo's login page (issue 14, point 8): a trainer switches
roles in a second.

``POST /masuk/demo`` with ``username`` logs in as one of the demo accounts that the login
page lists. It answers 404 unless the instance runs in demo mode (the ``DEMO`` setting, set
only by ``eplanning demo``), so a live instance has no such door, whatever is posted to it.
It is CSRF-protected like every form, and it goes through the ordinary login check with the
demo password (accounts/auth.attempt: the same throttle, history entries and session
record): an account whose password a trainer changed, or which was disabled, is refused as
on the login form. A person already logged in is logged out first.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..accounts import auth, events, sessions, throttle
from ..extensions import db
from ..tenancy.context import current_tenant_id
from ..timeutil import utcnow

bp = Blueprint("demo_login", __name__)


def enabled() -> bool:
    return bool(current_app.config.get("DEMO"))


@bp.post("/masuk/demo")
def login():
    if not enabled():
        abort(404)
    from .seed import DEMO_PASSWORD, demo_accounts

    username = (request.form.get("username") or "").strip().lower()
    if username not in {a["username"] for a in demo_accounts()}:
        flash(_("Choose one of the demo accounts."), "danger")
        return redirect(url_for("auth.login"), 303)
    if current_user.is_authenticated:  # switching roles: end the current session first
        auth.end_current_session()
    user, refused = auth.attempt(username, DEMO_PASSWORD)
    if refused == "throttled":
        flash(g.login_verdict.message, "danger")
        return redirect(url_for("auth.login"), 303)
    if refused:
        flash(_("This demo account no longer has the demo password, or is disabled: log in with "
                "the form."), "danger")
        return redirect(url_for("auth.login"), 303)
    user.last_login_at = utcnow()
    record = sessions.start(user, throttle.client_address(), throttle.user_agent())
    events.user_event("auth.login", user, session=record.id)
    db.session.commit()
    login_user(user)
    response = redirect(url_for("home.index"), 303)
    return throttle.remember_device(response, current_tenant_id(), username)

"""Login and logout."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func

from ..extensions import db
from ..tenancy.context import current_tenant_id, tenant_select
from ..timeutil import utcnow
from .forms import LoginForm
from .models import User

bp = Blueprint("auth", __name__)


def configure_login(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(ident: str):
        # The session holds "tenant:id": a session of another region loads nobody.
        try:
            tenant_id, user_id = (int(p) for p in ident.split(":"))
        except ValueError:
            return None
        if tenant_id != current_tenant_id():
            return None
        return db.session.scalar(tenant_select(User).where(User.id == user_id))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = db.session.scalar(tenant_select(User).where(func.lower(User.username) == username))
        if user is None or not user.check_password(form.password.data):
            flash(_("Wrong username or password."), "danger")
        elif not user.aktif:
            flash(_("This account is disabled. Ask the Bappeda administrator."), "danger")
        else:
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    demo_accounts = []
    if current_app.config.get("DEMO"):
        from ..demo.seed import demo_accounts as listing

        demo_accounts = listing()
    return render_template("auth/login.html", form=form, demo_accounts=demo_accounts)


@bp.post("/keluar")
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))

"""/notifikasi: what happened for me, and which windows open or close soon."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import HiddenField, StringField
from wtforms.validators import Email, Length, Optional
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..accounts import sessions
from ..accounts.auth import reauth_required
from ..accounts.models import User
from ..audit.operations import record
from ..conflicts import claim_version
from ..extensions import db
from ..forms import Form
from ..paging import page_of
from ..siklus.current import current_cycle
from ..tenancy.context import current_tenant_id
from ..usulan.engine_adapter import cycle_for, now_utc
from . import mail, operations, texts, windows
from .models import Notifikasi

bp = Blueprint("notifications", __name__, url_prefix="/notifikasi")
bp.record_once(lambda state: mail.init_app(state.app))
bp.record_once(lambda state: state.app.context_processor(_badge))
# the unread count rides on the account's own query (accounts/sessions.py)
sessions.ACCOUNT_EXTRAS["notifications_unread"] = lambda: operations.unread_count_column(User.tenant_id, User.id)


def _badge() -> dict:
    """The navbar's unread count: read with the account (accounts/sessions.py) where it can
    be, else one count per request."""
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        count = g.get("notifications_unread")
        if count is None:
            count = g.get("account_extras", {}).get("notifications_unread")
        if count is None:
            try:
                count = operations.unread_count(current_tenant_id(), current_user.id)
            except SQLAlchemyError:  # an error page after the database failed: no badge
                count = 0
            g.notifications_unread = count
        return count
    return {"notifications_unread": unread}


def target_of(item: Notifikasi) -> str:
    if item.usulan_id is not None:
        return url_for("usulan.detail", usulan_id=item.usulan_id)
    return url_for("usulan.index", tahapan=item.tahapan)


@bp.get("/")
@login_required
def index():
    siklus = current_cycle()
    cycle = cycle_for(siklus) if siklus is not None else None
    stage_names = {s.key: s.name for s in cycle.stages} if cycle is not None else {}
    coming = windows.soon(cycle, current_user, now_utc())
    page = page_of(select(Notifikasi).where(
        Notifikasi.tenant_id == current_tenant_id(), Notifikasi.user_id == current_user.id)
        .order_by(Notifikasi.created_at.desc(), Notifikasi.id.desc()))
    return render_template("notifications/index.html", page=page, coming=coming,
                           sentence=lambda n: texts.sentence(n, stage_names),
                           window_sentence=texts.window_sentence, target_of=target_of,
                           mail_configured=mail.configured())


@bp.post("/baca")
@login_required
def mark_read():
    """One notification read (and opened: ``id``) or all of them (no ``id``)."""
    raw = (request.form.get("id") or "").strip()
    if raw:
        if not raw.isdecimal() or len(raw) > 12:
            abort(404)
        item = db.session.scalar(select(Notifikasi).where(
            Notifikasi.tenant_id == current_tenant_id(), Notifikasi.user_id == current_user.id,
            Notifikasi.id == int(raw)))
        if item is None:
            abort(404)
        operations.mark_read(current_user, item.id)
        target = target_of(item)
        db.session.commit()
        return redirect(target)
    operations.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))



class EmailForm(Form):
    email = StringField(_l("Email address"), validators=[Optional(), Email(), Length(max=200)],
                        description=_l("Leave empty to receive no email."))
    version = HiddenField()


@bp.route("/email", methods=["GET", "POST"])
@reauth_required  # an address receives password links: changing it asks for the password
def email():
    """One's own address for the digest and forgotten-password links; a history entry."""
    user = current_user._get_current_object()
    form = EmailForm(obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        new = (form.email.data or "").strip() or None
        if new != user.email:
            if not claim_version(user, form.version.data):
                flash(_("Your account was changed meanwhile. Check the address and save again."), "warning")
                return redirect(url_for("notifications.email"))
            record(tenant_id=user.tenant_id, actor=user, action="user.update", obj=user,
                   changes={"email": [user.email, new]}, reason="changed by the account holder")
            user.email = new
            db.session.commit()
        flash(_("Your email address was saved.") if new else _("You receive no email now."), "success")
        return redirect(url_for("notifications.index"))
    form.version.data = user.version
    status = 422 if form.errors else 200
    return render_template("notifications/email.html", form=form, mail_configured=mail.configured()), status

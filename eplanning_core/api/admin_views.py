"""Bappeda's screens for API client tokens (/admin/token): create (the secret shown once),
list, export and revoke."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..accounts.admin import admin_required
from ..accounts.auth import reauth_required
from ..accounts.models import User
from ..extensions import db
from ..forms import Form
from ..kamus.forms import SelectChoice
from ..paging import page_of
from ..tenancy.context import current_tenant_id, tenant_config, tenant_get
from ..timeutil import utcnow
from . import tokens
from .models import ApiToken

bp = Blueprint("api_admin", __name__, url_prefix="/admin/token")
STATUSES = ("aktif", "dicabut", "kedaluwarsa")


class TokenForm(Form):
    name = StringField(_l("Name of the client"), validators=[DataRequired(), Length(max=120)],
                       description=_l("Who uses it, e.g. e-Budgeting BPKAD."))
    scope = SelectField(_l("Scope"), choices=[SelectChoice("read", _l("read")),
                                              SelectChoice("write", _l("read and write"))],
                        description=_l("Write: may send budget results back; it never decides on proposals."))
    berlaku_sampai = DateField(_l("Valid until (optional)"), validators=[Optional()])


def status_of(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "dicabut"
    if token.expires_at is not None and token.expires_at <= now:
        return "kedaluwarsa"
    return "aktif"


def status_names() -> dict:
    return {"aktif": _("active"), "dicabut": _("revoked"), "kedaluwarsa": _("expired")}


def _filtered():
    query = tokens.client_tokens(current_tenant_id())
    now = utcnow()
    status = request.args.get("status", "")
    if status == "aktif":
        query = query.where(ApiToken.revoked_at.is_(None),
                            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
    elif status == "dicabut":
        query = query.where(ApiToken.revoked_at.is_not(None))
    elif status == "kedaluwarsa":
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at <= now)
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        like = "%" + text.replace("%", "").replace("_", "") + "%"
        query = query.where(or_(ApiToken.name.ilike(like), ApiToken.prefix.ilike(like)))
    return query, status if status in STATUSES else "", text


def _creators(rows) -> dict[int, str]:
    """Names of the accounts that created these tokens, in one query."""
    ids = {t.created_by_id for t in rows if t.created_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.nama).where(
        User.tenant_id == current_tenant_id(), User.id.in_(ids))).all())


@bp.get("/")
@admin_required
def index():
    query, status, text = _filtered()
    if request.args.get("format") == "xlsx":
        return _export(query)
    pagination = page_of(query)
    return render_template("api/tokens.html", pagination=pagination, status=status, q=text,
                           statuses=status_names(), status_of=status_of, now=utcnow(),
                           creators=_creators(pagination.items))


def _export(query):
    """The filtered client tokens as Excel: names, prefixes and dates, never a secret or hash."""
    from ..exports.excel import Column, xlsx_response

    rows_list = db.session.scalars(query).all()
    creators, names, now = _creators(rows_list), status_names(), utcnow()
    rows = ((t.name, t.prefix, t.scope, names[status_of(t, now)], creators.get(t.created_by_id, ""),
             t.created_at, t.expires_at, t.last_used_at, t.revoked_at) for t in rows_list)
    columns = [Column(_("Name"), width=30), Column(_("Prefix"), width=14), Column(_("Scope"), width=8),
               Column(_("Status"), width=12), Column(_("Created by"), width=24),
               Column(_("Created"), "datetime"), Column(_("Valid until"), "datetime"),
               Column(_("Last used"), "datetime"), Column(_("Revoked"), "datetime")]
    config = tenant_config()
    return xlsx_response(f"token-api-{config.slug}", _("API tokens"), columns, rows, tz=config.timezone)


def _end_of_local_day(day) -> datetime:
    """The naive UTC moment a token valid 'until' this local date stops working."""
    zone = ZoneInfo(tenant_config().timezone)
    local = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


@bp.route("/baru", methods=["GET", "POST"])
@admin_required
@reauth_required
def create():
    form = TokenForm()
    if form.validate_on_submit():
        expires = _end_of_local_day(form.berlaku_sampai.data) if form.berlaku_sampai.data else None
        result = tokens.create_client_token(current_tenant_id(), current_user, form.name.data,
                                            form.scope.data, expires)
        if result.ok:
            # The secret is shown in this answer only: never stored, flashed or cached.
            response = make_response(render_template("api/token_created.html", token=result.token,
                                                     secret=result.secret))
            response.headers["Cache-Control"] = "no-store"
            return response
        for name, message in result.errors.items():
            field = getattr(form, "berlaku_sampai" if name == "expires_at" else name)
            field.errors = list(field.errors) + [message]
    status = 422 if form.errors else 200
    return render_template("api/token_form.html", form=form), status


@bp.post("/<int:token_id>/cabut")
@admin_required
def revoke(token_id: int):
    token = tenant_get(ApiToken, token_id)
    if token is None or token.user_id is not None:
        abort(404)
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    tokens.revoke(token, current_user)
    flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_admin.index")), 303

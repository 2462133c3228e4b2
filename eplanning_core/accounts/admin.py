"""Bappeda administration: users and the list of Perangkat Daerah."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import or_

from ..conflicts import flash_conflict
from ..extensions import db
from ..ids import parse_id
from ..paging import page_of
from ..tenancy.context import current_tenant_id, tenant_config, tenant_get, tenant_select
from ..audit.models import AuditEntry
from . import events, operations, sessions, throttle
from ..forms import Form
from ..timeutil import utcnow
from .auth import reauth_required
from .credentials import end_sessions_by_admin
from .events import OBJECT_TYPE as AUTH_EVENTS
from .forms import PerangkatDaerahForm, UserForm
from .models import PerangkatDaerah, User
from .scope import role_names

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _like(text: str):
    return f"%{text.replace('%', '').replace('_', '')}%"


# ---- users -------------------------------------------------------------------------------

@bp.get("/pengguna")
@admin_required
def users():
    query = tenant_select(User).order_by(User.role, User.nama)
    role = request.args.get("role", "")
    if role in role_names():
        query = query.where(User.role == role)
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        query = query.where(or_(User.nama.ilike(_like(text)), User.username.ilike(_like(text))))
    query = query.options(db.joinedload(User.wilayah), db.joinedload(User.perangkat_daerah))
    if request.args.get("format") == "xlsx":
        return _export_users(query)
    pagination = page_of(query)
    return render_template("admin/users.html", pagination=pagination, role=role, q=text,
                           roles=role_names())


def _export_users(query):
    """The filtered accounts as Excel; never a password hash."""
    from ..exports.excel import Column, xlsx_response

    from ..wilayah.labels import unit_label

    names, config = role_names(), tenant_config()

    def scope(user):
        if user.wilayah:
            return f"{user.wilayah.kode} {unit_label(user.wilayah)}"
        if user.perangkat_daerah:
            return user.perangkat_daerah.nama
        return f"{_('Dapil')} {user.dapil}" if user.dapil else config.name

    rows = ((u.username, u.nama, u.email or "", names.get(u.role, u.role), scope(u),
             _("active") if u.aktif else _("disabled"), u.created_at, u.last_login_at)
            for u in db.session.scalars(query))
    columns = [Column(_("Username"), width=18), Column(_("Name"), width=28), Column(_("Email"), width=28),
               Column(_("Role"), width=28), Column(_("Scope"), width=36), Column(_("Status"), width=10),
               Column(_("Created"), "datetime"), Column(_("Last login"), "datetime")]
    return xlsx_response(f"pengguna-{config.slug}", _("Users"), columns, rows, tz=config.timezone)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.role.choices = [("", "—")] + list(role_names().items())
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).where(
        PerangkatDaerah.aktif.is_(True)).order_by(PerangkatDaerah.nama)).all()
    form.perangkat_daerah_id.choices = [("", "—")] + [(str(a.id), a.nama) for a in agencies]
    form.dapil.choices = [("", "—")] + [(d.code, d.name) for d in tenant_config().dapil]
    if request.method == "GET" and user is not None:
        form.version.data = str(user.version)
        form.wilayah_kode.data = user.wilayah.kode if user.wilayah else ""
        form.perangkat_daerah_id.data = str(user.perangkat_daerah_id or "")
        form.dapil.data = user.dapil or ""
    if user is not None and user.wilayah and form.wilayah_kode.data == user.wilayah.kode:
        from ..wilayah.labels import unit_label  # the picker shows the name, submits the code

        form.wilayah_kode.render_kw = {**form.wilayah_kode.render_kw,
                                       "data-picker-label": unit_label(user.wilayah)}
    return form


def _save_user(user: User | None):
    form = _user_form(user)
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in (
            "username", "nama", "email", "role", "wilayah_kode", "perangkat_daerah_id", "dapil", "aktif")}
        outcome = operations.save_user(
            current_tenant_id(), current_user, values, {d.code for d in tenant_config().dapil},
            user=user, password=form.password.data or None,
            expected_version=request.form.get("version"))
        if outcome.ok:
            flash(_("Account %(name)s saved.", name=outcome.obj.username), "success")
            return redirect(url_for("admin.users"))
        if outcome.message == operations.STALE:
            flash(_("Someone else changed this account while you were editing. Nothing was saved; "
                    "the form shows the current values."), "danger")
            flash_conflict(user, request.form.get("version"), form)
            return redirect(url_for("admin.edit_user", user_id=user.id))
        for name, message in outcome.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + [message]
    status = 422 if form.errors else 200
    active = sessions.store().active(user.tenant_id, user.id, utcnow()) if user is not None else []
    waits = throttle.status(user.tenant_id, user.username) if user is not None else None
    return render_template("admin/user_form.html", form=form, user=user, active_sessions=active,
                           this_session=sessions.current(), login_waits=waits), status


@bp.post("/pengguna/<int:user_id>/sesi")
@admin_required
def end_sessions(user_id: int):
    """End one session of the account (``sesi``=its id) or all of them (``sesi``=all)."""
    user = tenant_get(User, user_id) or abort(404)
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    which = request.form.get("sesi", "all")
    if which != "all" and parse_id(which) is None:  # "²" or beyond a database integer
        abort(400)
    count = end_sessions_by_admin(user, current_user, None if which == "all" else parse_id(which))
    flash(ngettext("%(num)d session of %(name)s ended.", "%(num)d sessions of %(name)s ended.",
                   count, name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id)), 303


@bp.post("/pengguna/<int:user_id>/buka-blokir")
@admin_required
def clear_login_waits(user_id: int):
    """Clear the account's failed-login counters (and those of the addresses they came from):
    the person may log in at once, wherever the failures came from. Kept in the history."""
    user = tenant_get(User, user_id) or abort(404)
    if not Form().validate_on_submit():
        abort(400)
    events.event("auth.unlocked", user=user, actor=current_user, reason=_("failed logins cleared"))
    db.session.flush()  # the history entry is ready before the counters go
    held = throttle.clear(user.tenant_id, user.username)
    db.session.commit()
    if held:
        flash(_("The failed logins of %(name)s were cleared: they can log in at once.", name=user.username),
              "success")
    else:
        flash(_("%(name)s had no failed logins to clear.", name=user.username), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id, _anchor="login-waits")), 303


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@admin_required
@reauth_required
def new_user():
    return _save_user(None)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@admin_required
@reauth_required
def edit_user(user_id: int):
    user = tenant_get(User, user_id) or abort(404)
    return _save_user(user)


@bp.get("/pengguna/<int:user_id>/riwayat")
@admin_required
def user_history(user_id: int):
    user = tenant_get(User, user_id) or abort(404)
    entries = page_of(tenant_select(AuditEntry).where(  # its changes and its logins, refusals
        AuditEntry.object_type.in_((User.__tablename__, AUTH_EVENTS)), AuditEntry.object_id == user.id)
        .order_by(AuditEntry.id.desc()))
    return render_template("admin/history.html", subject=user.username, entries=entries,
                           back=url_for("admin.edit_user", user_id=user.id))


# ---- Perangkat Daerah --------------------------------------------------------------------

@bp.get("/perangkat-daerah")
@admin_required
def agencies():
    query = tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.kode)
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        query = query.where(or_(PerangkatDaerah.nama.ilike(_like(text)),
                                PerangkatDaerah.singkatan.ilike(_like(text)),
                                PerangkatDaerah.kode.startswith(text, autoescape=True)))
    if request.args.get("format") == "xlsx":
        from ..exports.excel import Column, xlsx_response

        rows = ((pd.kode, pd.nama, pd.singkatan or "", _("active") if pd.aktif else _("disabled"))
                for pd in db.session.scalars(query))
        columns = [Column(_("Code"), width=20), Column(_("Name"), width=40), Column(_("Short name"), width=16),
                   Column(_("Status"), width=10)]
        return xlsx_response(f"perangkat-daerah-{tenant_config().slug}", _("Agencies"), columns, rows,
                             tz=tenant_config().timezone)
    return render_template("admin/agencies.html", pagination=page_of(query), q=text)


def _save_agency(pd: PerangkatDaerah | None):
    form = PerangkatDaerahForm(obj=pd)
    if request.method == "GET" and pd is not None:
        form.version.data = str(pd.version)
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in ("kode", "nama", "singkatan", "aktif")}
        outcome = operations.save_perangkat_daerah(current_tenant_id(), current_user, values, pd=pd,
                                                   expected_version=request.form.get("version"))
        if outcome.ok:
            flash(_("Agency %(name)s saved.", name=outcome.obj.nama), "success")
            return redirect(url_for("admin.agencies"))
        if outcome.message == operations.STALE:
            flash(_("Someone else changed this agency while you were editing. Nothing was saved; "
                    "the form shows the current values."), "danger")
            flash_conflict(pd, request.form.get("version"), form)
            return redirect(url_for("admin.edit_agency", pd_id=pd.id))
        for name, message in outcome.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + [message]
    status = 422 if form.errors else 200
    return render_template("admin/agency_form.html", form=form, pd=pd), status


@bp.route("/perangkat-daerah/baru", methods=["GET", "POST"])
@admin_required
def new_agency():
    return _save_agency(None)


@bp.route("/perangkat-daerah/<int:pd_id>", methods=["GET", "POST"])
@admin_required
def edit_agency(pd_id: int):
    pd = tenant_get(PerangkatDaerah, pd_id) or abort(404)
    return _save_agency(pd)

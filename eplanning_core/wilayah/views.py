"""Browsing the region's units and keeping a unit's profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_

from ..accounts.scope import can_edit_wilayah, wilayah_clause
from ..conflicts import flash_conflict
from ..extensions import db
from ..paging import page_of
from ..tenancy.context import tenant_config, tenant_select
from . import operations
from .forms import ProfilForm
from .models import Wilayah

bp = Blueprint("wilayah", __name__, url_prefix="/wilayah")


def scoped_units():
    """Units of this region that the current user may read."""
    return tenant_select(Wilayah).where(wilayah_clause(current_user))


def get_unit_or_404(unit_id: int) -> Wilayah:
    unit = db.session.scalar(scoped_units().where(Wilayah.id == unit_id))
    if unit is None:
        abort(404)
    return unit


@bp.get("/")
@login_required
def index():
    query = scoped_units()
    tingkat = request.args.get("tingkat", type=int)
    if tingkat in (1, 2, 3):
        query = query.where(Wilayah.tingkat == tingkat)
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        query = query.where(or_(Wilayah.nama.ilike(f"%{text}%", escape="\\"),
                                Wilayah.kode.startswith(text, autoescape=True)))
    if request.args.get("format") == "xlsx":
        return _export(query.order_by(Wilayah.kode))
    pagination = page_of(query.order_by(Wilayah.kode))
    return render_template("wilayah/index.html", pagination=pagination, tingkat=tingkat, q=text,
                           levels=tenant_config().levels)


def _export(query):
    """The filtered units as Excel: codes, names, levels and the office details."""
    from ..exports.excel import Column, xlsx_response

    config = tenant_config()
    rows = ((u.kode, u.nama, config.level_name(u.tingkat), u.jenis or "", u.nama_kepala or "",
             u.alamat_kantor or "", u.telepon_kantor or "")
            for u in db.session.scalars(query.execution_options(yield_per=2000)))
    columns = [Column(_("Code"), width=18), Column(_("Name"), width=30), Column(_("Level"), width=14),
               Column(_("Kind"), width=12), Column(_("Head of the unit"), width=24),
               Column(_("Office address"), width=30), Column(_("Office phone"), width=16)]
    return xlsx_response(f"wilayah-{config.slug}", _("Units"), columns, rows, tz=config.timezone)


@bp.get("/<int:unit_id>")
@login_required
def detail(unit_id: int):
    unit = get_unit_or_404(unit_id)
    children = page_of(scoped_units().where(Wilayah.parent_id == unit.id).order_by(Wilayah.kode))
    return render_template("wilayah/detail.html", unit=unit, children=children,
                           can_edit=can_edit_wilayah(current_user, unit),
                           ancestors=_ancestors(unit))


def _ancestors(unit: Wilayah) -> list[Wilayah]:
    chain, node = [], unit.parent
    while node is not None:
        chain.insert(0, node)
        node = node.parent
    return chain


@bp.route("/<int:unit_id>/profil", methods=["GET", "POST"])
@login_required
def edit_profile(unit_id: int):
    unit = get_unit_or_404(unit_id)
    if not can_edit_wilayah(current_user, unit):
        abort(403)
    form = ProfilForm(obj=unit)
    if request.method == "GET":
        form.version.data = str(unit.version)
    if form.validate_on_submit():
        result = operations.update_profile(unit, current_user, request.form.get("version"), {
            "nama_kepala": form.nama_kepala.data, "alamat_kantor": form.alamat_kantor.data,
            "telepon_kantor": form.telepon_kantor.data})
        if result.ok:
            flash(_("Profile of %(unit)s saved.", unit=unit.nama), "success")
            return redirect(url_for("wilayah.detail", unit_id=unit.id))
        flash(result.message, "danger")
        flash_conflict(unit, request.form.get("version"), form)
        form.version.data = str(unit.version)
    return render_template("wilayah/profil.html", unit=unit, form=form), 200 if not form.errors else 422

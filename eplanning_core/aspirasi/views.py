"""The unit's inbox of aspirations (login): read one, turn it into a proposal, merge it into
one, decline it with a reason, or mark it as spam. Operators see their unit's subtree, Bappeda
and viewers the region's (read only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..extensions import db
from ..kamus.models import BIDANG
from ..paging import page_of
from ..portal.labels import BIDANG_LABELS
from ..tenancy.context import tenant_config
from . import operations as ops
from .labels import INBOX_LABELS, KONTAK_LABELS, STATUS_LABELS
from .models import Aspirasi, AspirasiFoto

bp = Blueprint("aspirasi", __name__, url_prefix="/aspirasi")


def _reader():
    if not ops.may_read(current_user):
        abort(403)


@bp.get("/")
@login_required
def inbox():
    _reader()
    status = request.args.get("status", "masuk")
    if status not in INBOX_LABELS:
        status = "masuk"
    clause = ops.visible_clause(current_user)
    counts = dict(db.session.execute(select(Aspirasi.status, func.count(Aspirasi.id)).where(*clause)
                                     .group_by(Aspirasi.status)).all())
    query = (select(Aspirasi).where(*clause, Aspirasi.status == status)
             .options(db.joinedload(Aspirasi.wilayah)).order_by(Aspirasi.id.desc()))
    return render_template("aspirasi/inbox.html", pagination=page_of(query), status=status, counts=counts,
                           filters=INBOX_LABELS, labels=STATUS_LABELS, config=tenant_config())


def _get(aspirasi_id: int) -> Aspirasi:
    _reader()
    aspirasi = ops.get_visible(current_user, aspirasi_id)
    if aspirasi is None:
        abort(404)
    return aspirasi


def _show(aspirasi: Aspirasi, errors: dict | None = None, values: dict | None = None, status: int = 200):
    photos = db.session.scalars(select(AspirasiFoto.id).where(AspirasiFoto.aspirasi_id == aspirasi.id)
                                .order_by(AspirasiFoto.id)).all()
    can_act = ops.may_act(current_user, aspirasi) and aspirasi.status == "masuk"
    stages = ops.creatable_stages(current_user) if can_act else []
    usulan = None
    if aspirasi.usulan_id:
        from ..usulan.models import Usulan

        usulan = db.session.get(Usulan, aspirasi.usulan_id)
    return render_template("aspirasi/detail.html", aspirasi=aspirasi, photos=photos, can_act=can_act,
                           stages=stages, errors=errors or {}, values=values or {}, labels=STATUS_LABELS,
                           kontak_labels=KONTAK_LABELS, bidang=[(b, BIDANG_LABELS[b]) for b in BIDANG],
                           usulan=usulan, config=tenant_config()), status


@bp.get("/<int:aspirasi_id>")
@login_required
def detail(aspirasi_id: int):
    return _show(_get(aspirasi_id))


@bp.post("/<int:aspirasi_id>/tindak-lanjut")
@login_required
def follow_up(aspirasi_id: int):
    aspirasi = _get(aspirasi_id)
    if not ops.may_act(current_user, aspirasi):
        abort(403)
    values = request.form.to_dict()
    action = values.get("tindakan", "")
    outcome = ops.follow_up(aspirasi, current_user, action, values)
    if outcome.ok:
        if action == "usulkan":
            flash(_("Proposal %(code)s made from the aspiration %(kode)s.", code=outcome.usulan.kode_lacak,
                    kode=aspirasi.kode), "success")
            return redirect(url_for("usulan.detail", usulan_id=outcome.usulan.id), 303)
        flash({"gabung": _("Aspiration %(kode)s merged into %(code)s.", kode=aspirasi.kode,
                           code=outcome.usulan.kode_lacak if outcome.usulan else ""),
               "tolak": _("Aspiration %(kode)s declined; the citizen reads your reason.", kode=aspirasi.kode),
               "spam": _("Aspiration %(kode)s marked as spam.", kode=aspirasi.kode)}.get(action, ""), "success")
        return redirect(url_for("aspirasi.inbox"), 303)
    if outcome.message and not outcome.errors:
        flash(outcome.message, "danger")
    current = ops.get_visible(current_user, aspirasi_id) or aspirasi
    return _show(current, outcome.errors, dict(values, tindakan=action), outcome.status)


@bp.get("/<int:aspirasi_id>/foto")
@login_required
def photo(aspirasi_id: int):
    from ..ids import parse_id
    from ..uploads import send_stored

    aspirasi = _get(aspirasi_id)
    foto = db.session.scalar(select(AspirasiFoto).where(AspirasiFoto.aspirasi_id == aspirasi.id,
                                                        AspirasiFoto.id == (parse_id(request.args.get("f")) or 0)))
    if foto is None:
        abort(404)
    return send_stored(foto.tenant_id, foto.nama_simpan, foto.mime, foto.nama_asli)

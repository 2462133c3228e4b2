"""e-Aspirasi's public pages (no login): the form, the confirmation code, the citizen's
tracking page, and following a proposal by email.

The form pages carry a CSRF token (a session per visitor), so they are never kept by the
portal's page cache; the tracking page holds nothing personal and is kept by the history
head like every portal page (each change of an aspiration writes a history entry).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.throttle import client_address
from ..extensions import db
from ..notifications import mail
from ..portal import queries
from ..portal.labels import tz_abbreviation
from ..portal.pagecache import cached
from ..portal.views import public
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id, tenant_config
from ..usulan.engine_adapter import cycle_for
from ..usulan.messages import status_name
from ..usulan.models import Usulan
from ..wilayah.models import Wilayah
from . import follows, operations as ops
from .labels import STATUS_LABELS

bp = Blueprint("aspirasi_publik", __name__, url_prefix="/publik")


@bp.record_once
def _listen(_state) -> None:
    ops.init_listeners()
    follows.init_listeners()


def _private(response):
    """A page with a form (CSRF token) or a person's answer: never shared by a proxy."""
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- units to choose from ------------------------------------------------------------------------

def _choices(tenant_id: int, parent_code: str | None):
    """(parents, units, parent): with three levels a visitor first chooses the village (one
    short list), then the unit under it; with fewer, the lowest units at once."""
    level = ops.lowest_level(tenant_id)
    if level < 3:
        units = db.session.scalars(select(Wilayah).where(Wilayah.tenant_id == tenant_id, Wilayah.tingkat == level)
                                   .order_by(Wilayah.kode)).all()
        return [], units, None
    parents = db.session.scalars(select(Wilayah).where(Wilayah.tenant_id == tenant_id, Wilayah.tingkat == level - 1)
                                 .order_by(Wilayah.nama)).all()
    parent = next((p for p in parents if p.kode == parent_code), None) if parent_code else None
    units = []
    if parent is not None:
        units = db.session.scalars(select(Wilayah).where(
            Wilayah.tenant_id == tenant_id, Wilayah.tingkat == level,
            Wilayah.kode.startswith(parent.kode + ".", autoescape=True)).order_by(Wilayah.kode)).all()
    return parents, units, parent


def _parent_of(tenant_id: int, unit_id) -> str | None:
    unit = ops.lowest_unit(tenant_id, unit_id)
    return unit.kode.rsplit(".", 1)[0] if unit is not None and unit.tingkat >= 3 else None


@bp.route("/aspirasi", methods=["GET", "POST"])
def form():
    tenant_id, config = current_tenant_id(), tenant_config()
    closed = ops.closed_message()
    values, errors, message, status = {}, {}, None, 200
    if request.method == "POST" and not closed:
        values = request.form.to_dict()
        outcome = ops.submit(values, request.files.getlist("foto"), client_address())
        if outcome.ok:
            target = "aspirasi_publik.confirm" if outcome.aspirasi.status == "menunggu_konfirmasi" \
                else "aspirasi_publik.track"
            return redirect(url_for(target, kode=outcome.aspirasi.kode, baru=1), 303)
        errors, message, status = outcome.errors, outcome.message, outcome.status
    elif request.method == "POST":
        message, status = closed, 403
    parent_code = request.values.get("induk") or _parent_of(tenant_id, values.get("wilayah_id"))
    parents, units, parent = _choices(tenant_id, (parent_code or "")[:40])
    level = ops.lowest_level(tenant_id)
    return _private(make_response(render_template(
        "aspirasi/form.html", closed=closed, values=values, errors=errors, message=message,
        parents=parents, units=units, parent=parent,
        level_name=config.level_name(level) if level else "", parent_level_name=config.level_name(level - 1)
        if level > 1 else "", confirm_by_mail=mail.configured(), max_photos=ops.MAX_PHOTOS,
        max_photo_mb=int(current_app.config.get("UPLOAD_MAX_IMAGE_BYTES", 5 * 1024 * 1024)) // (1024 * 1024)),
        status))


def _found(kode: str):
    aspirasi = ops.find(current_tenant_id(), kode)
    if aspirasi is None:
        abort(404)
    return aspirasi


@bp.route("/aspirasi/<kode>/konfirmasi", methods=["GET", "POST"])
def confirm(kode: str):
    aspirasi = _found(kode)
    if aspirasi.status != "menunggu_konfirmasi":
        return redirect(url_for("aspirasi_publik.track", kode=aspirasi.kode), 303)
    error, status = None, 200
    if request.method == "POST":
        outcome = ops.confirm(aspirasi, request.form.get("kode_konfirmasi"))
        if outcome.ok:
            return redirect(url_for("aspirasi_publik.track", kode=aspirasi.kode, baru=1), 303)
        error, status = outcome.message, outcome.status
    return _private(make_response(render_template(
        "aspirasi/confirm.html", aspirasi=aspirasi, error=error, new=bool(request.args.get("baru"))), status))


@bp.get("/aspirasi/<kode>")
@public
@cached
def track(kode: str):
    aspirasi = ops.find(current_tenant_id(), kode)
    if aspirasi is None:
        return make_response(render_template("portal/not_found.html", message=kode[:40]), 404)
    usulan = steps = stages = None
    if aspirasi.usulan_id is not None:
        usulan = db.session.scalar(select(Usulan).where(Usulan.tenant_id == aspirasi.tenant_id,
                                                        Usulan.id == aspirasi.usulan_id))
        cycle = cycle_for(db.session.get(Siklus, usulan.siklus_id))
        steps = queries.timeline(usulan, cycle)
        stages = {s.key: s.name for s in cycle.stages}
    return render_template("aspirasi/track.html", aspirasi=aspirasi, usulan=usulan, steps=steps,
                           stages=stages or {}, labels=STATUS_LABELS, status_name=status_name,
                           unit=tenant_config().unit_label(aspirasi.wilayah.tingkat, aspirasi.wilayah.nama),
                           tz=tz_abbreviation(tenant_config().timezone), new=bool(request.args.get("baru")))


# ---- following a proposal by email ----------------------------------------------------------------

def _proposal(kode: str) -> Usulan:
    code = queries.normalise_code(kode)
    usulan = db.session.scalar(select(Usulan).where(Usulan.tenant_id == current_tenant_id(),
                                                    Usulan.kode_lacak == code)) if code else None
    if usulan is None:
        abort(404)
    return usulan


@bp.route("/usulan/<kode>/ikuti", methods=["GET", "POST"])
def follow(kode: str):
    usulan = _proposal(kode)
    error, sent, status, email = None, False, 200, ""
    if request.method == "POST":
        email, kind = ops.normalise_contact(request.form.get("email"))
        if not mail.configured():
            error, status = _("This region sends no email yet. Bookmark the proposal's page instead."), 409
        elif kind != "email":
            error, status, email = _("An email address, for example nama@contoh.id."), 422, ""
        else:
            limited = ops.rate_limited(usulan.tenant_id, client_address(), email, "ikuti")
            if limited:
                error, status = limited, 429
            else:
                try:
                    follows.request_follow(usulan, email)
                    sent = True
                except Exception as exc:  # noqa: BLE001  (SMTP down: nothing was kept)
                    current_app.logger.warning("follow: confirmation not sent: %s", exc)
                    error, status = _("The message could not be sent. Nothing was saved; please try "
                                      "again later."), 503
    return _private(make_response(render_template(
        "aspirasi/follow.html", usulan=usulan, error=error, sent=sent, email=email if not sent else "",
        mail_ready=mail.configured()), status))


@bp.route("/ikuti/konfirmasi", methods=["GET", "POST"])
def follow_confirm():
    token = request.values.get("t", "")
    done = None
    if request.method == "POST":
        done = follows.confirm(current_tenant_id(), token)
        if done is None:
            return _private(make_response(render_template("aspirasi/follow_done.html", state="invalid"), 404))
        return _private(render_template("aspirasi/follow_done.html", state="aktif", usulan=db.session.get(
            Usulan, done.usulan_id)))
    return _private(render_template("aspirasi/follow_done.html", state="ask", token=token[:300]))


@bp.get("/ikuti/berhenti")
def follow_stop():
    """One click from the message: this address no longer follows that proposal."""
    done = follows.stop(current_tenant_id(), request.args.get("t", ""))
    if done is None:
        return _private(make_response(render_template("aspirasi/follow_done.html", state="invalid"), 404))
    return _private(render_template("aspirasi/follow_done.html", state="berhenti",
                                    usulan=db.session.get(Usulan, done.usulan_id)))


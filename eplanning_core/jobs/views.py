"""The job pages: one job's progress (/tugas/<id>, polled as JSON), its download, my jobs.

A job is seen by the person who started it and by Bappeda's administrators of its region;
anyone else gets the same 404 as for a job that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..paging import page_of
from ..tenancy.context import current_tenant_id, tenant_get
from ..timeutil import utcnow
from . import files, kinds, operations
from .models import DONE, EXPIRED, FAILED, QUEUED, RUNNING, Tugas

bp = Blueprint("tugas", __name__, url_prefix="/tugas")


def state_labels() -> dict[str, str]:
    return {QUEUED: _("Waiting"), RUNNING: _("Running"), DONE: _("Done"), FAILED: _("Failed"),
            EXPIRED: _("Expired")}


def visible_or_404(tugas_id: int) -> Tugas:
    tugas = tenant_get(Tugas, tugas_id)
    if tugas is None or not (current_user.is_admin or tugas.user_id == current_user.id):
        abort(404)
    if operations.is_running(tugas) and operations.sweep_one(tugas):  # its worker died: retry or fail now
        db.session.expire(tugas)
    return tugas


def _eta_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return ngettext("about %(num)d second left", "about %(num)d seconds left", max(1, seconds))
    minutes = round(seconds / 60)
    return ngettext("about %(num)d minute left", "about %(num)d minutes left", minutes)


def status_of(tugas: Tugas) -> dict:
    """What the progress page shows, as JSON for its script (and its first render)."""
    done, total = tugas.done_count or 0, tugas.total_count
    percent = 100 if tugas.status == DONE else (min(100, int(done * 100 / total)) if total else 0)
    eta = None
    if tugas.status == RUNNING and total and 0 < done < total and tugas.started_at:
        elapsed = max(0.001, (utcnow() - tugas.started_at).total_seconds())
        eta = int((total - done) * elapsed / done)
    if tugas.status == RUNNING and total and done >= total:
        step = _("Writing…")
    elif tugas.status in (RUNNING, DONE) and total:
        shown_done, shown_total = (format(n, ",").replace(",", ".") for n in (done, total))
        step = _("%(done)s of %(total)s rows", done=shown_done, total=shown_total)
    elif tugas.status == RUNNING:
        step = _("Preparing…")
    else:
        step = ""
    return {"id": tugas.id, "status": tugas.status, "state": state_labels()[tugas.status],
            "finished": tugas.finished, "done": done, "total": total, "percent": percent,
            "step": step, "eta_seconds": eta, "eta": _eta_text(eta), "error": tugas.error,
            "download": url_for("tugas.download", tugas_id=tugas.id) if tugas.status == DONE and tugas.file_path else None,
            "report": tugas.report_data}


@bp.get("/")
@login_required
def mine():
    jobs = page_of(select(Tugas).where(Tugas.tenant_id == current_tenant_id(), Tugas.user_id == current_user.id)
                   .order_by(Tugas.id.desc()))
    return render_template("jobs/list.html", jobs=jobs, states=state_labels(), kinds=kinds)


@bp.get("/<int:tugas_id>")
@login_required
def show(tugas_id: int):
    tugas = visible_or_404(tugas_id)
    return render_template("jobs/show.html", tugas=tugas, status=status_of(tugas), kinds=kinds)


@bp.get("/<int:tugas_id>/status")
@login_required
def status(tugas_id: int):
    response = jsonify(status_of(visible_or_404(tugas_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:tugas_id>/unduh")
@login_required
def download(tugas_id: int):
    tugas = visible_or_404(tugas_id)
    if tugas.status != DONE or not tugas.file_path:
        abort(404)
    try:
        path = files.absolute(tugas.file_path)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=tugas.file_type, as_attachment=True, download_name=tugas.file_name,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response

"""Bappeda's e-Budgeting screens: the locked RKPD to download, the APBD file to upload, the
history of imports and the reconciliation of the budget against the plan.

The operations live in export, importer and reconciliation; these pages read forms, call
them and show their problems (with line numbers) in the user's language. The RKPD files the
page prepares and the APBD uploads run as background jobs (jobs/), with a progress page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from werkzeug.utils import secure_filename
from wtforms import BooleanField

from ..accounts.admin import admin_required
from ..accounts.models import PerangkatDaerah, User
from ..database_routing import reads_replica
from ..exports.excel import Column, attachment_response, xlsx_response
from ..extensions import db
from ..forms import Form
from ..paging import page_of, page_of_list
from ..siklus.current import all_cycles, current_cycle
from ..tenancy.context import tenant_config, tenant_select
from . import export, reconciliation
from .models import AnggaranImpor

bp = Blueprint("anggaran", __name__, url_prefix="/anggaran")

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_ENDPOINTS = {"anggaran.upload"}


class BudgetImportForm(Form):
    file = FileField(_l("APBD file (CSV or Excel .xlsx, at most 10 MB)"),
                     validators=[FileRequired(_l("Choose a file.")),
                                 FileAllowed(["csv", "xlsx"], _l("Only CSV (.csv) or Excel (.xlsx) files."))])
    final = BooleanField(
        _l("This is the final, complete APBD: every planned item that no line names becomes not funded"))


@bp.url_value_preprocessor
def _limit_uploads(endpoint, values):
    """Cap the request body of the upload page before anything (CSRF included) reads it."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD + 64 * 1024


@bp.context_processor
def _helpers():
    return {"kind_labels": reconciliation.KIND_LABELS}


def _cycle_or_404(tahun: int):
    return export.cycle_by_year(tahun) or abort(404)


# ---- overview -------------------------------------------------------------------------------

@bp.get("/")
@admin_required
def index():
    siklus = current_cycle()
    if siklus is None:
        return render_template("anggaran/none.html"), 404
    return redirect(url_for("anggaran.cycle", tahun=siklus.tahun))


@bp.get("/<int:tahun>")
@admin_required
def cycle(tahun: int):
    siklus = _cycle_or_404(tahun)
    imports = page_of(
        select(AnggaranImpor).where(AnggaranImpor.tenant_id == siklus.tenant_id, AnggaranImpor.siklus_id == siklus.id)
        .order_by(AnggaranImpor.id.desc()))
    finals = _final_imports(siklus, [impor.id for impor in imports.items])
    user_ids = {impor.user_id for impor in imports.items if impor.user_id}
    names = dict(db.session.execute(select(User.id, User.nama).where(User.id.in_(user_ids))).all()) if user_ids else {}
    counts, report = None, None
    if siklus.status == "rkpd_ditetapkan":
        report = reconciliation.reconcile(siklus)
        counts = report.counts()
    return render_template("anggaran/index.html", siklus=siklus, cycles=all_cycles(), imports=imports,
                           finals=finals, names=names, counts=counts, report=report)


def _final_imports(siklus, ids: list[int]) -> set[int]:
    from ..audit.models import AuditEntry

    if not ids:
        return set()
    return set(db.session.scalars(select(AuditEntry.object_id).where(
        AuditEntry.tenant_id == siklus.tenant_id, AuditEntry.action == "anggaran.impor_final",
        AuditEntry.object_type == AnggaranImpor.__tablename__, AuditEntry.object_id.in_(ids))))


# ---- the RKPD out ---------------------------------------------------------------------------

@bp.get("/<int:tahun>/rkpd.<fmt>")
@admin_required
@reads_replica  # the RKPD out: a read of a locked plan
def download(tahun: int, fmt: str):
    siklus = _cycle_or_404(tahun)
    if fmt not in export.FORMATS:
        abort(404)
    try:
        plan = export.rkpd(siklus)
    except export.RkpdNotLocked as refused:
        flash(refused.message, "warning")
        return redirect(url_for("anggaran.cycle", tahun=tahun)), 303
    mimetype, write = export.FORMATS[fmt]
    return attachment_response(write(plan), export.filename(siklus, fmt), mimetype)


@bp.post("/<int:tahun>/rkpd.<fmt>")
@admin_required
def prepare(tahun: int, fmt: str):
    """The page's way to the file: a background job with a progress page (jobs/)."""
    from ..jobs import operations as jobs

    siklus = _cycle_or_404(tahun)
    if fmt not in export.FORMATS:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if siklus.status != "rkpd_ditetapkan":
        flash(export.not_locked_message(siklus), "warning")
        return redirect(url_for("anggaran.cycle", tahun=tahun)), 303
    tugas = jobs.start("rkpd_export", {"tahun": tahun, "fmt": fmt}, current_user)
    return redirect(url_for("tugas.show", tugas_id=tugas.id)), 303


@bp.post("/<int:tahun>/rkpd-pdf")
@admin_required
def prepare_pdf(tahun: int):
    """The printed RKPD, of one agency (``pd``) or of the region: a background job, the set
    plan or (before Penetapan) the draft (budgeting/export.py: report_pdf)."""
    from ..jobs import operations as jobs

    siklus = _cycle_or_404(tahun)
    if not Form().validate_on_submit():
        abort(400)
    params = {"tahun": tahun, "pd": None, "pd_nama": None}
    pd = (request.form.get("pd") or "").strip()
    if pd:
        agency = db.session.scalar(tenant_select(PerangkatDaerah).where(
            PerangkatDaerah.id == (int(pd) if pd.isdigit() and len(pd) < 10 else -1)))
        if agency is None:
            abort(404)
        params.update(pd=agency.id, pd_nama=agency.nama)
    tugas = jobs.start("rkpd_pdf", params, current_user)
    return redirect(url_for("tugas.show", tugas_id=tugas.id)), 303


# ---- the APBD in ----------------------------------------------------------------------------

def _uploaded(form) -> bytes | None:
    data = form.file.data.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        form.file.errors = list(form.file.errors) + [_("The file is larger than 10 MB.")]
        return None
    return data


@bp.route("/<int:tahun>/impor", methods=["GET", "POST"])
@admin_required
def upload(tahun: int):
    siklus = _cycle_or_404(tahun)
    form = BudgetImportForm()
    result, status = None, 200
    if form.validate_on_submit():
        data = _uploaded(form)
        if data is not None:
            name = secure_filename(form.file.data.filename or "") or "apbd.csv"
            from ..jobs import operations as jobs

            # Checked and written by a background job; its page shows the progress and the report.
            tugas = jobs.start("anggaran_import", {"tahun": tahun, "name": name, "final": bool(form.final.data)},
                               current_user, upload=(name, data))
            return redirect(url_for("tugas.show", tugas_id=tugas.id)), 303
    if request.method == "POST":
        status = 422
    return render_template("anggaran/import.html", siklus=siklus, form=form, result=result), status


# ---- the reconciliation ---------------------------------------------------------------------

def _filters() -> dict:
    return {"jenis": request.args.get("jenis", "") if request.args.get("jenis") in reconciliation.KINDS else "",
            "pd": (request.args.get("pd") or "").strip()[:40],
            "q": (request.args.get("q") or "").replace("\x00", "").strip()[:100]}


@bp.get("/<int:tahun>/rekonsiliasi")
@admin_required
def reconcile(tahun: int):
    siklus = _cycle_or_404(tahun)
    try:
        report = reconciliation.reconcile(siklus)
    except export.RkpdNotLocked as refused:
        flash(refused.message, "warning")
        return redirect(url_for("anggaran.cycle", tahun=tahun)), 303
    filters = _filters()
    found = report.filtered(filters["jenis"] or None, filters["pd"] or None, filters["q"] or None)
    if request.args.get("format") == "xlsx":
        return _export_findings(siklus, found)
    page = page_of_list(found)
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.kode)).all()
    return render_template("anggaran/reconcile.html", siklus=siklus, report=report, counts=report.counts(),
                           pagination=page, filters=filters, kinds=reconciliation.KINDS, agencies=agencies)


def _export_findings(siklus, found):
    columns = [Column(_("Finding"), width=34), Column(_("Budget line"), width=18), Column(_("Tracking code"), width=18),
               Column(_("Agency code"), width=14), Column(_("Agency"), width=26), Column(_("Sub kegiatan"), width=20),
               Column(_("Description"), width=40), Column(_("Budget amount"), "rupiah"), Column(_("Pagu"), "rupiah"),
               Column(_("Difference"), "rupiah"), Column(_("History"), width=40)]
    root = request.url_root.rstrip("/")
    rows = ((str(reconciliation.KIND_LABELS[f.kind]), f.external_id, f.kode_lacak, f.perangkat_daerah_kode,
             f.perangkat_daerah_nama, f.sub_kegiatan_kode, f.uraian, f.jumlah, f.pagu, f.selisih,
             root + f.riwayat_url if f.riwayat_url else None) for f in found)
    config = tenant_config()
    return xlsx_response(f"rekonsiliasi-{config.slug}-{siklus.tahun}", _("Reconciliation"), columns, rows,
                         tz=config.timezone)


"""The execution screens: the agency enters and imports what became of its funded items;
Bappeda (and readers) see every agency's progress against the plan.

- ``/realisasi/``: an agency's funded items with their progress; for Bappeda and readers
  planned vs funded vs realised per agency (``?pd=<id>``: that agency's items).
- ``/realisasi/<usulan_id>``: one item's execution and milestones; the agency adds one.
- ``/realisasi/<usulan_id>/rencana``: the item's funding sources and output indicator.
- ``/realisasi/impor``: an execution report (CSV/Excel) as a background job.
- ``/realisasi/foto/<id>``: a milestone's photo; public, as the portal shows the execution.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from sqlalchemy import select
from werkzeug.utils import secure_filename
from wtforms import SelectField, StringField, TextAreaField

from ..accounts.models import Role
from ..extensions import db
from ..forms import Form
from ..siklus.current import all_cycles, current_cycle
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id, tenant_config
from ..usulan.engine_adapter import cycle_for
from ..usulan.scope import get_usulan
from . import importer, operations, queries
from .models import IndikatorKeluaran, RealisasiFoto, SumberDana

bp = Blueprint("realisasi", __name__, url_prefix="/realisasi")

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_ENDPOINTS = {"realisasi.upload", "realisasi.item"}
READERS = (Role.BAPPEDA.value, Role.VIEWER.value, Role.OPERATOR_PD.value)
SOURCE_ROWS = 4


@bp.url_value_preprocessor
def _limit_uploads(endpoint, values):
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD + 64 * 1024


@bp.app_context_processor
def _public_execution():
    """The portal's proposal page ends with the execution (templates/portal/_execution.html)."""
    from .public import execution

    return {"realisasi_publik": execution}


@bp.context_processor
def _helpers():
    return {"status_labels": operations.STATUS_LABELS}


class MilestoneForm(Form):
    tanggal = StringField(_l("Date of the milestone"), render_kw={"type": "date"})
    progres = StringField(_l("Physical progress (%)"), render_kw={"inputmode": "numeric"})
    realisasi_jumlah = StringField(_l("Realised amount so far (Rp)"), render_kw={"inputmode": "numeric"})
    status = SelectField(_l("State"), choices=[("berjalan", _l("In progress")), ("selesai", _l("Completed")),
                                              ("gagal", _l("Failed"))], validate_choice=False)
    alasan = TextAreaField(_l("Reason (when failed), or the handover note (when completed)"))
    catatan = TextAreaField(_l("Note"))
    alasan_terlambat = StringField(_l("Reason for reporting after the budget year"))
    kontrak_nomor = StringField(_l("Contract number"))
    kontrak_tanggal = StringField(_l("Contract date"), render_kw={"type": "date"})
    kontrak_nilai = StringField(_l("Contract value (Rp)"), render_kw={"inputmode": "numeric"})
    kontrak_akhir = StringField(_l("Contract end date"), render_kw={"type": "date"})
    foto = MultipleFileField(_l("Photos (JPEG, PNG or WebP)"))


class ReportImportForm(Form):
    file = FileField(_l("Execution report (CSV or Excel .xlsx, at most 10 MB)"),
                     validators=[FileRequired(_l("Choose a file.")),
                                 FileAllowed(["csv", "xlsx"], _l("Only CSV (.csv) or Excel (.xlsx) files."))])


def _plan_form_class():
    names = [("", "—")] + [(name, name) for name in tenant_config().funding_sources]
    attrs = {"indikator": StringField(_l("Output indicator")), "target": StringField(_l("Target")),
             "satuan": StringField(_l("Unit"))}
    for i in range(SOURCE_ROWS):
        attrs[f"sumber_{i}"] = SelectField(_l("Funding source"), choices=names, validate_choice=False)
        attrs[f"jumlah_{i}"] = StringField(_l("Amount (Rp)"), render_kw={"inputmode": "numeric"})
    return type("PlanForm", (Form,), attrs)


def _cycle():
    """The cycle asked for (?tahun=), else the newest one with a set RKPD, else the current."""
    tahun = request.args.get("tahun", type=int)
    if tahun:
        found = db.session.scalar(select(Siklus).where(Siklus.tenant_id == current_tenant_id(),
                                                       Siklus.tahun == tahun))
        return found or abort(404)
    locked = db.session.scalar(select(Siklus).where(Siklus.tenant_id == current_tenant_id(),
                                                    Siklus.status == "rkpd_ditetapkan")
                               .order_by(Siklus.tahun.desc()).limit(1))
    return locked or current_cycle()


def _item_or_404(usulan_id: int):
    return get_usulan(current_user, usulan_id) or abort(404)


# ---- the overview ---------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    if current_user.role not in READERS:
        abort(403)
    siklus = _cycle()
    if siklus is None:
        return render_template("realisasi/index.html", siklus=None, cycles=[], agencies=[], total=None,
                               rows=[], agency=None, deadline=None)
    cycle = cycle_for(siklus)
    names = queries.agency_names(siklus.tenant_id)
    agency_id = current_user.perangkat_daerah_id if current_user.role == Role.OPERATOR_PD.value else \
        request.args.get("pd", type=int)
    if agency_id is not None and agency_id not in names:
        abort(404)
    rows = queries.items(siklus, cycle, agency_id)
    agencies, total = queries.by_agency(rows, names)
    # an agency's list: its planned items, funded first (the others take their funding sources)
    funded = sorted(rows, key=lambda r: r.funded is None) if agency_id is not None else []
    return render_template("realisasi/index.html", siklus=siklus, cycles=all_cycles(), agencies=agencies,
                           total=total, rows=funded, agency=names.get(agency_id) if agency_id else None,
                           agency_id=agency_id, deadline=queries.deadline(siklus),
                           can_import=importer.is_importer(current_user))


# ---- one item -------------------------------------------------------------------------------

@bp.route("/<int:usulan_id>", methods=["GET", "POST"])
@login_required
def item(usulan_id: int):
    usulan = _item_or_404(usulan_id)
    may = operations.may_report(current_user, usulan) and operations.is_funded(usulan)
    form = MilestoneForm()
    status = 200
    if request.method == "POST":
        if not operations.may_report(current_user, usulan):
            abort(403)
        status = 422
        if form.validate_on_submit():
            data = operations.read_milestone({name: form[name].data for name in operations.Milestone.__annotations__
                                              if name in form and name != "problems"})
            try:
                operations.record_milestone(usulan, current_user, data, photos=form.foto.data or [])
            except operations.Refused as refused:
                _attach(form, refused.problems)
            else:
                flash(_("Milestone of %(date)s saved.", date=data.tanggal.isoformat()), "success")
                return redirect(url_for("realisasi.item", usulan_id=usulan.id)), 303
    record = queries.record_of(usulan)
    if request.method == "GET" and record is not None:
        form.status.data = record.status
        for key in ("kontrak_nomor", "kontrak_nilai"):
            value = getattr(record, key)
            getattr(form, key).data = "" if value is None else str(value)
        for key in ("kontrak_tanggal", "kontrak_akhir"):
            value = getattr(record, key)
            getattr(form, key).data = value.isoformat() if value else ""
    sources = db.session.execute(select(SumberDana.sumber, SumberDana.jumlah).where(
        SumberDana.tenant_id == usulan.tenant_id, SumberDana.usulan_id == usulan.id)
        .order_by(SumberDana.jumlah.desc())).all()
    indicator = db.session.scalar(select(IndikatorKeluaran).where(
        IndikatorKeluaran.tenant_id == usulan.tenant_id, IndikatorKeluaran.usulan_id == usulan.id))
    return render_template("realisasi/item.html", usulan=usulan, record=record, steps=queries.milestones(usulan),
                           form=form, may=may, funded=operations.is_funded(usulan), sources=sources,
                           indicator=indicator, may_plan=operations.may_plan(current_user, usulan),
                           end_of_year=f"{db.session.get(Siklus, usulan.siklus_id).tahun}-12-31"), status


def _attach(form, problems) -> None:
    for name, message in problems:
        target = form._fields.get(name.split(".")[0]) or form._fields.get("tanggal")
        target.errors = list(target.errors) + [str(message)]


@bp.route("/<int:usulan_id>/rencana", methods=["GET", "POST"])
@login_required
def plan(usulan_id: int):
    usulan = _item_or_404(usulan_id)
    if not operations.may_plan(current_user, usulan) or usulan.perangkat_daerah_id is None:
        abort(403)
    form = _plan_form_class()()
    status = 200
    general = []
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            values = {name: f.data for name, f in form._fields.items()}
            try:
                plan = operations.read_plan(usulan, values)
                changed = operations.save_plan(usulan, current_user, plan)
            except operations.Refused as refused:
                for name, message in refused.problems:
                    target = form._fields.get(name)
                    if target is None:
                        general.append(str(message))
                    else:
                        target.errors = list(target.errors) + [str(message)]
            else:
                flash(_("Funding sources and indicator saved.") if changed else _("Nothing changed."), "success")
                return redirect(url_for("realisasi.item", usulan_id=usulan.id)), 303
    else:
        rows = db.session.execute(select(SumberDana.sumber, SumberDana.jumlah).where(
            SumberDana.tenant_id == usulan.tenant_id, SumberDana.usulan_id == usulan.id)
            .order_by(SumberDana.jumlah.desc())).all()
        for i, (name, amount) in enumerate(rows[:SOURCE_ROWS]):
            form[f"sumber_{i}"].data, form[f"jumlah_{i}"].data = name, str(amount)
        indicator = db.session.scalar(select(IndikatorKeluaran).where(
            IndikatorKeluaran.tenant_id == usulan.tenant_id, IndikatorKeluaran.usulan_id == usulan.id))
        if indicator is not None:
            form.indikator.data, form.satuan.data = indicator.indikator, indicator.satuan
            form.target.data = format(indicator.target.normalize(), "f")
        elif usulan.indikator:
            form.indikator.data = usulan.indikator
    return render_template("realisasi/plan.html", usulan=usulan, form=form, rows=SOURCE_ROWS, general=general,
                           pagu=operations.plan_amount(usulan)), status


# ---- import ---------------------------------------------------------------------------------

@bp.route("/impor", methods=["GET", "POST"])
@login_required
def upload():
    if not importer.is_importer(current_user):
        abort(403)
    form = ReportImportForm()
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            form.file.errors = list(form.file.errors) + [_("The file is larger than 10 MB.")]
        else:
            from ..jobs import operations as jobs

            name = secure_filename(form.file.data.filename or "") or "realisasi.csv"
            tugas = jobs.start("realisasi_import", {"name": name}, current_user, upload=(name, data))
            return redirect(url_for("tugas.show", tugas_id=tugas.id)), 303
    if request.method == "POST":
        status = 422
    return render_template("realisasi/import.html", form=form, columns=importer.COLUMNS), status


# ---- the SIPD-ready export ------------------------------------------------------------------

@bp.get("/sipd/<int:tahun>.<fmt>")
@login_required
def sipd_export(tahun: int, fmt: str):
    """Bappeda's download of the proposals, Pokir or RKPD lines in SIPD-RI's layout."""
    from ..exports.excel import attachment_response, xlsx_response
    from . import sipd

    if not current_user.is_admin and current_user.role != Role.VIEWER.value:
        abort(403)
    jenis = request.args.get("jenis", "rkpd")
    siklus = db.session.scalar(select(Siklus).where(Siklus.tenant_id == current_tenant_id(), Siklus.tahun == tahun))
    if siklus is None or jenis not in sipd.JENIS or fmt not in ("csv", "xlsx"):
        abort(404)
    records = sipd.rows(siklus, jenis, request.url_root.rstrip("/"))
    name = f"sipd-{jenis}-{tenant_config().slug}-{tahun}"
    if fmt == "csv":
        return attachment_response(sipd.to_csv(jenis, records), f"{name}.csv", "text/csv; charset=utf-8")
    return xlsx_response(name, f"SIPD {jenis}", sipd.columns(jenis), sipd.to_table(jenis, records),
                         tz=tenant_config().timezone)


# ---- photos ---------------------------------------------------------------------------------

@bp.get("/foto/<int:foto_id>")
def photo(foto_id: int):
    """A milestone's photo: public (the portal shows the execution), re-encoded without metadata."""
    from ..uploads import send_stored

    found = db.session.scalar(select(RealisasiFoto).where(RealisasiFoto.tenant_id == current_tenant_id(),
                                                          RealisasiFoto.id == foto_id))
    if found is None:
        abort(404)
    return send_stored(found.tenant_id, found.nama_simpan, found.mime)

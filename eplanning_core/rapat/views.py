"""The meeting pages: a unit operator's own meeting (record it, upload its files, print its
berita acara and recap) and, for Bappeda and readers, every unit's meeting with progress.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import case, func, select

from ..accounts.models import Role
from ..accounts.scope import wilayah_clause
from ..conflicts import flash_conflict
from ..exports.excel import Column, local_naive, region_timezone, xlsx_response
from ..exports.pdf import pdf_response
from ..extensions import db
from ..paging import page_of
from ..usulan.engine_adapter import cycle_for, local_now
from ..siklus.current import all_cycles, current_cycle
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config, tenant_select
from ..usulan.models import Lampiran, Pengiriman
from .models import Rapat
from ..usulan.operations import already_sent
from ..wilayah.models import Wilayah
from . import documents
from . import operations as ops
from .forms import FILE_KIND_NAMES, CsrfOnlyForm, LampiranForm, RapatForm

bp = Blueprint("rapat", __name__, url_prefix="/rapat")
EXPORT_LIMIT = 100_000


def _cycle_or_404():
    siklus = current_cycle()
    if siklus is None:
        abort(404)
    return siklus


def _unit_or_404(wilayah_id: int) -> Wilayah:
    """A unit the user may read; any other id is missing."""
    unit = db.session.scalar(tenant_select(Wilayah).where(Wilayah.id == wilayah_id,
                                                          wilayah_clause(current_user)))
    if unit is None:
        abort(404)
    return unit


def _meeting_or_404(stage_key: str, wilayah_id: int):
    siklus = _cycle_or_404()
    cycle = cycle_for(siklus)
    unit = _unit_or_404(wilayah_id)
    stage = ops.meeting_stage(cycle, stage_key, unit)
    if stage is None:
        abort(404)
    return siklus, cycle, stage, unit


def _detail_url(siklus, stage, unit) -> str:
    return url_for("rapat.detail", stage_key=stage.key, wilayah_id=unit.id, siklus=siklus.id)


# ---- the start page ---------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    """A unit operator: their own meeting. Anyone else: every unit's meeting."""
    siklus = current_cycle()
    if siklus is None:
        return render_template("usulan/no_cycle.html")
    cycle = cycle_for(siklus)
    if current_user.role == Role.OPERATOR.value and current_user.wilayah is not None:
        unit = current_user.wilayah
        stage = ops.stage_for_level(cycle, unit.tingkat)
        if stage is None:
            return render_template("rapat/none.html", siklus=siklus, unit=unit,
                                   level=tenant_config().level_name(unit.tingkat))
        return _detail_page(siklus, cycle, stage, unit)
    return _list_page(siklus, cycle)


@bp.get("/daftar")
@login_required
def listing():
    """Every meeting the user may read (an operator: of the units below theirs)."""
    siklus = current_cycle()
    if siklus is None:
        return render_template("usulan/no_cycle.html")
    return _list_page(siklus, cycle_for(siklus))


# ---- the list ------------------------------------------------------------------------------------

def _default_stage(stages):
    """The meeting stage open now, else the first one."""
    now = local_now().replace(tzinfo=None)
    return next((s for s in stages if s.opens <= now < s.closes), stages[0])


def _list_page(siklus, cycle):
    stages = ops.meeting_stages(cycle)
    if not stages:
        return render_template("rapat/none.html", siklus=siklus, unit=None, level=None)
    stage = next((s for s in stages if s.key == request.args.get("tahapan")), None) or _default_stage(stages)
    clause = wilayah_clause(current_user)
    filters = {"prefix": request.args.get("wilayah", ""), "held": request.args.get("diadakan", ""),
               "sent": request.args.get("dikirim", "")}
    if request.args.get("format") == "xlsx":
        return _export(siklus, stage, clause, filters)
    pagination = page_of(ops.meetings_select(siklus, stage, clause, **filters).order_by(Wilayah.kode))
    units = list(pagination.items)
    rapats = {r.wilayah_id: r for r in db.session.scalars(select(Rapat).where(
        Rapat.tenant_id == siklus.tenant_id, Rapat.siklus_id == siklus.id, Rapat.tahapan == stage.key,
        Rapat.wilayah_id.in_([u.id for u in units])))} if units else {}
    sent = dict(db.session.execute(select(Pengiriman.holder, Pengiriman.created_at).where(
        Pengiriman.tenant_id == siklus.tenant_id, Pengiriman.siklus_id == siklus.id,
        Pengiriman.tahapan == stage.key, Pengiriman.holder.in_([u.kode for u in units]))).all()) if units else {}
    return render_template(
        "rapat/list.html", siklus=siklus, cycles=all_cycles(), stage=stage, stages=stages,
        pagination=pagination, rapats=rapats, sent=sent,
        files=ops.file_counts([r.id for r in rapats.values()]),
        progress=ops.progress(siklus, cycle, clause), level=tenant_config().level_name(stage.level.depth))


def _export(siklus, stage, clause, filters):
    files = (select(Lampiran.rapat_id,
                    func.sum(case((Lampiran.jenis == "berita_acara", 1), else_=0)).label("signed"),
                    func.count().label("n"))
             .where(Lampiran.tenant_id == siklus.tenant_id, Lampiran.rapat_id.is_not(None))
             .group_by(Lampiran.rapat_id).subquery())
    from ..wilayah.labels import compose, parent_alias

    parent = parent_alias()  # "Lingkungan I, Pasar Baru": Medan has dozens of "Lingkungan I"
    query = (ops.meetings_select(siklus, stage, clause, Wilayah.kode, Wilayah.nama, Rapat.tempat, Rapat.alamat,
                                 Rapat.mulai, Rapat.jumlah_hadir, Rapat.delegasi, files.c.signed, files.c.n,
                                 Pengiriman.created_at, parent.nama, **filters)
             .outerjoin(files, files.c.rapat_id == Rapat.id)
             .outerjoin(parent, parent.id == Wilayah.parent_id)
             .order_by(Wilayah.kode).limit(EXPORT_LIMIT))
    rows = ((r[0], compose(r[1], None, r[10], compact=True), r[2] or "", r[3] or "", r[4], r[5],
             "; ".join(r[6] or []), r[7] or 0, r[8] or 0, r[9])
            for r in db.session.execute(query))
    level = tenant_config().level_name(stage.level.depth)
    columns = [Column(_("Unit code"), width=18), Column(level, width=24), Column(_("Place"), width=30),
               Column(_("Address"), width=30), Column(_("Start"), "datetime"),
               Column(_("Number present"), "int"), Column(_("Delegates"), width=40),
               Column(_("Signed berita acara"), "int"), Column(_("Files"), "int"), Column(_("Sent"), "datetime")]
    name = f"rapat-{tenant_config().slug}-{siklus.tahun}-{stage.key}"
    return xlsx_response(name, stage.name, columns, rows, tz=tenant_config().timezone)


# ---- one meeting ------------------------------------------------------------------------------

def _form_for(siklus, rapat) -> RapatForm:
    form = RapatForm(formdata=None)
    if rapat is not None:
        form.tempat.data, form.alamat.data = rapat.tempat, rapat.alamat
        zone = region_timezone(tenant_config().timezone)
        form.mulai.data = local_naive(rapat.mulai, zone).strftime("%Y-%m-%dT%H:%M") if rapat.mulai else ""
        form.jumlah_hadir.data = "" if rapat.jumlah_hadir is None else str(rapat.jumlah_hadir)
        form.notulen.data = rapat.notulen
    form.version.data = str(rapat.version if rapat else 0)
    return form


def _detail_page(siklus, cycle, stage, unit, form=None, delegates=None, status=200, delegate_error=None):
    rapat = ops.get_rapat(siklus, stage.key, unit)
    may_record = ops.may_record(current_user, unit)
    closed = ops.window_problem(siklus, stage, unit) if may_record else None
    form = form if form is not None else _form_for(siklus, rapat)
    form.mulai.description = _("In the region's time (%(tz)s).", tz=tenant_config().timezone)
    slots = ops.DELEGATES.get(stage.kind, (0, 0))[1]
    if delegates is None:
        delegates = list(rapat.delegasi or []) if rapat else []
    delegates = (list(delegates) + [""] * slots)[:max(slots, len(delegates))]
    opens, closes = ops.window_of(siklus, stage, unit)
    items = ops.berita_acara_items(siklus, stage.key, unit)
    sent = already_sent(siklus, stage.key, unit.kode)
    is_own = current_user.wilayah_id == unit.id
    shows_blockers = (is_own or current_user.is_admin) and stage.spec.sends and not sent
    return render_template(
        "rapat/detail.html", siklus=siklus, stage=stage, unit=unit, rapat=rapat, form=form,
        unit_label=documents.unit_label(unit), may_record=may_record, can_change=may_record and not closed,
        closed=closed, delegates=delegates, delegate_rule=ops.DELEGATES.get(stage.kind),
        delegate_error=delegate_error,
        files=ops.files_of(rapat), file_kinds=FILE_KIND_NAMES, upload_form=LampiranForm(),
        button_form=CsrfOnlyForm(), items=items, sent=sent, opens=opens, closes=closes,
        blockers=ops.send_blockers(siklus, stage.key, unit.kode) if shows_blockers else []), status


@bp.get("/<stage_key>/<int:wilayah_id>")
@login_required
def detail(stage_key: str, wilayah_id: int):
    siklus, cycle, stage, unit = _meeting_or_404(stage_key, wilayah_id)
    return _detail_page(siklus, cycle, stage, unit)


@bp.post("/<stage_key>/<int:wilayah_id>")
@login_required
def save(stage_key: str, wilayah_id: int):
    siklus, cycle, stage, unit = _meeting_or_404(stage_key, wilayah_id)
    if not ops.may_record(current_user, unit):
        abort(403)
    form = RapatForm()
    if not form.validate_on_submit():
        abort(400)
    delegates = request.form.getlist("delegasi")
    values = {"tempat": form.tempat.data, "alamat": form.alamat.data, "mulai": form.mulai.data,
              "jumlah_hadir": form.jumlah_hadir.data, "notulen": form.notulen.data, "delegasi": delegates}
    result = ops.save(siklus, stage.key, unit, current_user, form.version.data, values)
    if result.ok:
        flash(_("The meeting of %(unit)s is saved.", unit=unit.nama), "success")
        return redirect(_detail_url(siklus, stage, unit)), 303
    if result.stale:
        flash(result.message, "danger")
        current = ops.get_rapat(siklus, stage.key, unit)
        if current is not None:
            flash_conflict(current, form.version.data, form)
        return redirect(_detail_url(siklus, stage, unit)), 303
    if result.message:  # the window is closed: the page says so, with the window's dates
        return _detail_page(siklus, cycle, stage, unit, status=403)
    for name, message in result.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [message]
    return _detail_page(siklus, cycle, stage, unit, form=form, status=422, delegates=delegates,
                        delegate_error=result.errors.get("delegasi"))


# ---- files ----------------------------------------------------------------------------------------

@bp.post("/<stage_key>/<int:wilayah_id>/lampiran")
@login_required
def upload(stage_key: str, wilayah_id: int):
    from ..uploads import UploadRefused, refusal_message, store_upload

    siklus, cycle, stage, unit = _meeting_or_404(stage_key, wilayah_id)
    if not ops.may_record(current_user, unit):
        abort(403)
    form = LampiranForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(_detail_url(siklus, stage, unit)), 303
    refusal = ops.window_problem(siklus, stage, unit)
    rapat = ops.get_rapat(siklus, stage.key, unit)
    file = request.files.get("berkas")
    if refusal:
        flash(refusal, "danger")
    elif rapat is None:
        flash(_("Record the meeting first: its place and start time."), "danger")
    elif file is None or not file.filename:
        flash(_("Choose a file first."), "danger")
    elif ops.count_files(rapat, form.jenis.data) >= ops.MAX_FILES_PER_KIND:
        flash(_("At most %(n)s files of this kind per meeting.", n=ops.MAX_FILES_PER_KIND), "danger")
    else:
        try:
            stored = store_upload(file, tenant_id=rapat.tenant_id, allowed=ops.FILE_KINDS[form.jenis.data])
        except UploadRefused as refused:
            flash(refusal_message(refused), "danger")
            return back
        ops.attach(rapat, current_user, form.jenis.data, stored)
        flash(_("%(name)s attached.", name=stored.nama_asli), "success")
    return back


def _lampiran_or_404(lampiran_id: int):
    """A meeting's file, its meeting and unit, if the user may read the unit."""
    lampiran = db.session.scalar(tenant_select(Lampiran).where(Lampiran.id == lampiran_id,
                                                               Lampiran.rapat_id.is_not(None)))
    if lampiran is None:
        abort(404)
    rapat = db.session.scalar(tenant_select(Rapat).where(Rapat.id == lampiran.rapat_id))
    if rapat is None:
        abort(404)
    return lampiran, rapat, _unit_or_404(rapat.wilayah_id)


@bp.get("/lampiran/<int:lampiran_id>")
@login_required
def file(lampiran_id: int):
    from ..uploads import send_stored

    lampiran, _rapat, _unit = _lampiran_or_404(lampiran_id)
    return send_stored(lampiran.tenant_id, lampiran.nama_simpan, lampiran.mime, lampiran.nama_asli)


@bp.post("/lampiran/<int:lampiran_id>/hapus")
@login_required
def remove(lampiran_id: int):
    """Remove a wrong upload: the unit's operator, inside the window; a signed berita acara
    stays once the unit has sent, since the send relied on it."""
    lampiran, rapat, unit = _lampiran_or_404(lampiran_id)
    if not ops.may_record(current_user, unit):
        abort(403)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    siklus = db.session.scalar(tenant_select(Siklus).where(Siklus.id == rapat.siklus_id))
    stage = ops.meeting_stage(cycle_for(siklus), rapat.tahapan, unit)
    if stage is None:
        abort(404)
    refusal = ops.window_problem(siklus, stage, unit)
    if refusal:
        flash(refusal, "danger")
    elif lampiran.jenis == "berita_acara" and already_sent(siklus, stage.key, unit.kode):
        flash(_("The signed berita acara stays: the proposals were sent with it."), "danger")
    else:
        name = lampiran.nama_asli
        ops.remove_file(rapat, lampiran, current_user)
        flash(_("%(name)s removed.", name=name), "success")
    return redirect(_detail_url(siklus, stage, unit)), 303


# ---- printable documents --------------------------------------------------------------------------

@bp.get("/<stage_key>/<int:wilayah_id>/berita-acara.pdf")
@login_required
def berita_acara(stage_key: str, wilayah_id: int):
    siklus, cycle, stage, unit = _meeting_or_404(stage_key, wilayah_id)
    rapat = ops.get_rapat(siklus, stage.key, unit)
    if rapat is None:
        flash(_("Record the meeting first: its place and start time."), "warning")
        return redirect(_detail_url(siklus, stage, unit)), 303
    data = documents.berita_acara(siklus, stage, unit, rapat)
    return pdf_response(data, f"berita-acara-{stage.key}-{unit.kode}.pdf")


@bp.get("/<stage_key>/<int:wilayah_id>/rekap.pdf")
@login_required
def rekap(stage_key: str, wilayah_id: int):
    siklus, cycle, stage, unit = _meeting_or_404(stage_key, wilayah_id)
    return pdf_response(documents.rekap(siklus, stage, unit), f"rekap-{stage.key}-{unit.kode}.pdf")

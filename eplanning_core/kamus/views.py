"""Screens of the catalogue (kamus usulan, Bappeda only) and the nomenklatur (every role reads
it: agencies map accepted proposals to sub kegiatan), plus JSON look-ups for other forms.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.utils import secure_filename

from ..accounts.admin import admin_required
from ..accounts.models import PerangkatDaerah
from ..audit.models import AuditEntry
from ..conflicts import flash_conflict
from ..exports.excel import Column, xlsx_response
from ..extensions import db
from ..money import format_rupiah
from ..paging import page_of
from ..tenancy.context import current_tenant_id, tenant_config, tenant_get, tenant_select
from . import operations
from .forms import (BIDANG_LABELS, TINGKAT_LABELS, KamusForm, KamusImportForm, NomenklaturImportForm,
                    SelectChoice, StatusForm)
from .models import BIDANG, NOMENKLATUR_LEVELS, KamusUsulan, Nomenklatur

bp = Blueprint("kamus", __name__, url_prefix="/kamus")

MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_ENDPOINTS = {"kamus.import_kamus", "kamus.import_nomenklatur"}
LOOKUP_LIMIT = 20


@bp.url_value_preprocessor
def _limit_uploads(endpoint, values):
    """Cap the request body of the upload pages before anything (CSRF included) reads it."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD + 64 * 1024  # the file plus the form around it


@bp.context_processor
def _helpers():
    return {"rupiah": format_rupiah, "bidang_labels": BIDANG_LABELS, "tingkat_labels": TINGKAT_LABELS}


def _json_login_required(view):
    """Like login_required, but a JSON 401 instead of a redirect to the login page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(error="login required"), 401
        return view(*args, **kwargs)
    return wrapped


def _text_arg() -> str:
    """The ?q= search text, without NUL (which PostgreSQL refuses in any string)."""
    return (request.args.get("q") or "").replace("\x00", "").strip()[:100]


def _agencies() -> list[PerangkatDaerah]:
    return list(db.session.scalars(tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.nama)))


# ---- catalogue ---------------------------------------------------------------------------

@bp.get("/")
@admin_required
def index():
    query = tenant_select(KamusUsulan).options(joinedload(KamusUsulan.perangkat_daerah))
    text = _text_arg()
    if text:
        query = query.where(operations.kamus_text_clause(text))
    bidang = request.args.get("bidang", "")
    if bidang in BIDANG:
        query = query.where(KamusUsulan.bidang == bidang)
    else:
        bidang = ""
    pd_id = request.args.get("pd", type=int)
    if pd_id:
        query = query.where(KamusUsulan.perangkat_daerah_id == pd_id)
    status = request.args.get("status", "")
    if status in ("aktif", "nonaktif"):
        query = query.where(KamusUsulan.aktif.is_(status == "aktif"))
    if request.args.get("format") == "xlsx":
        return _kamus_xlsx(query.order_by(KamusUsulan.kode))
    pagination = page_of(query.order_by(KamusUsulan.kode))
    return render_template("kamus/index.html", pagination=pagination, q=text, bidang=bidang,
                           pd_id=pd_id, status=status, agencies=_agencies())


def _kamus_xlsx(query):
    """The filtered catalogue as Excel: the same columns the import reads, so it round-trips."""
    from ..exports.labels import bidang_label  # the import reads the label back (normalize_bidang)

    rows = ((k.kode, k.nama, bidang_label(k.bidang), k.satuan, k.harga_satuan,
             k.perangkat_daerah.kode if k.perangkat_daerah else "", k.sub_kegiatan_kode or "",
             _("active") if k.aktif else _("disabled")) for k in db.session.scalars(query))
    columns = [Column("kode", width=14), Column("nama", width=50), Column("bidang", width=16),
               Column("satuan", width=10), Column("harga_satuan", "rupiah"),
               Column("perangkat_daerah", width=14), Column("sub_kegiatan", width=20),
               Column(_("Status"), width=10)]
    return xlsx_response(f"kamus-usulan-{tenant_config().slug}", _("Catalogue"), columns, rows)


def _kamus_form(item: KamusUsulan | None) -> KamusForm:
    form = KamusForm(obj=item)
    agencies = [a for a in _agencies() if a.aktif or (item and a.id == item.perangkat_daerah_id)]
    form.perangkat_daerah_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(a.id), a.nama)
                                                                  for a in agencies]
    if request.method == "GET" and item is not None:
        form.version.data = str(item.version)
        form.perangkat_daerah_id.data = str(item.perangkat_daerah_id or "")
        form.harga_satuan.data = format_rupiah(item.harga_satuan)  # as parse_rupiah reads it
    return form


def _save_kamus(item: KamusUsulan | None):
    form = _kamus_form(item)
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in (
            "kode", "nama", "bidang", "satuan", "harga_satuan", "perangkat_daerah_id",
            "sub_kegiatan_kode")}
        # the version the page was opened with: from the request only, never filled in from
        # the item (a form posted without it would otherwise pass as current)
        outcome = operations.save_kamus(current_tenant_id(), current_user, values, item=item,
                                        expected_version=request.form.get("version"))
        if outcome.ok:
            flash(_("Catalogue item %(kode)s saved.", kode=outcome.obj.kode), "success")
            return redirect(url_for("kamus.index"))
        if outcome.message == operations.STALE:
            flash(_("Someone else changed this catalogue item while you were editing. Nothing was "
                    "saved; the form shows the current values."), "danger")
            flash_conflict(item, request.form.get("version"), form)
            return redirect(url_for("kamus.edit", item_id=item.id))
        for name, message in outcome.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + [message]
    status = 422 if form.errors else 200
    return render_template("kamus/form.html", form=form, item=item,
                           status_form=StatusForm(version=item.version) if item else None), status


@bp.route("/baru", methods=["GET", "POST"])
@admin_required
def new():
    return _save_kamus(None)


@bp.route("/<int:item_id>", methods=["GET", "POST"])
@admin_required
def edit(item_id: int):
    return _save_kamus(tenant_get(KamusUsulan, item_id) or abort(404))


@bp.post("/<int:item_id>/status")
@admin_required
def set_status(item_id: int):
    item = tenant_get(KamusUsulan, item_id) or abort(404)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    aktif = request.form.get("aktif") == "1"
    outcome = operations.set_kamus_aktif(current_tenant_id(), current_user, item, aktif,
                                         form.version.data)
    if outcome.message == operations.STALE:
        flash(_("Someone else changed this catalogue item while you were editing. Nothing was "
                "saved; the form shows the current values."), "danger")
        flash_conflict(item, form.version.data)
        return redirect(url_for("kamus.edit", item_id=item.id))
    flash(_("Catalogue item %(kode)s is active again.", kode=item.kode) if aktif else
          _("Catalogue item %(kode)s is deactivated: new proposals cannot choose it.", kode=item.kode),
          "success")
    return redirect(url_for("kamus.edit", item_id=item.id))


@bp.get("/<int:item_id>/riwayat")
@admin_required
def history(item_id: int):
    item = tenant_get(KamusUsulan, item_id) or abort(404)
    entries = page_of(tenant_select(AuditEntry).where(
        AuditEntry.object_type == KamusUsulan.__tablename__, AuditEntry.object_id == item.id)
        .order_by(AuditEntry.id.desc()))
    return render_template("admin/history.html", subject=f"{item.kode} {item.nama}", entries=entries,
                           back=url_for("kamus.edit", item_id=item.id))


# ---- uploads -----------------------------------------------------------------------------

def _uploaded_bytes(form) -> bytes | None:
    """The uploaded file's content, read in memory; None (with a form error) when too large."""
    data = form.file.data.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        form.file.errors = list(form.file.errors) + [_("The file is larger than 5 MB.")]
        return None
    return data


def _upload(form, kind: str, template: str, **params):
    """A valid upload goes to a background job (jobs/), whose page shows the progress and the
    report; a refused form (type, size, token) stays here with its errors."""
    if form.validate_on_submit():
        data = _uploaded_bytes(form)
        if data is not None:
            from ..jobs import operations as jobs

            filename = secure_filename(form.file.data.filename or "") or "upload"
            tugas = jobs.start(kind, {"name": filename, **params}, current_user, upload=(filename, data))
            return redirect(url_for("tugas.show", tugas_id=tugas.id)), 303
    failed = bool(form.errors)
    return render_template(template, form=form, report=None, done=False), 422 if failed else 200


@bp.route("/impor", methods=["GET", "POST"])
@admin_required
def import_kamus():
    form = KamusImportForm()
    return _upload(form, "kamus_import", "kamus/import.html")


@bp.route("/nomenklatur/impor", methods=["GET", "POST"])
@admin_required
def import_nomenklatur():
    form = NomenklaturImportForm()
    return _upload(form, "nomenklatur_import", "kamus/import_nomenklatur.html",
                   allow_missing_parents=bool(form.allow_missing_parents.data))


# ---- nomenklatur -------------------------------------------------------------------------

@bp.get("/nomenklatur")
@login_required
def nomenklatur():
    query = tenant_select(Nomenklatur)
    tingkat = request.args.get("tingkat", "")
    if tingkat in NOMENKLATUR_LEVELS:
        query = query.where(Nomenklatur.tingkat == tingkat)
    else:
        tingkat = ""
    text = _text_arg()
    if text:
        query = query.where(operations.nomenklatur_text_clause(text))
    if request.args.get("format") == "xlsx":
        rows = ((n.tingkat, n.kode, n.nama) for n in db.session.scalars(query.order_by(Nomenklatur.kode)))
        return xlsx_response(f"nomenklatur-{tenant_config().slug}", _("Nomenclature"),
                             [Column(_("Level"), width=14), Column(_("Code"), width=20),
                              Column(_("Name"), width=80)], rows)
    pagination = page_of(query.order_by(Nomenklatur.kode))
    return render_template("kamus/nomenklatur.html", pagination=pagination, tingkat=tingkat, q=text,
                           levels=NOMENKLATUR_LEVELS)


# ---- JSON look-ups -----------------------------------------------------------------------

@bp.get("/cari")
@_json_login_required
def lookup_kamus():
    """Active catalogue items matching ?q= (code prefix or name), at most 20; ?bidang= optional."""
    bidang = request.args.get("bidang")
    items = operations.search_kamus(current_tenant_id(), _text_arg(),
                                    bidang=bidang if bidang in BIDANG else None, limit=LOOKUP_LIMIT)
    return jsonify(items=[{
        "id": k.id, "kode": k.kode, "nama": k.nama, "bidang": k.bidang, "satuan": k.satuan,
        "harga_satuan": k.harga_satuan, "perangkat_daerah_id": k.perangkat_daerah_id,
        "sub_kegiatan_kode": k.sub_kegiatan_kode} for k in items])


@bp.get("/nomenklatur/cari")
@_json_login_required
def lookup_nomenklatur():
    """Nomenklatur rows matching ?q= (code prefix in either form, or name), ?tingkat= optional."""
    tingkat = request.args.get("tingkat")
    rows = operations.search_nomenklatur(current_tenant_id(), _text_arg(),
                                         tingkat=tingkat if tingkat in NOMENKLATUR_LEVELS else None,
                                         limit=LOOKUP_LIMIT)
    return jsonify(items=[{"id": n.id, "tingkat": n.tingkat, "kode": n.kode, "nama": n.nama}
                          for n in rows])

"""The execution API (docs/api.md, "Execution"):

- ``GET /api/v1/usulan/{id}/realisasi``: a proposal's execution record and milestones (the
  caller's scope, as ``GET /api/v1/usulan/{id}``).
- ``POST /api/v1/usulan/{id}/realisasi``: a milestone, by the implementing agency (or Bappeda);
  the same milestone (item and date) again changes nothing.
- ``POST /api/v1/realisasi/impor``: an execution report file (CSV or .xlsx, multipart field
  ``berkas``), checked and written at once: all or nothing, problems with their line numbers.
- ``GET /api/v1/ekspor/sipd/{tahun}``: the SIPD-ready export of a cycle as JSON
  (``jenis``: usulan, pokir or rkpd), the columns of docs/integration.md.
"""

from __future__ import annotations

import marshmallow as ma
from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from ..accounts.models import Role
from ..api.access import get_usulan
from ..api.auth import api_actor, require_token
from ..api.errors import ApiError
from ..api.schemas import ErrorSchema, LocalDateTime, Rupiah, Text
from ..budgeting.export import cycle_by_year
from . import importer, operations, queries, sipd
from .models import STATUS

blp = Blueprint("api_realisasi", __name__, description="Execution (realisasi) of funded items, the execution "
                                                        "report import and the SIPD-ready export")
MAX_UPLOAD = 10 * 1024 * 1024
READERS = (Role.BAPPEDA.value, Role.VIEWER.value)


class PhotoSchema(ma.Schema):
    id = fields.Integer()
    url = fields.String()


class MilestoneOutSchema(ma.Schema):
    tanggal = fields.Date()
    progres = fields.Integer()
    realisasi_jumlah = fields.Integer()
    catatan = fields.String(allow_none=True)
    alasan_terlambat = fields.String(allow_none=True)
    sumber = fields.String(metadata={"description": "form, impor or api"})
    created_at = LocalDateTime()
    foto = fields.List(fields.Nested(PhotoSchema))


class RealisasiSchema(ma.Schema):
    usulan_id = fields.Integer()
    kode_lacak = fields.String()
    didanai = fields.Boolean(metadata={"description": "Funded in the APBD: only funded items get a record"})
    anggaran_jumlah = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "berjalan, selesai, gagal; null: no record"})
    status_nama = fields.String(allow_none=True)
    alasan = fields.String(allow_none=True)
    progres = fields.Integer()
    realisasi_jumlah = fields.Integer()
    kontrak_nomor = fields.String(allow_none=True)
    kontrak_tanggal = fields.Date(allow_none=True)
    kontrak_nilai = fields.Integer(allow_none=True)
    kontrak_akhir = fields.Date(allow_none=True)
    terakhir_tanggal = fields.Date(allow_none=True)
    tahap = fields.List(fields.Nested(MilestoneOutSchema), metadata={"description": "Milestones, newest first"})


class MilestoneInSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    tanggal = fields.Date(required=True, metadata={"description": "The milestone's date; not in the future"})
    progres = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100),
                             metadata={"description": "Physical progress, percent (cumulative)"})
    realisasi_jumlah = Rupiah(required=True, metadata={"description": "Money realised so far, whole rupiah"})
    status = fields.String(load_default="berjalan", validate=validate.OneOf(STATUS),
                           metadata={"description": "selesai needs progres 100; gagal needs alasan"})
    alasan = Text(multiline=True, load_default=None, allow_none=True,
                  validate=validate.Length(max=operations.MAX_NOTE))
    catatan = Text(multiline=True, load_default=None, allow_none=True,
                   validate=validate.Length(max=operations.MAX_NOTE))
    alasan_terlambat = Text(load_default=None, allow_none=True, validate=validate.Length(max=operations.MAX_NOTE),
                            metadata={"description": "Why progress is reported after the budget year"})
    kontrak_nomor = Text(load_default=None, allow_none=True, validate=validate.Length(max=operations.MAX_CONTRACT_NO))
    kontrak_tanggal = fields.Date(load_default=None, allow_none=True)
    kontrak_nilai = Rupiah(load_default=None, allow_none=True)
    kontrak_akhir = fields.Date(load_default=None, allow_none=True)


class ImportFileSchema(ma.Schema):
    berkas = Upload(required=True, metadata={"description": "The report: CSV (UTF-8) or .xlsx, at most 10 MB"})


class ImportResultSchema(ma.Schema):
    berkas = fields.String()
    baris = fields.Integer()
    baru = fields.Integer()
    berubah = fields.Integer()
    sama = fields.Integer()
    sudah_diimpor = LocalDateTime(allow_none=True, metadata={
        "description": "When this very file was imported before (then nothing changed)"})


class SipdArgs(ma.Schema):
    jenis = fields.String(load_default="rkpd", validate=validate.OneOf(sipd.JENIS))


class SipdSchema(ma.Schema):
    tahun = fields.Integer()
    jenis = fields.String()
    kolom = fields.List(fields.String())
    baris = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)))


def present(usulan) -> dict:
    record = queries.record_of(usulan)
    steps = queries.milestones(usulan) if record is not None else []
    return {
        "usulan_id": usulan.id, "kode_lacak": usulan.kode_lacak, "didanai": operations.is_funded(usulan),
        "anggaran_jumlah": usulan.anggaran_jumlah,
        "status": record.status if record else None,
        "status_nama": str(operations.STATUS_LABELS[record.status]) if record else None,
        "alasan": record.alasan if record else None, "progres": record.progres if record else 0,
        "realisasi_jumlah": record.realisasi_jumlah if record else 0,
        **{key: getattr(record, key) if record else None for key in
           ("kontrak_nomor", "kontrak_tanggal", "kontrak_nilai", "kontrak_akhir", "terakhir_tanggal")},
        "tahap": [{"tanggal": step.tanggal, "progres": step.progres, "realisasi_jumlah": step.realisasi_jumlah,
                   "catatan": step.catatan, "alasan_terlambat": step.alasan_terlambat, "sumber": step.sumber,
                   "created_at": step.created_at,
                   "foto": [{"id": p.id, "url": url_for("realisasi.photo", foto_id=p.id)} for p in photos]}
                  for step, photos in steps],
    }


def _found(usulan_id: int):
    usulan = get_usulan(api_actor(), usulan_id)
    if usulan is None:
        raise ApiError(404, _("Not found."))
    return usulan


@blp.route("/usulan/<int:usulan_id>/realisasi")
class Execution(MethodView):
    @require_token(scope="read")
    @blp.response(200, RealisasiSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope")
    def get(self, usulan_id):
        """A proposal's execution: contract, state, progress, realised amount, milestones."""
        return present(_found(usulan_id))

    @require_token(scope="write", user_only=True)
    @blp.arguments(MilestoneInSchema)
    @blp.response(201, RealisasiSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="out_of_scope (not the implementing agency), "
                                                           "token_scope, user_token_required")
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope")
    @blp.alt_response(409, schema=ErrorSchema, description="not_funded: only a funded item gets a record")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields; invalid_input (a date in the future, "
                                                           "selesai below 100 percent), reason_required")
    def post(self, body, usulan_id):
        """Report a milestone of a funded item (the implementing agency, or Bappeda)."""
        actor = api_actor()
        usulan = _found(usulan_id)
        if not operations.is_funded(usulan):
            raise ApiError(409, _("Only a funded item gets an execution record; this one is not funded."),
                           rule="not_funded")
        if not operations.may_report(actor.user, usulan):
            raise ApiError(403, _("Only the implementing agency enters this item's execution."), rule="out_of_scope")
        data = operations.read_milestone({k: v for k, v in body.items()})
        if data.problems:
            rule = "reason_required" if any(f == "alasan" for f, _m in data.problems) else "invalid_input"
            raise ApiError(422, _("Some fields are not valid."), rule=rule, errors=_errors(data.problems))
        try:
            operations.record_milestone(usulan, actor.user, data, source="api")
        except operations.Refused as refused:
            raise ApiError(422, _("Some fields are not valid."), rule="invalid_input",
                           errors=_errors(refused.problems)) from None
        return present(usulan), 201


def _errors(problems) -> dict:
    out: dict = {}
    for name, message in problems:
        out.setdefault(name, []).append(str(message))
    return out


@blp.route("/realisasi/impor")
class ExecutionImport(MethodView):
    @require_token(scope="write", user_only=True, roles=(Role.BAPPEDA.value, Role.OPERATOR_PD.value))
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="wrong_role, token_scope, user_token_required")
    @blp.alt_response(413, schema=ErrorSchema, description="The file is larger than 10 MB")
    @blp.alt_response(422, schema=ErrorSchema, description="invalid_input: the file's problems, by line "
                                                           "(errors: {\"<line>\": [messages]}); nothing was written")
    def post(self, files):
        """Import an execution report: all or nothing, idempotent (file and milestone)."""
        actor = api_actor()
        upload = files["berkas"]
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ApiError(413, _("The file is larger than 10 MB."))
        name = (upload.filename or "realisasi.csv")[:200]
        result = importer.import_file(actor.tenant_id, actor.user, data, name)
        if result.problems:
            errors: dict = {}
            for problem in result.problems[:500]:
                errors.setdefault(str(problem.line), []).append(str(problem.message))
            raise ApiError(422, _("The file has problems; nothing was imported."), rule="invalid_input",
                           errors=errors)
        return {"berkas": name, "baris": result.lines, "baru": result.created, "berubah": result.updated,
                "sama": result.unchanged, "sudah_diimpor": result.already.created_at if result.already else None}


@blp.route("/ekspor/sipd/<int:tahun>")
class SipdExport(MethodView):
    @require_token(scope="read", roles=READERS)
    @blp.arguments(SipdArgs, location="query")
    @blp.response(200, SipdSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="wrong_role")
    @blp.alt_response(404, schema=ErrorSchema, description="The region has no cycle of this year")
    def get(self, args, tahun):
        """The proposals, Pokir or RKPD lines of a cycle in SIPD-RI's layout (docs/integration.md)."""
        siklus = cycle_by_year(tahun)
        if siklus is None:
            raise ApiError(404, _("Not found."))
        records = sipd.rows(siklus, args["jenis"], request.url_root.rstrip("/"))
        keys = [f.key for f in sipd.FIELDS[args["jenis"]]]
        return {"tahun": siklus.tahun, "jenis": args["jenis"], "kolom": keys,
                "baris": [{k: (str(v) if k == "volume" and v is not None else v) for k, v in r.items()}
                          for r in records]}


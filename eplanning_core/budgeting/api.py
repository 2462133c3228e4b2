"""The e-Budgeting API: the locked RKPD out, the APBD results in, the reconciliation.

- ``GET /api/v1/rkpd/{tahun}``: the locked RKPD as JSON (the same document as the download).
- ``POST /api/v1/anggaran/{tahun}``: budget lines in, the same fields as the file; idempotent
  by the SHA-256 of the body and by each line's external_id (see budgeting/importer.py).
- ``GET /api/v1/rekonsiliasi/{tahun}``: the findings, filtered and paged.

Reading needs a read token (a client token, or a Bappeda or viewer user); sending results
needs a write token (a client write token, which acts for the Bappeda administrator who
created it, or a Bappeda user's own token).
"""

from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..accounts.models import Role, User
from ..api.auth import api_actor, require_token
from ..api.errors import ApiError, refused
from ..api.models import ApiToken
from ..api.schemas import ErrorSchema, LocalDateTime, PageArgs, PageSchema, Rupiah
from ..extensions import db
from . import export, importer, reconciliation

blp = Blueprint("api_anggaran", __name__, description="e-Budgeting: the locked RKPD out, the APBD in, "
                                                      "the reconciliation")
READERS = (Role.BAPPEDA.value, Role.VIEWER.value)
MAX_LINES = importer.MAX_LINES


# ---- schemas --------------------------------------------------------------------------------

class KeputusanSchema(ma.Schema):
    tahapan = fields.String()
    tahapan_nama = fields.String()
    keputusan = fields.String(metadata={"description": "buat, kirim, diterima, ditolak, tetapkan, didanai ..."})
    alasan = fields.String(allow_none=True)
    oleh = fields.String(metadata={"description": "The unit or agency that decided (never a person)"})
    waktu = fields.String(metadata={"description": "ISO 8601 in the region's time"})


class LokasiSchema(ma.Schema):
    kode = fields.String(allow_none=True)
    nama = fields.List(fields.String(), metadata={"description": "Unit names from the kecamatan down"})


class AsalSchema(ma.Schema):
    sumber = fields.String(metadata={"description": "lingkungan, kelurahan, kecamatan, pd, pokir or bappeda"})
    wilayah_kode = fields.String(allow_none=True)
    wilayah_nama = fields.String(allow_none=True)
    dprd_anggota = fields.String(allow_none=True, metadata={"description": "The council member of a Pokir"})
    dapil = fields.String(allow_none=True)
    dapil_nama = fields.String(allow_none=True)


class RkpdLineSchema(ma.Schema):
    kode_lacak = fields.String()
    usulan_id = fields.Integer()
    tahapan = fields.String()
    status = fields.String()
    perangkat_daerah_kode = fields.String(allow_none=True)
    perangkat_daerah_nama = fields.String(allow_none=True)
    sub_kegiatan_kode = fields.String(allow_none=True)
    sub_kegiatan_nama = fields.String(allow_none=True)
    usulan_kegiatan = fields.String()
    pagu = Rupiah(allow_none=True)
    total = Rupiah()
    target = fields.String(allow_none=True)
    indikator = fields.String(allow_none=True)
    volume = fields.String(allow_none=True)
    satuan = fields.String(allow_none=True)
    lokasi = fields.Nested(LokasiSchema)
    asal = fields.Nested(AsalSchema)
    anggaran_jumlah = Rupiah(allow_none=True)
    keputusan = fields.List(fields.Nested(KeputusanSchema))
    riwayat_url = fields.String()


class WilayahRefSchema(ma.Schema):
    kode = fields.String()
    nama = fields.String()


class RkpdSchema(ma.Schema):
    wilayah = fields.Nested(WilayahRefSchema)
    tahun = fields.Integer()
    siklus = fields.String()
    ditetapkan_at = fields.String()
    jumlah_baris = fields.Integer()
    total_pagu = Rupiah()
    baris = fields.List(fields.Nested(RkpdLineSchema))


class AnggaranLineSchema(ma.Schema):
    """One budget line; every field is checked by the importer (errors name the line)."""

    class Meta:
        unknown = ma.EXCLUDE

    external_id = fields.Raw(metadata={"type": "string", "description": "The line's id in e-Budgeting"})
    kode_lacak = fields.Raw(metadata={"type": "string", "description": "Optional: the planned proposal"})
    perangkat_daerah = fields.Raw(metadata={"type": "string", "description": "Agency code"})
    sub_kegiatan = fields.Raw(metadata={"type": "string", "description": "1.03.10.2.01.05 or 1.03.10.2.01.0005"})
    uraian = fields.Raw(metadata={"type": "string"})
    jumlah = fields.Raw(metadata={"type": "integer", "description": "Whole rupiah (an integer, or text "
                                                                     "such as \"1.250.000\")"})


class AnggaranBodySchema(ma.Schema):
    baris = fields.List(fields.Nested(AnggaranLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES, error=_l("From 1 to 100000 lines.")))
    final = fields.Boolean(load_default=False, metadata={
        "description": "The complete APBD: planned items no line names become tidak_didanai"})
    nama = fields.String(load_default="API", validate=validate.Length(max=200, error=_l("Too long.")),
                         metadata={"description": "A name for this batch in the import history"})


class AnggaranResultSchema(ma.Schema):
    impor_id = fields.Integer()
    sudah_diimpor = fields.Boolean(metadata={"description": "True: this very body was imported before; "
                                                            "nothing changed"})
    diimpor_at = LocalDateTime()
    sha256 = fields.String()
    final = fields.Boolean()
    baris = fields.Integer()
    baru = fields.Integer()
    berubah = fields.Integer()
    tidak_berubah = fields.Integer()
    tanpa_tautan = fields.Integer(metadata={"description": "Lines whose kode_lacak names no proposal"})
    didanai = fields.Integer()
    tidak_didanai = fields.Integer()


class RekonsiliasiArgs(PageArgs):
    jenis = fields.String(validate=validate.OneOf(reconciliation.KINDS, error=_l("Not one of: {choices}.")))
    pd = fields.String(validate=validate.Length(max=40, error=_l("Too long.")), metadata={
        "description": "Agency code"})
    q = fields.String(validate=validate.Length(max=100, error=_l("Too long.")))


class TemuanSchema(ma.Schema):
    jenis = fields.String(metadata={"description": ", ".join(reconciliation.KINDS)})
    jenis_nama = fields.String()
    external_id = fields.String(allow_none=True)
    kode_lacak = fields.String(allow_none=True)
    usulan_id = fields.Integer(allow_none=True)
    perangkat_daerah_kode = fields.String(allow_none=True)
    perangkat_daerah_nama = fields.String(allow_none=True)
    sub_kegiatan_kode = fields.String(allow_none=True)
    uraian = fields.String(allow_none=True)
    jumlah = Rupiah(allow_none=True)
    pagu = Rupiah(allow_none=True)
    selisih = fields.Integer(allow_none=True)
    tahapan = fields.String(allow_none=True)
    riwayat_url = fields.String(allow_none=True)


class RekonsiliasiSchema(PageSchema):
    tahun = fields.Integer()
    baris_anggaran = fields.Integer()
    total_anggaran = Rupiah()
    final_at = LocalDateTime(allow_none=True)
    ringkasan = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(TemuanSchema))


# ---- helpers --------------------------------------------------------------------------------

def _cycle(tahun: int):
    siklus = export.cycle_by_year(tahun)
    if siklus is None:
        raise ApiError(404, _("This region has no planning cycle for %(year)s.", year=tahun))
    return siklus


def _not_locked(siklus) -> ApiError:
    return ApiError(409, export.not_locked_message(siklus), rule="rkpd_not_set")


@dataclass(frozen=True)
class ClientActing:
    """A client write token acting for the Bappeda administrator who created it."""

    id: int
    nama: str
    role: str = Role.BAPPEDA.value
    wilayah_id: None = None
    perangkat_daerah_id: None = None


def _acting():
    actor = api_actor()
    if actor.user is not None:
        return actor.user
    token = db.session.get(ApiToken, actor.token_id)
    creator = db.session.get(User, token.created_by_id) if token and token.created_by_id else None
    if creator is None or not creator.aktif or creator.role != Role.BAPPEDA.value \
            or creator.tenant_id != actor.tenant_id:
        raise ApiError(403, _("The administrator who created this token may no longer record budget results."),
                       rule="wrong_role")
    return ClientActing(creator.id, f"API {token.name} ({creator.nama})"[:120])


def _problems(result) -> ApiError:
    errors: dict[str, list[str]] = {}
    for problem in result.problems:
        errors.setdefault(f"baris.{problem.line}" if problem.line else "_schema", []).append(str(problem.message))
    if result.rule:
        return refused(result.rule, str(result.problems[0].message), errors=errors)
    kinds = {p.kind for p in result.problems}
    if kinds <= {"not_locked"}:
        return ApiError(409, str(result.problems[0].message), rule="rkpd_not_set")
    if kinds & {"stale", "conflict"}:
        return ApiError(409, str(result.problems[0].message), errors=errors, rule="stale")
    return ApiError(422, ngettext("%(num)d problem in the budget lines: nothing was imported.",
                                  "%(num)d problems in the budget lines: nothing was imported.",
                                  len(result.problems)), errors=errors, rule="invalid_input")


# ---- routes ---------------------------------------------------------------------------------

@blp.route("/rkpd/<int:tahun>")
class RkpdView(MethodView):
    @require_token(scope="read", roles=READERS)
    @blp.response(200, RkpdSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="No valid token")
    @blp.alt_response(403, schema=ErrorSchema, description="token_scope, wrong_role, outside_window")
    @blp.alt_response(404, schema=ErrorSchema, description="No cycle for this year")
    @blp.alt_response(409, schema=ErrorSchema, description="The RKPD of this year is not set yet")
    def get(self, tahun):
        """The locked RKPD with the provenance of every line, for e-Budgeting."""
        siklus = _cycle(tahun)
        try:
            plan = export.rkpd(siklus)
        except export.RkpdNotLocked:
            raise _not_locked(siklus) from None
        return Response(export.json_bytes(plan), mimetype="application/json")


@blp.route("/anggaran/<int:tahun>")
class AnggaranView(MethodView):
    @require_token(scope="write", roles=(Role.BAPPEDA.value,))
    @blp.arguments(AnggaranBodySchema)
    @blp.response(201, AnggaranResultSchema, description="Imported")
    @blp.alt_response(200, schema=AnggaranResultSchema, description="This very body was imported before")
    @blp.alt_response(401, schema=ErrorSchema, description="No valid token")
    @blp.alt_response(403, schema=ErrorSchema, description="token_scope, wrong_role, outside_window")
    @blp.alt_response(404, schema=ErrorSchema, description="No cycle for this year")
    @blp.alt_response(409, schema=ErrorSchema, description="The RKPD is not set, or a conflict")
    @blp.alt_response(422, schema=ErrorSchema, description="Bad lines (errors per line); nothing written")
    def post(self, body, tahun):
        """Budget (APBD) results in: idempotent by the body's SHA-256 and each line's external_id."""
        siklus = _cycle(tahun)
        result = importer.import_batch(siklus, _acting(), request.get_data(cache=True), body["baris"],
                                       final=body["final"], name=body["nama"] or "API")
        if not result.ok:
            raise _problems(result)
        impor = result.already or result.impor
        out = {"impor_id": impor.id, "sudah_diimpor": result.already is not None, "diimpor_at": impor.created_at,
               "sha256": impor.sha256, "final": result.final, "baris": result.lines or impor.jumlah_baris,
               "baru": result.created, "berubah": result.updated, "tidak_berubah": result.unchanged,
               "tanpa_tautan": result.unlinked, "didanai": result.funded, "tidak_didanai": result.not_funded}
        return out, (200 if result.already is not None else 201)


@blp.route("/rekonsiliasi/<int:tahun>")
class RekonsiliasiView(MethodView):
    @require_token(scope="read", roles=READERS)
    @blp.arguments(RekonsiliasiArgs, location="query")
    @blp.response(200, RekonsiliasiSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="No valid token")
    @blp.alt_response(403, schema=ErrorSchema, description="token_scope, wrong_role, outside_window")
    @blp.alt_response(404, schema=ErrorSchema, description="No cycle for this year")
    @blp.alt_response(409, schema=ErrorSchema, description="The RKPD of this year is not set yet")
    def get(self, args, tahun):
        """Budget lines without planning provenance, amounts above plan, planned items without a line."""
        siklus = _cycle(tahun)
        try:
            report = reconciliation.reconcile(siklus)
        except export.RkpdNotLocked:
            raise _not_locked(siklus) from None
        found = report.filtered(args.get("jenis"), args.get("pd"), args.get("q"))
        page, per_page = args["page"], args["per_page"]
        items = found[(page - 1) * per_page:page * per_page]
        return {"tahun": siklus.tahun, "baris_anggaran": report.lines, "total_anggaran": report.budget_total,
                "final_at": report.final_at, "ringkasan": report.counts(),
                "items": [dict(f.as_dict(), jenis_nama=str(reconciliation.KIND_LABELS[f.kind])) for f in items],
                "page": page, "per_page": per_page, "total": len(found), "pages": -(-len(found) // per_page)}

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

import re
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
from ..api.schemas import (MAX_RUPIAH, SUB_KEGIATAN, ErrorSchema, LocalDateTime, PageArgs, PageSchema, Rupiah, Text,
                           required_text)
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


#: Whole rupiah as text, the way the budget files write it: "1250000", "1.250.000",
#: "Rp 1.250.000" or "Rp1.250.000,00" (zero cents only); at most 15 digits (api MAX_RUPIAH).
AMOUNT_TEXT = r"^([Rr][Pp]\.? ?)?([0-9]{1,15}|[0-9]{1,3}(\.[0-9]{3}){1,4})(,00?)?$"


class Amount(fields.Field):
    """Whole rupiah: a JSON integer, or text as in the budget files (AMOUNT_TEXT); the importer
    reads either."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = dict(kwargs.get("metadata") or {}, anyOf=[
            {"type": "integer", "minimum": 0, "maximum": MAX_RUPIAH},
            {"type": "string", "pattern": AMOUNT_TEXT}])
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is int and 0 <= value <= MAX_RUPIAH or isinstance(value, str) and re.fullmatch(
                AMOUNT_TEXT, value):
            return value
        raise ma.ValidationError(_l("Whole rupiah: a JSON integer from 0, or text such as \"1.250.000\"."))


class AnggaranLineSchema(ma.Schema):
    """One budget line: every column the importer needs, with its limits. Refused only for what
    no document can know: an agency code the region does not have (404) and an external_id
    that two lines share (422)."""

    class Meta:
        unknown = ma.EXCLUDE

    external_id = required_text(1, importer.MAX_EXTERNAL_ID, required=True, metadata={
        "description": "The line's id in e-Budgeting; unique in the batch"})
    kode_lacak = Text(allow_none=True, validate=validate.Regexp(
        rf"^[ -~]{{0,{importer.MAX_KODE_LACAK}}}$", error=_l("At most 30 letters, digits or signs.")),
                      metadata={"description": "Optional: the planned proposal"})
    perangkat_daerah = required_text(1, importer.MAX_PD, required=True, metadata={"description": "Agency code"})
    sub_kegiatan = Text(required=True, validate=validate.Regexp(SUB_KEGIATAN, error=_l(
        "A sub kegiatan code, for example 1.03.10.2.01.0005 or 1.03.10.2.01.05.")), metadata={
        "description": "1.03.10.2.01.05 or 1.03.10.2.01.0005"})
    uraian = required_text(1, importer.MAX_URAIAN, multiline=True, required=True)
    jumlah = Amount(required=True, metadata={"description": "Whole rupiah (an integer, or text such as "
                                                            "\"1.250.000\")"})


class AnggaranBodySchema(ma.Schema):
    """The batch. Errors in a line are named ``baris.<n>.<column>`` with lines counted from 1,
    as the importer counts them."""

    def handle_error(self, error, data, **kwargs):
        lines = error.messages.get("baris") if isinstance(error.messages, dict) else None
        if isinstance(lines, dict) and all(isinstance(k, int) for k in lines):
            raise ma.ValidationError(dict(error.messages, baris={k + 1: v for k, v in lines.items()}))
        raise error

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
    if kinds <= {"no_stage"}:
        return ApiError(409, str(result.problems[0].message), rule="decision_not_allowed")
    if "perangkat_daerah_unknown" in kinds and kinds <= {"perangkat_daerah_unknown", "duplicate"}:
        # lines naming agencies the region does not have (api/references.py), any external_id
        # twice reported alongside
        first = next(p for p in result.problems if p.kind == "perangkat_daerah_unknown")
        return ApiError(404, str(first.message), errors=errors)
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
    @blp.alt_response(404, schema=ErrorSchema, description="No cycle for this year, or lines name agencies "
                                                           "the region does not have (errors per line)")
    @blp.alt_response(409, schema=ErrorSchema, description="The RKPD is not set, or a conflict")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields, or an external_id twice; nothing "
                                                           "written")
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

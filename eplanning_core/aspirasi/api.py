"""/api/v1 for e-Aspirasi: a citizen's app submits and tracks (no token; rate-limited), an
operator's token reads the unit's inbox and follows each aspiration up, exactly as the
screens do (aspirasi/operations.py). Contacts are given only to those who may act on the
aspiration and to Bappeda; never in the public answer."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.throttle import client_address
from ..api.access import paged
from ..api.auth import api_actor, require_token
from ..api.errors import ApiError
from ..api.schemas import (LATITUDE, LONGITUDE, PRICE_TIERS, VOLUME, ErrorSchema, LocalDateTime, PageArgs,
                           Rupiah, Text, envelope, price_limit, required_text)
from ..money import format_rupiah
from ..extensions import db
from ..tenancy.context import current_tenant_id, tenant_config
from ..usulan.messages import status_name
from ..usulan.models import Usulan
from ..wilayah.models import Wilayah
from . import operations as ops
from .labels import STATUS_LABELS
from .models import STATUS, Aspirasi

blp = Blueprint("api_aspirasi", __name__, url_prefix="",
                description="e-Aspirasi: citizens' aspirations, and the units' inboxes")

ACTION_FIELDS = ("tahapan", "bidang", "volume", "satuan", "harga_satuan", "usulan_kegiatan", "permasalahan",
                 "kode_lacak", "alasan")


def _text(max_length: int, **kwargs):
    return Text(validate=validate.Length(max=max_length, error=_l("Too long.")), **kwargs)


class AspirasiCreateSchema(ma.Schema):
    """An aspiration from a citizen's app. lat and lng together or neither."""

    OPENAPI_RULES = {"anyOf": [
        {"required": ["lat", "lng"], "properties": {"lat": {"type": "string"}, "lng": {"type": "string"}}},
        {"properties": {"lat": {"nullable": True, "enum": [None]}, "lng": {"nullable": True, "enum": [None]}}}]}
    wilayah_kode = Text(required=True, validate=validate.Length(min=1, max=40, error=_l("1 to 40 characters.")),
                        metadata={"description": "Code of the lowest unit (lingkungan, dusun, jorong)"})
    permasalahan = required_text(10, 2000, multiline=True, required=True)
    usulan_kegiatan = required_text(10, 2000, multiline=True, required=True)
    jalan = _text(200, allow_none=True)
    nama = _text(120, allow_none=True, metadata={"description": "Shown masked, never in full"})
    kontak = Text(required=True, validate=[
        validate.Length(max=254, error=_l("Too long.")),
        validate.Regexp(ops.CONTACT_PATTERN, error=_l("A phone number (for example 0812 3456 7890) or an email "
                                                      "address."))],
        metadata={"description": "A phone number or an email address; never published"})
    lat = Text(allow_none=True, validate=validate.Regexp(LATITUDE, error=_l(
        "A decimal string from -11 to 6 (inside Indonesia), for example \"3.5952\".")))
    lng = Text(allow_none=True, validate=validate.Regexp(LONGITUDE, error=_l(
        "A decimal string from 94 to 142 (inside Indonesia), for example \"98.6722\".")))

    @ma.validates_schema
    def _pair(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ma.ValidationError({"lat": [_l("Send lat and lng together, or neither.")]})


class ProposalRefSchema(ma.Schema):
    kode_lacak = fields.String()
    tahapan = fields.String()
    tahapan_nama = fields.String()
    status = fields.String()
    status_nama = fields.String()


class AspirasiPublicSchema(ma.Schema):
    kode = fields.String(metadata={"description": "The citizen's tracking code"})
    status = fields.String(metadata={"enum": list(STATUS)})
    status_nama = fields.String()
    terkonfirmasi = fields.Boolean(metadata={"description": "The contact typed the code mailed to it"})
    perlu_konfirmasi = fields.Boolean(metadata={"description": "Waiting for the code mailed to the contact"})
    permasalahan = fields.String()
    usulan_kegiatan = fields.String()
    wilayah = fields.List(fields.String(), metadata={"description": "Unit names, top down"})
    jalan = fields.String(allow_none=True)
    alasan = fields.String(allow_none=True, metadata={"description": "Why it was declined"})
    dikirim = LocalDateTime()
    usulan = fields.Nested(ProposalRefSchema, allow_none=True)


class AspirasiArgs(PageArgs):
    status = Text(load_default="masuk", validate=validate.OneOf(
        [s for s in STATUS if s != "menunggu_konfirmasi"], error=_l("Not one of: {choices}.")))


class UnitSchema(ma.Schema):
    kode = fields.String()
    nama = fields.String()


class AspirasiInboxSchema(ma.Schema):
    id = fields.Integer()
    kode = fields.String()
    status = fields.String()
    status_nama = fields.String()
    terkonfirmasi = fields.Boolean()
    permasalahan = fields.String()
    usulan_kegiatan = fields.String()
    wilayah = fields.Nested(UnitSchema)
    jalan = fields.String(allow_none=True)
    lat = fields.String(allow_none=True)
    lng = fields.String(allow_none=True)
    nama = fields.String(allow_none=True)
    kontak = fields.String(allow_none=True, metadata={"description": "Only for who may act on it and Bappeda"})
    kontak_jenis = fields.String()
    alasan = fields.String(allow_none=True)
    usulan_kode_lacak = fields.String(allow_none=True)
    dikirim = LocalDateTime()


AspirasiPage = envelope(AspirasiInboxSchema, "AspirasiPage")


#: The rules across fields of FollowUpSchema, in the document (api/openapi_rules.py): what each
#: tindakan needs, and for a proposal the unit price within the limit of the volume's size.
FOLLOW_UP_RULES = {"anyOf": [
    {"properties": {"tindakan": {"enum": ["usulkan"]}},
     "required": ["tahapan", "bidang", "volume", "satuan", "harga_satuan"],
     "anyOf": [{"properties": {"volume": {"pattern": pattern}, "harga_satuan": {"maximum": limit}}}
               for pattern, limit in PRICE_TIERS]},
    {"properties": {"tindakan": {"enum": ["gabung"]}}, "required": ["kode_lacak"]},
    {"properties": {"tindakan": {"enum": ["tolak"]}}, "required": ["alasan"]},
    {"properties": {"tindakan": {"enum": ["spam"]}}},
]}
NEEDS = {"usulkan": ("tahapan", "bidang", "volume", "satuan", "harga_satuan"), "gabung": ("kode_lacak",),
         "tolak": ("alasan",), "spam": ()}


class FollowUpSchema(ma.Schema):
    """usulkan: a proposal at ``tahapan`` (bidang, volume, satuan, harga_satuan; the texts start
    as the citizen's words); gabung: into the proposal ``kode_lacak``; tolak: with ``alasan``
    (the citizen reads it); spam."""

    OPENAPI_RULES = FOLLOW_UP_RULES
    tindakan = Text(required=True, validate=validate.OneOf(ops.ACTIONS, error=_l("Not one of: {choices}.")))
    tahapan = Text(validate=validate.Length(min=1, max=40, error=_l("1 to 40 characters.")))
    bidang = Text(validate=validate.OneOf(("ekonomi", "sosial_budaya", "fisik_prasarana"),
                                          error=_l("Not one of: {choices}.")))
    volume = Text(validate=validate.Regexp(
        VOLUME, error=_l("A decimal string above 0, for example \"150\" or \"12.5\".")))
    satuan = required_text(1, 40)
    harga_satuan = Rupiah()
    usulan_kegiatan = required_text(5, 2000, multiline=True, metadata={
        "description": "Default: the citizen's words"})
    permasalahan = required_text(5, 2000, multiline=True, metadata={"description": "Default: the citizen's words"})
    kode_lacak = Text(validate=validate.Length(min=1, max=40, error=_l("1 to 40 characters.")))
    alasan = required_text(5, 1000, multiline=True)

    @ma.validates_schema
    def _needs(self, data, **kwargs):
        missing = [name for name in NEEDS.get(data.get("tindakan"), ()) if data.get(name) is None]
        errors = {name: [_l("Required for this tindakan.")] for name in missing}
        if not missing and data.get("tindakan") == "usulkan" and data["harga_satuan"] > price_limit(data["volume"]):
            errors["harga_satuan"] = [_l("The total (volume x unit price) is too large: with this volume the "
                                         "unit price is at most %(max)s.", max=format_rupiah(price_limit(data["volume"])))]
        if errors:
            raise ma.ValidationError(errors)


class FollowUpResultSchema(AspirasiInboxSchema):
    usulan_id = fields.Integer(allow_none=True)


# ---- presenting ---------------------------------------------------------------------------------

def _public(aspirasi: Aspirasi) -> dict:
    from ..portal.queries import location_path
    from ..siklus.models import Siklus
    from ..usulan.engine_adapter import cycle_for

    usulan = None
    if aspirasi.usulan_id is not None:
        row = db.session.get(Usulan, aspirasi.usulan_id)
        stage = cycle_for(db.session.get(Siklus, row.siklus_id)).stage(row.tahapan)
        usulan = {"kode_lacak": row.kode_lacak, "tahapan": row.tahapan,
                  "tahapan_nama": stage.name if stage else row.tahapan, "status": row.status,
                  "status_nama": status_name(row.status)}
    return {"kode": aspirasi.kode, "status": aspirasi.status, "status_nama": str(STATUS_LABELS[aspirasi.status]),
            "terkonfirmasi": aspirasi.terkonfirmasi, "perlu_konfirmasi": aspirasi.status == "menunggu_konfirmasi",
            "permasalahan": aspirasi.permasalahan, "usulan_kegiatan": aspirasi.usulan_kegiatan,
            "wilayah": [u.nama for u in location_path(aspirasi.wilayah_kode)], "jalan": aspirasi.jalan,
            "alasan": aspirasi.alasan if aspirasi.status == "ditolak" else None, "dikirim": aspirasi.created_at,
            "usulan": usulan}


def _inbox_item(aspirasi: Aspirasi, user, codes: dict) -> dict:
    sees_contact = user.role == Role.BAPPEDA.value or ops.may_act(user, aspirasi)
    return {"id": aspirasi.id, "kode": aspirasi.kode, "status": aspirasi.status,
            "status_nama": str(STATUS_LABELS[aspirasi.status]), "terkonfirmasi": aspirasi.terkonfirmasi,
            "permasalahan": aspirasi.permasalahan, "usulan_kegiatan": aspirasi.usulan_kegiatan,
            "wilayah": {"kode": aspirasi.wilayah.kode, "nama": aspirasi.wilayah.nama}, "jalan": aspirasi.jalan,
            "lat": None if aspirasi.lat is None else str(aspirasi.lat),
            "lng": None if aspirasi.lng is None else str(aspirasi.lng), "nama": aspirasi.nama,
            "kontak": aspirasi.kontak if sees_contact else None, "kontak_jenis": aspirasi.kontak_jenis,
            "alasan": aspirasi.alasan, "usulan_kode_lacak": codes.get(aspirasi.usulan_id),
            "dikirim": aspirasi.created_at}


def _error(outcome: ops.Outcome) -> ApiError:
    rule = {403: "wrong_role", 409: "already_done", 429: "rate_limited"}.get(outcome.status)
    if outcome.status == 403 and outcome.aspirasi is None:
        rule = "aspirasi_closed"
    return ApiError(outcome.status if outcome.status >= 400 else 422,
                    outcome.message or _("Some fields are not valid."),
                    errors={k: [v] for k, v in outcome.errors.items()}, rule=rule)


# ---- the public side -------------------------------------------------------------------------------

@blp.route("/publik/aspirasi")
class PublicAspirasiCreate(MethodView):
    @blp.arguments(AspirasiCreateSchema)
    @blp.response(201, AspirasiPublicSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="aspirasi_closed: the region takes none now")
    @blp.alt_response(404, schema=ErrorSchema, description="wilayah_kode names no lowest unit of this region")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields")
    @blp.alt_response(429, schema=ErrorSchema, description="rate_limited: too many from this address or contact")
    @blp.alt_response(503, schema=ErrorSchema, description="The confirmation code could not be mailed")
    def post(self, body):
        """Send an aspiration (no token). With an email contact where the region sends mail, a
        code is mailed and the aspiration waits for it (typed on its portal page)."""
        tenant_id = current_tenant_id()
        unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == tenant_id,
                                                       Wilayah.kode == body["wilayah_kode"].strip()))
        if unit is None or unit.tingkat != ops.lowest_level(tenant_id):
            message = _("Choose your %(level)s.", level=tenant_config().level_name(
                max(1, ops.lowest_level(tenant_id))).lower())
            raise ApiError(404, message, errors={"wilayah_kode": [message]})
        values = {k: v for k, v in body.items() if k != "wilayah_kode"}
        values["wilayah_id"] = unit.id
        outcome = ops.submit(values, [], client_address())
        if not outcome.ok:
            if "wilayah_id" in outcome.errors:
                outcome.errors["wilayah_kode"] = outcome.errors.pop("wilayah_id")
            raise _error(outcome)
        return _public(outcome.aspirasi), 201


@blp.route("/publik/aspirasi/<kode>")
class PublicAspirasi(MethodView):
    @blp.response(200, AspirasiPublicSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No aspiration of this region has this code")
    def get(self, kode):
        """An aspiration by its tracking code: its state, and the proposal it became part of."""
        aspirasi = ops.find(current_tenant_id(), kode)
        if aspirasi is None:
            raise ApiError(404, _("No aspiration has the tracking code %(code)s.", code=kode[:40]))
        return _public(aspirasi)


# ---- the unit's inbox ------------------------------------------------------------------------------

READERS = (Role.OPERATOR.value, Role.BAPPEDA.value, Role.VIEWER.value)


@blp.route("/aspirasi")
class AspirasiInbox(MethodView):
    @require_token(scope="read", user_only=True, roles=READERS)
    @blp.arguments(AspirasiArgs, location="query")
    @blp.response(200, AspirasiPage)
    @blp.alt_response(401, schema=ErrorSchema, description="No valid token")
    @blp.alt_response(403, schema=ErrorSchema, description="user_token_required, wrong_role")
    def get(self, args):
        """The caller's inbox: aspirations of its unit and the units below (Bappeda: the region's)."""
        user = api_actor().user
        query = (select(Aspirasi).where(*ops.visible_clause(user), Aspirasi.status == args["status"])
                 .options(db.joinedload(Aspirasi.wilayah)).order_by(Aspirasi.id.desc()))
        page = paged(query, args, lambda a: a)
        ids = {a.usulan_id for a in page["items"] if a.usulan_id}
        codes = dict(db.session.execute(select(Usulan.id, Usulan.kode_lacak).where(
            Usulan.tenant_id == user.tenant_id, Usulan.id.in_(sorted(ids)))).all()) if ids else {}
        page["items"] = [_inbox_item(a, user, codes) for a in page["items"]]
        return page


def _acting_on_it(view):
    """The aspiration must be one the caller sees (else 404) and may act on (else 403) before
    the body is read: another unit's id answers 404 whatever the body holds."""
    from functools import wraps

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = api_actor().user
        aspirasi = ops.get_visible(user, kwargs["aspirasi_id"])
        if aspirasi is None:
            raise ApiError(404, _("Not found."))
        if not ops.may_act(user, aspirasi):
            raise ApiError(403, _("Your role may not do this."), rule="wrong_role")
        return view(*args, **kwargs)
    return wrapper


@blp.route("/aspirasi/<int:aspirasi_id>/tindak-lanjut")
class AspirasiFollowUp(MethodView):
    @require_token(scope="write", user_only=True, roles=READERS)
    @_acting_on_it
    @blp.arguments(FollowUpSchema)
    @blp.response(200, FollowUpResultSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="wrong_role: not an operator of its unit")
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope; tahapan "
                                                           "(unknown_stage) or kode_lacak names nothing the caller sees")
    @blp.alt_response(409, schema=ErrorSchema, description="already_done, stage_closed (no proposals at that stage "
                                                           "now), or the engine's refusal")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields (tahapan, bidang, kode_lacak, alasan ...)")
    def post(self, body, aspirasi_id):
        """Turn into a proposal (usulkan), merge (gabung), decline with a reason (tolak) or spam."""
        user = api_actor().user
        aspirasi = ops.get_visible(user, aspirasi_id)
        if aspirasi is None:
            raise ApiError(404, _("Not found."))
        if not ops.may_act(user, aspirasi):
            raise ApiError(403, _("Your role may not do this."), rule="wrong_role")
        values = {k: v for k, v in body.items() if k in ACTION_FIELDS}
        if body["tindakan"] == "usulkan":
            from decimal import Decimal

            from ..api import references
            from ..siklus.current import current_cycle
            from ..usulan.engine_adapter import cycle_for

            siklus = current_cycle()
            if siklus is None:
                raise ApiError(409, _("No planning cycle is open."), rule="stage_closed")
            references.stage(cycle_for(siklus), body["tahapan"])
            values["volume"] = Decimal(body["volume"])
        if body["tindakan"] == "gabung":
            from ..portal.queries import normalise_code
            from ..usulan.scope import scoped_usulan

            code = normalise_code(body["kode_lacak"])
            if code is None or db.session.scalar(scoped_usulan(user).where(Usulan.kode_lacak == code)) is None:
                raise ApiError(404, _("No proposal you can see has this tracking code."),
                               errors={"kode_lacak": [_("No proposal you can see has this tracking code.")]})
        outcome = ops.follow_up(aspirasi, user, body["tindakan"], values)
        if not outcome.ok:
            raise _error(outcome)
        current = db.session.get(Aspirasi, aspirasi_id)
        codes = {outcome.usulan.id: outcome.usulan.kode_lacak} if outcome.usulan else {}
        return dict(_inbox_item(current, user, codes), usulan_id=current.usulan_id)


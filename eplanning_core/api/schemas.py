"""Marshmallow schemas of every API request and response.

Conventions: money is an integer of rupiah; volumes, coordinates and scores are decimal
strings ("12.50"); datetimes are ISO 8601 with the region's offset ("2026-02-05T09:00:00+07:00");
lists come in one envelope ``{items, page, per_page, total, pages}``.
"""

from __future__ import annotations

import re
from datetime import timezone
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..money import format_rupiah
from ..textinput import (MULTI_LINE_PATTERN, MULTI_LINE_REFUSED, SINGLE_LINE_PATTERN,
                         SINGLE_LINE_REFUSED, SPACES, problem)
from ..usulan.models import STATUS, SUMBER
from ..workflow.moves import ACTIONS

MAX_PER_PAGE = 100
PER_PAGE = 25
#: Largest id or count a request may carry (a 32-bit database integer).
MAX_ID = 2_147_483_647
#: Largest amount a request may carry, well inside a 64-bit column: 999 trillion rupiah.
MAX_RUPIAH = 999_999_999_999_999
#: Actions POST /usulan/{id}/keputusan takes: every per-proposal action but editing content.
DECISION_ACTIONS = tuple(a for a in ACTIONS if a != "ubah")
BIDANG = ("ekonomi", "sosial_budaya", "fisik_prasarana")
_DECIMALS = r"(\.[0-9]{1,8})?"
#: A volume: a decimal string above 0 with at most 9 digits before the point (money.MAX_VOLUME)
#: and 2 after it.
VOLUME = r"^(?=[0.]*[1-9])[0-9]{1,9}(\.[0-9]{1,2})?$"
#: Volume x unit price must stay within MAX_RUPIAH; OpenAPI cannot multiply, so the rule is
#: stated (and enforced) per size of the volume: with at most d digits before the point, the
#: unit price is at most MAX_RUPIAH // 10**d (at most a factor 10 below the exact limit).
PRICE_TIERS = tuple((rf"^[0-9]{{1,{d}}}(\.[0-9]{{1,2}})?$", MAX_RUPIAH // 10**d) for d in range(1, 10))
#: A sub kegiatan code of Permendagri 90/2019, 2- or 4-digit form (kamus/nomenclature.py).
SUB_KEGIATAN = r"^[0-9Xx]\.([0-9]{2}|[Xx]{2})\.[0-9]{2}\.[0-9]\.[0-9]{2}\.([0-9]{2}|[0-9]{4})$"
#: Coordinates inside Indonesia, as decimal strings: latitude -11 to 6, longitude 94 to 142.
LATITUDE = (rf"^(-([0-9]|10){_DECIMALS}|-11(\.0{{1,8}})?|[0-5]{_DECIMALS}|6(\.0{{1,8}})?)$")
LONGITUDE = (rf"^(9[4-9]{_DECIMALS}|1[0-3][0-9]{_DECIMALS}|14[01]{_DECIMALS}|142(\.0{{1,8}})?)$")


# ---- fields -----------------------------------------------------------------------------------

class Rupiah(fields.Integer):
    """Whole rupiah: a JSON integer, never a float, a string or a boolean."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=0, max=MAX_RUPIAH, error=_l(
            "Whole rupiah from 0 to 999.999.999.999.999.")))
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class WholeNumber(fields.Integer):
    """A whole number: strict (a JSON integer) in bodies, from text in query strings; never
    beyond what a database integer holds. The bound is a Range validator, so the OpenAPI
    document states it (minimum/maximum); a field's own Range narrows it further."""

    def __init__(self, strict: bool = True, **kwargs):
        limit = validate.Range(min=-MAX_ID, max=MAX_ID, error=_l("Too large."))
        own = kwargs.pop("validate", None)
        kwargs["validate"] = [limit] + (list(own) if isinstance(own, (list, tuple)) else [own] if own else [])
        super().__init__(strict=strict, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def Id(**kwargs):  # noqa: N802 - a field factory, named like the fields it makes
    """A row id: a whole number from 1 (0 and negatives name nothing)."""
    return WholeNumber(validate=validate.Range(min=1, error=_l("1 or more.")), **kwargs)


class Text(fields.String):
    """Text under the one rule of textinput.py: no control characters (tab, CR and LF only
    in ``multiline`` text). The rule is in the document as a ``pattern``."""

    def __init__(self, multiline: bool = False, **kwargs):
        self.multiline = multiline
        own = kwargs.get("validate")
        own = own if isinstance(own, (list, tuple)) else [own] if own else []
        if not any(isinstance(v, (validate.Regexp, validate.OneOf)) for v in own):
            metadata = dict(kwargs.pop("metadata", None) or {})
            metadata.setdefault("pattern", MULTI_LINE_PATTERN if multiline else SINGLE_LINE_PATTERN)
            kwargs["metadata"] = metadata
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        found = problem(text, self.multiline)
        if found:
            raise ma.ValidationError(found)
        return text


class DecimalString(fields.Decimal):
    """A decimal sent as a JSON string ("12.50"), and documented as one (not as a number)."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


class LocalDateTime(fields.DateTime):
    """Stored naive UTC, shown in the region's time zone with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        from ..tenancy.context import tenant_config

        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(ZoneInfo(tenant_config().timezone)).isoformat(timespec="seconds")


def _text(max_length: int, **kwargs):
    return Text(validate=validate.Length(max=max_length, error=_l("Too long.")), **kwargs)


def required_text(min_length: int, max_length: int, multiline: bool = False, **kwargs):
    """Text that must hold ``min_length`` characters once the spaces around it are trimmed (as
    the screens check it); its pattern says so, and says no control characters."""
    refused = MULTI_LINE_REFUSED if multiline else SINGLE_LINE_REFUSED
    space = rf"[{SPACES}\t\n\r]" if multiline else f"[{SPACES}]"
    if min_length > 1:
        body = rf"[^\s{refused}][^{refused}]{{{min_length - 2},}}[^\s{refused}]{space}*"
    else:
        body = rf"[^\s{refused}][^{refused}]*"
    return Text(multiline=multiline, validate=[
        validate.Length(max=max_length, error=_l("Too long.")),
        validate.Regexp(rf"^{space}*{body}$", error=_l(
            "Required: at least %(n)s characters besides spaces.", n=min_length))], **kwargs)


def _one_of(choices, **kwargs):
    return Text(validate=validate.OneOf(choices, error=_l("Not one of: {choices}.")), **kwargs)


def price_limit(volume: str) -> int:
    """The largest unit price :data:`PRICE_TIERS` allow with this (valid) volume string."""
    return max(limit for pattern, limit in PRICE_TIERS if re.fullmatch(pattern, volume))


#: The OpenAPI form of the rules across fields of UsulanCreateSchema (api/openapi_rules.py
#: writes them into its component; its validator enforces exactly these).
USULAN_CREATE_RULES = {"allOf": [
    {"anyOf": [{"properties": {"volume": {"pattern": pattern}, "harga_satuan": {"maximum": limit}}}
               for pattern, limit in PRICE_TIERS]},
    {"anyOf": [{"required": ["lat", "lng"], "properties": {"lat": {"type": "string"}, "lng": {"type": "string"}}},
               {"properties": {"lat": {"nullable": True, "enum": [None]},
                               "lng": {"nullable": True, "enum": [None]}}}]},
]}


# ---- errors and paging -------------------------------------------------------------------------

class ErrorSchema(ma.Schema):
    message = fields.String(metadata={"description": "What went wrong, in the caller's language"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages per offending field"})
    rule = fields.String(allow_none=True, metadata={
        "description": "The refusal rule code (e.g. reason_required, stale, token_invalid) or null"})
    versi = fields.Integer(metadata={"description": "Current version, on a stale (409) answer"})


class PageArgs(ma.Schema):
    page = WholeNumber(strict=False, load_default=1, validate=validate.Range(min=1, error=_l("1 or more.")))
    per_page = WholeNumber(strict=False, load_default=PER_PAGE, validate=validate.Range(
        min=1, max=MAX_PER_PAGE, error=_l("A whole number from 1 to 100.")))


class PageSchema(ma.Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def envelope(item_schema, name: str):
    """A paged list schema of ``item_schema`` named ``name``."""
    return PageSchema.from_dict({"items": fields.List(fields.Nested(item_schema))}, name=name)


# ---- health and login ------------------------------------------------------------------------

class ReplicaHealthSchema(ma.Schema):
    configured = fields.Boolean(metadata={"description": "REPLICA_DATABASE_URL is set"})
    in_use = fields.Boolean(metadata={"description": "public and report reads go to the replica now"})
    lag_seconds = fields.Float(allow_none=True, metadata={
        "description": "how far the replica's replay is behind what it received (0: caught up)"})
    detail = fields.String(metadata={"description": "why the replica is or is not in use"})


class HealthSchema(ma.Schema):
    status = fields.String(metadata={"description": "ok, or degraded when the database is unreachable"})
    version = fields.String()
    database = fields.Boolean()
    region = fields.String()
    replica = fields.Nested(ReplicaHealthSchema, metadata={
        "description": "only where a read replica is configured (docs/scaling.md): lag, and whether reads use it"})


class TokenRequestSchema(ma.Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=60, error=_l("1 to 60 characters.")))
    password = Text(required=True, validate=validate.Length(min=1, max=200, error=_l("1 to 200 characters.")),
                             load_only=True)


class TokenUserSchema(ma.Schema):
    username = fields.String()
    nama = fields.String()
    role = fields.String()
    wilayah_kode = fields.String(allow_none=True)
    perangkat_daerah_id = fields.Integer(allow_none=True)


class TokenSchema(ma.Schema):
    token = fields.String(metadata={"description": "The secret: send it as 'Authorization: Bearer <token>'"})
    token_type = fields.String()
    expires_at = LocalDateTime()
    scope = fields.String()
    user = fields.Nested(TokenUserSchema)


# ---- wilayah ----------------------------------------------------------------------------------

class WilayahArgs(PageArgs):
    tingkat = WholeNumber(strict=False, validate=validate.Range(min=1, max=3, error=_l("1, 2 or 3.")))
    parent = _text(40, metadata={"description": "Code of the parent unit, e.g. 12.71.01"})
    q = _text(100, metadata={"description": "Part of the name or code"})


class WilayahSchema(ma.Schema):
    id = fields.Integer()
    kode = fields.String()
    nama = fields.String()
    tingkat = fields.Integer()
    tingkat_nama = fields.String()
    jenis = fields.String(allow_none=True)
    parent_kode = fields.String(allow_none=True)


WilayahPage = envelope(WilayahSchema, "WilayahPage")


# ---- usulan -----------------------------------------------------------------------------------

class UsulanArgs(PageArgs):
    siklus = Id(strict=False, metadata={"description": "Cycle id; default the running one"})
    tahapan = _text(40)
    status = _one_of(STATUS)
    sumber = _one_of(SUMBER)
    pd = Id(strict=False, metadata={"description": "Perangkat Daerah id"})
    wilayah = _text(40, metadata={"description": "Unit code: that unit and every unit below"})
    q = _text(100, metadata={"description": "Text in activity, problem, tracking code or street"})


class UnitRefSchema(ma.Schema):
    id = fields.Integer()
    kode = fields.String()
    nama = fields.String()


class ActionSchema(ma.Schema):
    keputusan = fields.String()
    nama = fields.String()
    perlu_alasan = fields.Boolean()
    masukan = fields.List(fields.String(), metadata={"description": "Required inputs"})
    opsional = fields.List(fields.String())


class UsulanSchema(ma.Schema):
    id = fields.Integer()
    kode_lacak = fields.String()
    siklus_id = fields.Integer()
    tahun = fields.Integer()
    sumber = fields.String()
    tahapan = fields.String()
    tahapan_nama = fields.String()
    status = fields.String()
    status_nama = fields.String()
    alasan = fields.String(allow_none=True)
    bidang = fields.String()
    permasalahan = fields.String()
    usulan_kegiatan = fields.String()
    kamus_id = fields.Integer(allow_none=True)
    volume = DecimalString()
    satuan = fields.String()
    harga_satuan = fields.Integer()
    total = fields.Integer()
    lokasi = fields.Nested(UnitRefSchema, allow_none=True)
    jalan = fields.String(allow_none=True)
    lokasi_detail = fields.String(allow_none=True)
    lat = DecimalString(allow_none=True)
    lng = DecimalString(allow_none=True)
    pengusul_nama = fields.String(allow_none=True)
    perangkat_daerah = fields.Nested(UnitRefSchema, allow_none=True)
    dapil = fields.String(allow_none=True)
    sub_kegiatan_kode = fields.String(allow_none=True)
    pagu = fields.Integer(allow_none=True)
    target = fields.String(allow_none=True)
    indikator = fields.String(allow_none=True)
    skor = DecimalString(allow_none=True)
    prioritas = fields.Integer(allow_none=True)
    survei_selesai = fields.Boolean()
    terkunci = fields.Boolean()
    tertutup = fields.Boolean()
    dana_desa = fields.Boolean()
    anggaran_jumlah = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    versi = fields.Integer(metadata={"description": "Send it back with a decision (stale: 409)"})


class UsulanDetailSchema(UsulanSchema):
    pengusul_telepon = fields.String(allow_none=True, metadata={
        "description": "Only for Bappeda and the operators of the proposal's units"})
    pengusul_nik = fields.String(allow_none=True, metadata={
        "description": "Only for Bappeda and the operators of the proposal's units"})
    aksi = fields.List(fields.Nested(ActionSchema), metadata={
        "description": "What the caller may decide now"})


UsulanPage = envelope(UsulanSchema, "UsulanPage")


class UsulanCreateSchema(ma.Schema):
    """A new proposal. Across fields: lat and lng together or neither; the unit price within
    the limit of the volume's size (PRICE_TIERS). Both are in the document (OPENAPI_RULES)."""

    OPENAPI_RULES = USULAN_CREATE_RULES
    siklus = Id(metadata={"description": "Cycle id; default the running one"})
    tahapan = Text(required=True, validate=validate.Length(min=1, max=40, error=_l("1 to 40 characters.")))
    bidang = _one_of(BIDANG, required=True)
    permasalahan = required_text(5, 2000, multiline=True, required=True)
    usulan_kegiatan = required_text(5, 2000, multiline=True, required=True)
    kamus_id = Id(allow_none=True)
    volume = Text(required=True, validate=validate.Regexp(
        VOLUME, error=_l("A decimal string above 0, for example \"150\" or \"12.5\".")))
    satuan = required_text(1, 40, required=True)
    harga_satuan = Rupiah(required=True)
    lokasi_kode = _text(40, allow_none=True, metadata={"description": "Unit code of the location"})
    jalan = _text(200, allow_none=True)
    lokasi_detail = _text(250, allow_none=True)
    lat = Text(allow_none=True, validate=validate.Regexp(LATITUDE, error=_l(
        "A decimal string from -11 to 6 (inside Indonesia), for example \"3.5952\".")), metadata={
        "description": "Send with lng, or neither"})
    lng = Text(allow_none=True, validate=validate.Regexp(LONGITUDE, error=_l(
        "A decimal string from 94 to 142 (inside Indonesia), for example \"98.6722\".")), metadata={
        "description": "Send with lat, or neither"})
    pengusul_nama = _text(120, allow_none=True)
    pengusul_telepon = Text(allow_none=True, validate=validate.Regexp(
        rf"^[{SPACES}]*([0-9+()\-][0-9+()\- ]{{4,28}}[0-9+()\-])?[{SPACES}]*$", error=_l("Digits, spaces, '+', '-' and brackets only (6 to 30).")))
    pengusul_nik = Text(allow_none=True, validate=validate.Regexp(
        rf"^[{SPACES}]*(\d{{16}})?[{SPACES}]*$", error=_l("A NIK has exactly 16 digits.")))

    @ma.validates_schema
    def _across_fields(self, data, **kwargs):
        errors = {}
        if (data.get("lat") is None) != (data.get("lng") is None):
            errors["lat"] = [_l("Send lat and lng together, or neither.")]
        limit = price_limit(data["volume"])
        if data["harga_satuan"] > limit:
            errors["harga_satuan"] = [_l("The total (volume x unit price) is too large: with this volume the "
                                         "unit price is at most %(max)s.", max=format_rupiah(limit))]
        if errors:
            raise ma.ValidationError(errors)


class DecisionSchema(ma.Schema):
    keputusan = _one_of(DECISION_ACTIONS, required=True)
    versi = WholeNumber(required=True, metadata={"description": "The version the client saw"})
    tahapan = _text(40, metadata={"description": "The stage the client saw; default the current one"})
    alasan = _text(2000, allow_none=True, multiline=True)
    pagu = Rupiah(allow_none=True)
    amount = Rupiah(allow_none=True, metadata={"description": "Funded amount (didanai)"})
    total = Rupiah(allow_none=True)
    sub_kegiatan = Text(allow_none=True, validate=validate.Regexp(SUB_KEGIATAN, error=_l(
        "A sub kegiatan code, for example 1.03.10.2.01.0005 or 1.03.10.2.01.05.")))
    target = _text(120, allow_none=True)
    agency_id = Id(allow_none=True)
    priority = WholeNumber(allow_none=True, validate=validate.Range(
        min=1, max=100000, error=_l("A whole number from 1.")))
    # Keys are the stage's criteria (each region's configuration): any text here, and a key
    # that is no criterion of the proposal's stage is the engine's invalid_input.
    points = fields.Dict(keys=fields.String(), values=WholeNumber(validate=validate.Range(
        min=0, error=_l("0 or more."))), allow_none=True,
                         metadata={"description": "Criterion key -> points"})


class SendSchema(ma.Schema):
    tahapan = Text(required=True, validate=validate.Length(min=1, max=40, error=_l("1 to 40 characters.")))
    holder = _text(40, allow_none=True, metadata={
        "description": "Unit code, agency id or DPRD member id; default the caller's own"})
    siklus = Id()
    dry_run = fields.Boolean(load_default=False)


class SendResultSchema(ma.Schema):
    tahapan = fields.String()
    ke_tahapan = fields.String()
    holder = fields.String()
    dikirim = fields.List(fields.Integer(), metadata={"description": "Ids sent on"})
    tertahan = fields.List(fields.Integer(), metadata={"description": "Ids that stay behind"})
    total = fields.Integer()
    dry_run = fields.Boolean()


class DecisionEntrySchema(ma.Schema):
    tahapan = fields.String()
    tahapan_nama = fields.String()
    keputusan = fields.String()
    keputusan_nama = fields.String()
    alasan = fields.String(allow_none=True)
    oleh = fields.String(metadata={"description": "The unit, agency or body that decided"})
    oleh_nama = fields.String(metadata={"description": "The official who recorded it"})
    waktu = LocalDateTime()


class HistoryEntrySchema(ma.Schema):
    aksi = fields.String()
    alasan = fields.String(allow_none=True)
    perubahan = fields.Dict(metadata={"description": "field -> [old, new]; never proposers' personal data"})
    oleh_nama = fields.String()
    waktu = LocalDateTime()


class RiwayatSchema(ma.Schema):
    kode_lacak = fields.String()
    keputusan = fields.List(fields.Nested(DecisionEntrySchema))
    riwayat = fields.List(fields.Nested(HistoryEntrySchema))


# ---- the public view -----------------------------------------------------------------------

class PublicChangeSchema(ma.Schema):
    nama = fields.String(metadata={"description": "The field changed, as a citizen reads it"})
    sebelum = fields.String()
    sesudah = fields.String()


class PublicStepSchema(ma.Schema):
    tahapan_nama = fields.String()
    keputusan = fields.String(metadata={"description": "The event: a decision, 'ubah' (a change) or "
                                                       "'buka_kembali' (a correction: a decision reopened)"})
    label = fields.String()
    alasan = fields.String(allow_none=True)
    oleh = fields.String(metadata={"description": "Unit or agency, never a person"})
    waktu = LocalDateTime()
    koreksi = fields.Boolean(metadata={"description": "A correction: a decision was reopened, with its reason"})
    dibuka_kembali = fields.String(allow_none=True, metadata={"description": "Of a correction: the decision reopened"})
    perubahan = fields.List(fields.Nested(PublicChangeSchema),
                            metadata={"description": "Of a change: the public fields changed"})


from ..realisasi.public import PublicExecutionSchema  # noqa: E402  (the public journey's end)


class PublicUsulanSchema(ma.Schema):
    kode_lacak = fields.String()
    tahun = fields.Integer()
    usulan_kegiatan = fields.String()
    permasalahan = fields.String()
    bidang = fields.String()
    bidang_nama = fields.String()
    sumber = fields.String()
    lokasi = fields.List(fields.String(), metadata={"description": "Unit names, kecamatan first"})
    jalan = fields.String(allow_none=True)
    volume = DecimalString()
    satuan = fields.String()
    total = fields.Integer()
    tahapan = fields.String()
    tahapan_nama = fields.String()
    status = fields.String()
    status_nama = fields.String()
    alasan = fields.String(allow_none=True)
    perangkat_daerah = fields.String(allow_none=True)
    sub_kegiatan_kode = fields.String(allow_none=True)
    sub_kegiatan_nama = fields.String(allow_none=True)
    harga_satuan = fields.Integer()
    pagu = fields.Integer(allow_none=True)
    anggaran_jumlah = fields.Integer(allow_none=True)
    pengusul = fields.String(metadata={"description": "The proposer's name masked: S*** A*****"})
    timeline = fields.List(fields.Nested(PublicStepSchema))
    koreksi = fields.List(fields.Nested(PublicStepSchema),
                          metadata={"description": "The corrections of the timeline (decisions reopened)"})
    realisasi = fields.Nested(PublicExecutionSchema, allow_none=True, metadata={
        "description": "The execution of a funded item (null before its record): progress, money, photos"})

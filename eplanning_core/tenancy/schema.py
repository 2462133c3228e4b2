"""The marshmallow schema of tenant.toml: what a region may configure, and how it is checked."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

REGION_CODE = re.compile(r"^\d{2}\.\d{2}$")
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")

#: Indonesian time zones (WIB, WITA, WIT) by their IANA names.
TIMEZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
             "Asia/Jayapura": "WIT"}
LANGUAGES = ("id", "en")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class RegionSchema(_Strict):
    code = fields.String(required=True, validate=validate.Regexp(
        REGION_CODE, error="must be a Kemendagri kabupaten/kota code such as 12.71"))
    name = fields.String(required=True, validate=validate.Length(min=3, max=120))
    kind = fields.String(required=True, validate=validate.OneOf(
        ("kabupaten", "kota"), error="must be 'kabupaten' or 'kota'"))
    province = fields.String(required=True, validate=validate.Length(min=3, max=120))
    timezone = fields.String(load_default="Asia/Jakarta")
    tracking_prefix = fields.String(load_default=None, validate=validate.Regexp(
        r"^[A-Z]{2,5}$", error="2 to 5 capital letters, e.g. MDN"))

    @validates("timezone")
    def _timezone(self, value, **_):
        if value not in TIMEZONES:
            raise ValidationError(
                "must be one of " + ", ".join(f"{k} ({v})" for k, v in TIMEZONES.items()))
        try:
            ZoneInfo(value)
        except ZoneInfoNotFoundError as exc:  # pragma: no cover - tzdata is a dependency
            raise ValidationError(f"time zone data missing: {exc}") from exc


class BrandingSchema(_Strict):
    app_name = fields.String(required=True, validate=validate.Length(min=3, max=80))
    primary_color = fields.String(load_default="#0b5394", validate=validate.Regexp(
        COLOUR, error="must be a colour like #0b5394"))
    secondary_color = fields.String(load_default="#f1c232", validate=validate.Regexp(
        COLOUR, error="must be a colour like #f1c232"))
    logo = fields.String(load_default=None, allow_none=True)


class DapilSchema(_Strict):
    """An electoral district (daerah pemilihan) of the DPRD: a set of kecamatan."""

    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9.-]{1,20}$", error="letters, digits, '.' and '-' only, at most 20"))
    name = fields.String(required=True, validate=validate.Length(min=2, max=80))
    kecamatan = fields.List(fields.String(validate=validate.Regexp(
        KECAMATAN_CODE, error="must be a kecamatan code such as 12.71.01")),
        required=True, validate=validate.Length(min=1, error="lists no kecamatan"))


class AuditSchema(_Strict):
    """The tamper-evident history's settings (audit/checkpoints.py)."""

    #: `eplanning audit verify` warns when entries older than this are in no checkpoint.
    checkpoint_max_age_hours = fields.Integer(load_default=2, strict=True, validate=validate.Range(
        min=1, max=24 * 7, error="must be a whole number of hours from 1 to 168"))


class TenantSchema(_Strict):
    region = fields.Nested(RegionSchema, required=True)
    levels = fields.List(fields.String(validate=validate.Length(min=2, max=40)), required=True,
                         validate=validate.Length(equal=3, error=(
                             "must name exactly three levels, top to bottom, "
                             "e.g. [\"Kecamatan\", \"Kelurahan\", \"Lingkungan\"]")))
    default_language = fields.String(load_default="id", validate=validate.OneOf(
        LANGUAGES, error="must be 'id' (Bahasa Indonesia) or 'en' (English)"))
    branding = fields.Nested(BrandingSchema, required=True)
    dapil = fields.List(fields.Nested(DapilSchema), load_default=list)
    audit = fields.Nested(AuditSchema, load_default=lambda: {"checkpoint_max_age_hours": 2})
    #: The planning cycle's stages; checked by the workflow engine (see tenancy/stages.py).
    stages = fields.List(fields.Dict(), load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _dapil_inside_region(self, data, **_):
        region = data.get("region", {}).get("code")
        seen: set[str] = set()
        errors: dict = {}
        for i, dapil in enumerate(data.get("dapil") or []):
            code = dapil.get("code")
            if code is not None and code in seen:
                errors.setdefault(i, {})["code"] = [f"'{code}' is used twice"]
            seen.add(code)
            outside = [k for k in dapil.get("kecamatan") or []
                       if region and not k.startswith(region + ".")]
            if outside:
                errors.setdefault(i, {})["kecamatan"] = [
                    f"{', '.join(outside)} lie outside region {region}"]
        if errors:
            raise ValidationError({"dapil": errors})

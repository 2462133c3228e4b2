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


#: The basemap of every map (issue 14): OpenStreetMap's standard tiles unless the region names
#: its own tile server. The page's Content-Security-Policy allows exactly this host's images.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
_TILE_PLACEHOLDERS = {"{z}", "{x}", "{y}", "{r}"}
_TILE_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def tile_origin(url: str) -> str | None:
    """``https://tile.openstreetmap.org`` of a checked tile URL (None for no tiles): the one
    source the CSP's img-src adds."""
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def check_tile_url(url: str) -> None:
    """A tile URL Leaflet can use and a CSP can name exactly: http(s), one host (no {s}), the
    {z}, {x} and {y} placeholders, no spaces, quotes or login in it."""
    from urllib.parse import urlsplit

    if url == "":
        return  # no basemap: the plain map
    if any(ch.isspace() or ch in "\"'<>;,`\\" for ch in url):
        raise ValidationError("must be a URL without spaces, quotes, ';' or ','")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise ValidationError("must start with https:// (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png)")
    if "@" in parts.netloc:
        raise ValidationError("must not carry a user name or password")
    if "{s}" in parts.netloc:
        raise ValidationError("must name one host: {s} (several sub-domains) is not supported, "
                              "because the pages allow images from exactly that host")
    host = parts.netloc.rsplit(":", 1)[0] if ":" in parts.netloc else parts.netloc
    if not _TILE_HOST.match(host.lower()):
        raise ValidationError(f"'{parts.netloc}' is not a host name")
    try:
        parts.port
    except ValueError:
        raise ValidationError("has a port that is not a number") from None
    found = set(re.findall(r"\{[^}]*\}", url))
    missing = sorted({"{z}", "{x}", "{y}"} - found)
    if missing:
        raise ValidationError(f"must contain {', '.join(missing)} (e.g. .../{{z}}/{{x}}/{{y}}.png)")
    unknown = sorted(found - _TILE_PLACEHOLDERS)
    if unknown:
        raise ValidationError(f"unknown placeholder {', '.join(unknown)}: only {{z}}, {{x}}, {{y}} and {{r}}")


class PetaSchema(_Strict):
    """[peta]: the basemap of the map picker, the proposal page, the Command Center and the portal."""

    tiles = fields.String(load_default=OSM_TILES, validate=check_tile_url)
    attribution = fields.String(load_default=OSM_ATTRIBUTION, validate=validate.Length(max=200))
    #: Where a map without any point opens: [lat, lng] inside Indonesia.
    center = fields.List(fields.Float(), load_default=None, validate=validate.Length(
        equal=2, error="must be [latitude, longitude], e.g. [3.5952, 98.6722]"))
    zoom = fields.Integer(load_default=12, strict=True, validate=validate.Range(
        min=4, max=18, error="must be a whole number from 4 (all Indonesia) to 18 (a street)"))

    @validates("center")
    def _center(self, value, **_):
        if value is not None and not (-11 <= value[0] <= 6 and 94 <= value[1] <= 142):
            raise ValidationError("must lie inside Indonesia: latitude -11 to 6, longitude 94 to 142")

    @validates_schema
    def _attribution_with_tiles(self, data, **_):
        if data.get("tiles") and not (data.get("attribution") or "").strip():
            raise ValidationError({"attribution": ["is required with tiles: the tile server's "
                                                   "licence asks for it (e.g. © OpenStreetMap contributors)"]})


#: A region's funding sources (sumber dana) when its tenant.toml names none.
DEFAULT_FUNDING_SOURCES = ("PAD", "DAU", "DAK", "DBH", "Dana Desa", "Lainnya")


class RealisasiSchema(_Strict):
    """Execution (realisasi) and funding sources (realisasi/)."""

    funding_sources = fields.List(fields.String(validate=validate.Length(min=2, max=40)),
                                  load_default=lambda: list(DEFAULT_FUNDING_SOURCES),
                                  validate=validate.Length(min=1, max=40, error="must list 1 to 40 sources"))
    #: Month-day in the budget year by which every funded item has its execution record.
    record_deadline = fields.String(load_default="03-31", validate=validate.Regexp(
        r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", error="must be a month-day such as 03-31"))


class _Day(fields.Field):
    """A date: TOML's own (2027-01-15) or the same as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        import datetime

        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValidationError("must be a date such as 2027-01-15")


class AspirasiSchema(_Strict):
    """[aspirasi]: e-Aspirasi on the public portal (aspirasi/): open, closed, or a window."""

    open = fields.Boolean(load_default=True)
    #: First and last day (inclusive, the region's time zone) it takes aspirations; none: no limit.
    opens = _Day(load_default=None)
    closes = _Day(load_default=None)

    @validates_schema
    def _window(self, data, **_):
        if data.get("opens") and data.get("closes") and data["closes"] < data["opens"]:
            raise ValidationError({"closes": ["must not be before opens"]})


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
    peta = fields.Nested(PetaSchema, load_default=lambda: {"tiles": OSM_TILES, "attribution": OSM_ATTRIBUTION,
                                                           "center": None, "zoom": 12})
    #: The planning cycle's stages; checked by the workflow engine (see tenancy/stages.py).
    stages = fields.List(fields.Dict(), load_default=None)
    aspirasi = fields.Nested(AspirasiSchema, load_default=lambda: {"open": True, "opens": None, "closes": None})
    realisasi = fields.Nested(RealisasiSchema, load_default=lambda: RealisasiSchema().load({}))

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

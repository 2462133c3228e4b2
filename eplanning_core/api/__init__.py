"""The REST API (/api/v1) for integration clients and e-Budgeting: marshmallow schemas, an
OpenAPI 3 document, tokens created, scoped and revoked by the Bappeda administrator."""

#: Modules (relative to the eplanning_core package) each exposing a flask_smorest Blueprint
#: named ``blp`` whose routes are relative to /api/v1; setup.init_api registers them all.
#: Authenticate with api/auth.py (require_token, api_actor); raise api/errors.py ApiError.
API_BLUEPRINTS = [
    "api.views_health",
    "api.views_auth",
    "api.views_wilayah",
    "api.views_usulan",
    "api.views_publik",
    "budgeting.api",
    "aspirasi.api",
    "realisasi.api",
]

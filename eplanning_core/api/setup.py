"""init_api(app): the /api/v1 blueprints, the OpenAPI 3 document, and how API requests differ
from page requests: no session, no CSRF, JSON errors, language from Accept-Language.

API requests authenticate with bearer tokens only (api/auth.py). So that a browser's session
cookie can never act through the API, every /api/v1 request gets a null session (the cookie
is not read, nothing is written back) and an anonymous Flask-Login user; for the same reason
the API blueprints are exempt from CSRF (no cookie, nothing to forge).

The HTML error pages (app.py) answer 400-413 for the whole app, and routing errors (an
unknown /api/v1 URL, a wrong method) belong to no blueprint, so API errors are chosen by
path: ``handle_http_exception`` of this app answers JSON under /api/v1 and defers to the
pages everywhere else.
"""

from __future__ import annotations

import threading
from importlib import import_module

from flask import Flask, g, jsonify, request
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import RoutingException

from . import API_BLUEPRINTS
from .auth import SECURITY_SCHEME
from .errors import ApiError, field_errors
from .openapi_errors import ErrorResponsesPlugin
from .openapi_rules import SchemaRulesPlugin
from .schemas import MAX_ID, DecimalString, ErrorSchema

from ..request_kind import API_PREFIX as PREFIX
from ..request_kind import is_api_path as _is_api_path
from ..request_kind import is_api_request


class EplanningApi(Api):
    """flask-smorest's Api without its app-wide JSON error handler (ours is path-based), whose
    OpenAPI document is written when first read rather than at start.

    Documenting every view (marshmallow schemas turned into JSON Schema) is most of the time
    an app takes to start, and only ``/api/v1/openapi.json`` and ``eplanning openapi`` read
    it: the routes are registered at once, their documentation on the first read of ``spec``,
    in the same order, so the document is the same.
    """

    ERROR_SCHEMA = ErrorSchema

    @property
    def spec(self):
        pending = self.__dict__.get("_undocumented")
        if pending:
            with _DOCUMENTING:
                while pending:
                    blp, name, parameters = pending.pop(0)
                    blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                    self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self.__dict__.setdefault("_undocumented", []).append((blp, name, parameters))

    #: No catch-all "default" answer: api/openapi_errors.py lists each error status.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


#: Two first requests for the document at once must not document a view twice.
_DOCUMENTING = threading.Lock()


def init_api(app: Flask) -> Api:
    """Create the Api, register every blueprint of API_BLUEPRINTS and the API's behaviour."""
    from .. import __version__
    from ..extensions import csrf
    from . import tokens  # noqa: F401  (its tokens end with an account's sessions: accounts.credentials)

    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = EplanningApi(app, spec_kwargs={
        "title": "e-Perencanaan (eplanning-core) API", "version": __version__, "openapi_version": "3.0.3",
        "info": {"description": "e-Perencanaan REST API: see docs/api.md. Errors are JSON "
                               "{message, errors, rule}; lists are paged (page, per_page <= 100)."},
        "servers": [{"url": "/"}],
        "extra_plugins": [ErrorResponsesPlugin(), SchemaRulesPlugin()],
    })
    api.register_field(DecimalString, "string", "decimal")
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "A client token created by Bappeda at /admin/token, or a user token "
                       "from POST /api/v1/auth/token."})
    for name in API_BLUEPRINTS:
        blp = import_module(f"eplanning_core.{name}").blp
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix=PREFIX + (blp.url_prefix or ""))
    csrf.exempt(app.blueprints[api._make_doc_blueprint_name()])
    app.session_interface = _NoSessionForApi(app.session_interface)
    app.before_request(_start_api_request)
    _json_errors_on_api_paths(app)
    _language_from_accept_language(app)
    app.extensions["eplanning.api"] = api
    return api


def _start_api_request() -> None:
    """An /api/v1 request is nobody until its token says who: no logged-in user. Ids in the
    path beyond a database integer name nothing (404 rather than a database error)."""
    if not is_api_request():
        return
    from ..extensions import login_manager

    g._login_user = login_manager.anonymous_user()
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and abs(value) > MAX_ID:
            raise ApiError(404, _("Not found."))


class _NoSessionForApi:
    """The app's session interface, except that /api/v1 requests get a null session: the
    browser's cookie is not read, and nothing is written back (no Set-Cookie)."""

    def __init__(self, pages):
        self._pages = pages

    def open_session(self, app, request):
        if _is_api_path(request.path):
            return self._pages.make_null_session(app)
        return self._pages.open_session(app, request)

    def __getattr__(self, name):
        return getattr(self._pages, name)


# ---- errors ---------------------------------------------------------------------------------

def _default_message(code: int) -> str:
    return {
        400: _("The request is not valid."),
        401: _("Missing, unknown, expired or revoked API token."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        422: _("Some fields are not valid."),
        500: _("Something went wrong on the server; it has been logged."),
    }.get(code) or _("The request could not be handled.")


def _known_message(text: str) -> str:
    """Marshmallow's and webargs' English messages, in the caller's language."""
    known = {
        "Missing data for required field.": _("This field is required."),
        "Field may not be null.": _("This field may not be empty."),
        "Unknown field.": _("Unknown field."),
        "Not a valid integer.": _("A whole number."),
        "Not a valid string.": _("Text."),
        "Not a valid boolean.": _("true or false."),
        "Not a valid number.": _("A number."),
        "Not a valid mapping type.": _("A JSON object."),
        "Not a valid list.": _("A JSON list."),
        "Invalid input type.": _("The body must be a JSON object."),
        "Invalid JSON body.": _("The body is not valid JSON."),
        "Not a valid datetime.": _("A date and time (ISO 8601)."),
        "Not a valid decimal.": _("A number."),
    }
    return known.get(text, text)


def _webargs_errors(data: dict) -> dict:
    messages = data.get("errors") or data.get("messages") or {}
    out: dict[str, list[str]] = {}
    for location, value in messages.items() if isinstance(messages, dict) else ():
        inner = value if isinstance(value, dict) else {"_schema": value}
        for name, texts in field_errors(inner).items():
            out.setdefault(name, []).extend(_known_message(t) for t in texts)
    return out


def api_error_response(error: HTTPException):
    code = error.code or 500
    headers = {}
    if isinstance(error, ApiError):
        body = {"message": error.message, "errors": field_errors(error.errors), "rule": error.rule,
                **error.extra}
        headers.update(error.extra_headers)
    else:
        errors = _webargs_errors(getattr(error, "data", None) or {})
        body = {"message": _default_message(code), "errors": errors, "rule": None}
        headers.update({k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")})
    response = jsonify(body)
    response.status_code = code
    response.headers.update(headers)
    return response


def _json_errors_on_api_paths(app: Flask) -> None:
    pages = app.handle_http_exception

    def handle_http_exception(error):
        if error.code is None or isinstance(error, RoutingException) or not is_api_request():
            return pages(error)
        return api_error_response(error)

    app.handle_http_exception = handle_http_exception

    def server_error(error):
        if is_api_request():
            return api_error_response(InternalServerError())
        return error

    app.register_error_handler(InternalServerError, server_error)


# ---- language ----------------------------------------------------------------------------

def _language_from_accept_language(app: Flask) -> None:
    """/api/v1 answers in the Accept-Language of the request (id or en), else the region's."""
    from ..i18n import LANGUAGES
    from ..tenancy.context import tenant_config

    babel = app.extensions["babel"]
    pages = babel.locale_selector

    def select_locale():
        if is_api_request():
            return request.accept_languages.best_match(list(LANGUAGES)) or tenant_config().default_language
        return pages() if pages else None

    babel.locale_selector = select_locale

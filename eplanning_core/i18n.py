"""Language: Bahasa Indonesia by default (or the region's choice), English on request."""

from __future__ import annotations

from flask import Blueprint, has_request_context, redirect, request, session
from flask_babel import format_datetime, get_locale

from .redirects import safe_next

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    from .tenancy.context import tenant_config

    chosen = session.get("lang") if has_request_context() else None
    if chosen in LANGUAGES:
        return chosen
    return tenant_config().default_language


def select_timezone() -> str:
    from .tenancy.context import tenant_config

    return tenant_config().timezone


@bp.post("/bahasa")
def switch_language():
    """Remember the chosen language in the session and go back where the user was."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_locale=lambda: str(get_locale()))
    app.jinja_env.filters["waktu"] = lambda value: format_datetime(value, "d MMM yyyy HH:mm") if value else "—"

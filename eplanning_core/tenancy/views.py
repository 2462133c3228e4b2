"""Branding served per region: its colours as CSS and its logo."""

from flask import Blueprint, Response, abort, render_template, send_file

from .context import tenant_config
from .loader import LOGO_TYPES

bp = Blueprint("tenancy", __name__, url_prefix="/wilayah-aset")


@bp.get("/branding.css")
def branding_css():
    css = render_template("branding.css", tenant=tenant_config())
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/logo")
def logo():
    config = tenant_config()
    if config.logo is None:
        abort(404)
    response = send_file(config.logo, mimetype=LOGO_TYPES[config.logo.suffix.lower()], max_age=3600)
    return response

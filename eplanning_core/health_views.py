"""The administrator's health page (/admin/kesehatan): does the database answer, and how far
behind is the read replica (database_routing.py), in words; the same as GET /api/v1/health."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from . import __version__, database_routing
from .accounts.admin import admin_required

bp = Blueprint("health", __name__, url_prefix="/admin/kesehatan")


@bp.get("/")
@admin_required
def index():
    from .api.views_health import database_reachable

    return render_template("admin/health.html", database=database_reachable(), version=__version__,
                           replica=database_routing.health(),
                           max_lag=current_app.config.get("REPLICA_MAX_LAG_MS", 5000) / 1000)

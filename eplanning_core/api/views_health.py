"""GET /api/v1/health: is the service up, can it reach its database, how far behind is its read
replica (no token needed)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import text

from ..extensions import db
from ..tenancy.context import tenant_config
from .schemas import HealthSchema

blp = Blueprint("api_health", __name__, description="Service health (no token needed)")


def database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver or network error means: not reachable
        db.session.rollback()
        return False


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Status, core version and whether the database answers."""
        from .. import __version__

        reachable = database_reachable()
        from ..database_routing import health as replica_health

        body = {"status": "ok" if reachable else "degraded", "version": __version__,
                "database": reachable, "region": tenant_config().slug}
        replica = replica_health()
        if replica is not None:  # only where REPLICA_DATABASE_URL is set
            body["replica"] = replica
        return body

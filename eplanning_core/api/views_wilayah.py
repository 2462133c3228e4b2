"""GET /api/v1/wilayah: the region's units (kecamatan, kelurahan/desa, lingkungan/dusun), paged."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from ..extensions import db
from ..tenancy.context import current_tenant_id, tenant_config
from ..wilayah.models import Wilayah
from .access import paged, wilayah_query
from .auth import api_actor, require_token
from .schemas import ErrorSchema, WilayahArgs, WilayahPage

blp = Blueprint("api_wilayah", __name__, description="Administrative units of the region")


def present(unit: Wilayah) -> dict:
    return {"id": unit.id, "kode": unit.kode, "nama": unit.nama, "tingkat": unit.tingkat,
            "tingkat_nama": tenant_config().level_name(unit.tingkat), "jenis": unit.jenis,
            "parent_kode": unit.parent.kode if unit.parent else None}


def _like(text: str) -> str:
    return "%" + text.replace("%", "").replace("_", "") + "%"


@blp.route("/wilayah")
class WilayahList(MethodView):
    @require_token(scope="read")
    @blp.arguments(WilayahArgs, location="query")
    @blp.response(200, WilayahPage)
    @blp.alt_response(401, schema=ErrorSchema, description="No valid token")
    def get(self, args):
        """Units in the caller's scope; filter by level (tingkat) and parent unit code."""
        query = wilayah_query(api_actor())
        if args.get("tingkat"):
            query = query.where(Wilayah.tingkat == args["tingkat"])
        parent = (args.get("parent") or "").strip()
        if parent:
            parent_id = select(Wilayah.id).where(Wilayah.tenant_id == current_tenant_id(),
                                                 Wilayah.kode == parent).scalar_subquery()
            query = query.where(Wilayah.parent_id == parent_id)
        text = (args.get("q") or "").strip()
        if text:
            query = query.where(or_(Wilayah.nama.ilike(_like(text)), Wilayah.kode.ilike(_like(text))))
        query = query.options(db.joinedload(Wilayah.parent)).order_by(Wilayah.kode)
        return paged(query, args, present)

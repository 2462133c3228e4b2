"""Bappeda's view of every job of the region: who started what, when, and how it ended."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..accounts.admin import admin_required
from ..accounts.models import User
from ..extensions import db
from ..paging import page_of
from ..tenancy.context import current_tenant_id
from . import kinds
from .models import STATES, Tugas
from .views import state_labels

bp = Blueprint("tugas_admin", __name__, url_prefix="/admin/tugas")


@bp.get("/")
@admin_required
def index():
    state = request.args.get("status", "")
    query = select(Tugas).where(Tugas.tenant_id == current_tenant_id())
    if state in STATES:
        query = query.where(Tugas.status == state)
    jobs = page_of(query.order_by(Tugas.id.desc()))
    user_ids = {t.user_id for t in jobs.items if t.user_id}
    names = dict(db.session.execute(select(User.id, User.nama).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return render_template("jobs/admin.html", jobs=jobs, names=names, states=state_labels(), state=state,
                           kinds=kinds)

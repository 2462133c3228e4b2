"""The cycle a page works on: ?siklus=<id> when given, else the newest running one."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from ..extensions import db
from ..tenancy.context import current_tenant_id
from .models import Siklus


def all_cycles() -> list[Siklus]:
    """The region's cycles, newest first: one query per request (a region has one a year)."""
    cached = g.get("eplanning_all_cycles")
    if cached is None or cached[0] != current_tenant_id():
        rows = db.session.scalars(select(Siklus).where(Siklus.tenant_id == current_tenant_id())
                                  .order_by(Siklus.tahun.desc())).all()
        cached = g.eplanning_all_cycles = (current_tenant_id(), rows)
    return cached[1]


def current_cycle() -> Siklus | None:
    """Picked from :func:`all_cycles`, so a page showing both runs one query."""
    wanted = request.args.get("siklus", type=int)
    cycles = all_cycles()
    if wanted:
        return next((s for s in cycles if s.id == wanted), None)
    running = [s for s in cycles if s.status == "berjalan"]
    return (running or cycles or [None])[0]

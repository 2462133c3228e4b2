"""The cycle a page works on: ?siklus=<id> when given, else the newest running one."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from ..extensions import db
from ..tenancy.context import current_tenant_id
from .models import Siklus


def all_cycles() -> list[Siklus]:
    return db.session.scalars(select(Siklus).where(Siklus.tenant_id == current_tenant_id())
                              .order_by(Siklus.tahun.desc())).all()


def current_cycle() -> Siklus | None:
    wanted = request.args.get("siklus", type=int)
    query = select(Siklus).where(Siklus.tenant_id == current_tenant_id())
    if wanted:
        return db.session.scalar(query.where(Siklus.id == wanted))
    return db.session.scalar(query.order_by((Siklus.status == "berjalan").desc(), Siklus.tahun.desc()).limit(1))

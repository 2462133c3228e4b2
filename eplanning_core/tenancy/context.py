"""The tenant of the current request, and queries scoped to it by construction."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from ..extensions import db
from .loader import TenantConfig
from .models import Tenant


def tenant_config() -> TenantConfig:
    """The validated configuration of the region this app serves."""
    return current_app.extensions["eplanning.tenant"]


def ensure_tenant_row(config: TenantConfig) -> Tenant:
    """The Tenant row for a configuration, created on first use (e.g. after a fresh upgrade)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == config.slug))
    if tenant is None:
        tenant = Tenant(slug=config.slug, kode=config.code, nama=config.name)
        db.session.add(tenant)
        db.session.flush()
    elif (tenant.kode, tenant.nama) != (config.code, config.name):
        tenant.kode, tenant.nama = config.code, config.name
    return tenant


def current_tenant_id() -> int:
    if "tenant_id" not in g:
        tenant = ensure_tenant_row(tenant_config())
        db.session.commit()
        g.tenant_id = tenant.id
    return g.tenant_id


def tenant_select(model):
    """``select(model)`` limited to the current tenant: the start of every region query."""
    return select(model).where(model.tenant_id == current_tenant_id())


def tenant_get(model, ident):
    """One row of the current tenant by primary key, or None (never another region's row)."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(tenant_select(model).where(model.id == ident))

"""Tenancy: a region (kabupaten/kota) is a tenant, configured by tenants/<slug>/tenant.toml.

Every row of region data carries ``tenant_id``; queries go through :mod:`.context`, which
scopes them to the tenant of the current request.
"""

from .loader import TenantConfig, TenantConfigError, load_tenant

__all__ = ["TenantConfig", "TenantConfigError", "load_tenant"]

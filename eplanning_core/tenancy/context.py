"""The tenant of the current request, and queries scoped to it by construction.

One deployment may serve several regions: the region of a request comes from its host name
(``TENANT_HOSTS``); without a mapping every request is for ``TENANT``. Command-line tools
work on ``TENANT``. Everything else asks :func:`tenant_config` / :func:`current_tenant_id`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from flask import abort, current_app, g, request
from sqlalchemy import select

from ..extensions import db
from .loader import TenantConfig, TenantConfigError, load_tenant
from .models import Tenant


def load_tenants(app) -> None:
    """Load and validate the default region and every region named in TENANT_HOSTS."""
    hosts = {str(h).lower(): str(slug) for h, slug in (app.config.get("TENANT_HOSTS") or {}).items()}
    import os

    from .loader import find_region, region_folders, tenants_dirs

    dirs = tenants_dirs(app.config["TENANTS_DIR"])  # one folder, or several (several baked projects)
    folder = Path(os.pathsep.join(map(str, dirs)))
    found = region_folders(dirs)  # a slug in two folders is refused here
    tenants: dict[str, TenantConfig] = {}
    problems = []
    for slug in dict.fromkeys([app.config["TENANT"], *hosts.values()]):
        try:
            tenants[slug] = load_tenant(find_region(dirs, slug, found))
        except TenantConfigError as exc:
            problems.append(exc)
    if problems:
        raise problems[0] if len(problems) == 1 else TenantConfigError(
            folder, [(str(p.path), f"{k}: {r}" if k else r) for p in problems for k, r in p.problems])
    app.extensions["eplanning.tenants"] = tenants
    app.extensions["eplanning.hosts"] = hosts
    app.extensions["eplanning.tenant"] = tenants[app.config["TENANT"]]
    from . import peta

    peta.init_app(app)  # [peta]: the basemap of the maps, and its one host in the CSP's img-src
    app.before_request(_resolve_request_tenant)


def _resolve_request_tenant() -> None:
    hosts = current_app.extensions["eplanning.hosts"]
    if not hosts:
        return
    host = request.host.rsplit(":", 1)[0].lower() if not request.host.startswith("[") else request.host
    slug = hosts.get(host)
    if slug is None:
        abort(404)
    g.tenant_slug = slug


def tenant_config() -> TenantConfig:
    """The validated configuration of the region of this request (or of TENANT outside one)."""
    slug = g.get("tenant_slug")
    if slug is not None:
        return current_app.extensions["eplanning.tenants"][slug]
    return current_app.extensions["eplanning.tenant"]


@contextmanager
def use_tenant(slug: str):
    """Work on one region outside a request (command-line tools of a multi-region deployment)."""
    if slug not in current_app.extensions["eplanning.tenants"]:
        raise KeyError(slug)
    from .rls import refresh_session_tenant

    previous = g.get("tenant_slug")
    g.tenant_slug = slug
    g.pop("tenant_id", None)
    refresh_session_tenant()  # PostgreSQL row level security follows the region
    failed = True
    try:
        yield tenant_config()
        failed = False
    finally:
        g.pop("tenant_id", None)
        if previous is None:
            g.pop("tenant_slug", None)
        else:
            g.tenant_slug = previous
        try:
            refresh_session_tenant()
        except Exception:
            if not failed:
                raise  # on the way out of an error the caller rolls back anyway


def all_tenants() -> dict[str, TenantConfig]:
    return current_app.extensions["eplanning.tenants"]


def ensure_tenant_row(config: TenantConfig) -> Tenant:
    """The Tenant row for a configuration, created if missing (not committed): the explicit
    step of app start (:func:`register_tenant_rows`), the seeding and the CLI."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == config.slug))
    if tenant is None:
        tenant = Tenant(slug=config.slug, kode=config.code, nama=config.name)
        db.session.add(tenant)
        db.session.flush()
    elif (tenant.kode, tenant.nama) != (config.code, config.name):
        tenant.kode, tenant.nama = config.code, config.name
    return tenant


class TenantNotRegistered(LookupError):
    """The database has no row for a configured region (it was unreachable when the app started)."""


def register_tenant_rows(app) -> None:
    """At app start: a row for every region this deployment serves, in one transaction.

    Skipped (with a log line) while the database or its tables are not there yet, e.g. before
    the first ``eplanning upgrade``; the next start registers them. Requests then only read.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    if not app.config.get("TENANT_ROWS_AT_START", True):
        return  # the `eplanning` command: only `tenants create` and `upgrade` add a region (cli.py)
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if database.startswith("sqlite") and not _sqlite_file_exists(database):
        return  # no database yet: do not create an empty file as a side effect of starting
    with app.app_context():
        try:
            if not inspect(db.engine).has_table(Tenant.__tablename__):
                return
            known = {}
            for slug, config in app.extensions["eplanning.tenants"].items():
                known[slug] = ensure_tenant_row(config).id  # the tenant table has no policy
            db.session.commit()
            app.extensions["eplanning.tenant_ids"] = known
        except SQLAlchemyError as exc:
            db.session.rollback()
            app.logger.warning("regions not registered at start (%s): the next start does it",
                               str(exc).splitlines()[0])
        finally:
            db.session.remove()


def _sqlite_file_exists(uri: str) -> bool:
    from sqlalchemy.engine import make_url

    name = make_url(uri).database
    return bool(name) and name != ":memory:" and Path(name).is_file()


def current_tenant_id() -> int:
    """The id of this region's tenant row: looked up once per process, not once per request.

    Only reads: the rows are made at app start (:func:`register_tenant_rows`) or by the
    seeding and the CLI (:func:`ensure_tenant_row`). A row's id never changes, so it is kept
    in the application (``eplanning.tenant_ids``); that saves every page a query.
    """
    slug = tenant_config().slug
    if "tenant_id" not in g or g.get("tenant_id_slug") != slug:
        known = current_app.extensions.setdefault("eplanning.tenant_ids", {})
        tenant_id = known.get(slug)
        if tenant_id is None:
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            if tenant_id is None:
                raise TenantNotRegistered(
                    f"region '{slug}' has no row in this database: start the application once its "
                    "database is migrated (`eplanning upgrade`); it registers every configured region")
            known[slug] = tenant_id
        g.tenant_id = tenant_id
        g.tenant_id_slug = slug
    return g.tenant_id


def tenant_select(model):
    """``select(model)`` limited to the current tenant: the start of every region query.
    ``model`` may also be one of its columns (``Nomenklatur.id``): the filter is on its model."""
    entity = getattr(model, "class_", model)
    return select(model).where(entity.tenant_id == current_tenant_id())


def tenant_get(model, ident):
    """One row of the current tenant by primary key, or None (never another region's row)."""
    from ..ids import parse_id

    ident = parse_id(ident)  # text that names no row (or beyond a database integer): None
    if ident is None:
        return None
    return db.session.scalar(tenant_select(model).where(model.id == ident))

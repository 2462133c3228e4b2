"""create_app(): configuration, tenant, extensions, blueprints, error pages and CLI, in a fixed order."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, render_template
from jinja2 import BytecodeCache

from . import config as settings
from . import security
from .extensions import babel, bootstrap, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__import__("eplanning_core.migrations", fromlist=["_"]).__file__).parent)


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = os.environ.get("EPLANNING_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")
    app = Flask(__name__, instance_path=os.path.abspath(instance_path),
                instance_relative_config=True)
    app.config.update(settings.defaults())
    app.config.from_prefixed_env("EPLANNING")
    if test_config:
        app.config.update(test_config)
    settings.finalize(app.config, app.instance_path)

    from . import models  # noqa: F401  (register every table)

    _load_tenant(app)
    _init_extensions(app)
    _register_tenant_rows(app)
    _register_template_context(app)
    _register_blueprints(app)
    _register_error_pages(app)
    _register_cli(app)
    _trust_proxies(app)
    security.init_app(app)
    from . import compression

    compression.init_app(app)  # gzip for CSS/JS: a first visit well under 150 KB
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind nginx the scheme, host and client address come from the proxy's headers."""
    count = int(app.config.get("PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _load_tenant(app: Flask) -> None:
    """Every region this deployment serves is loaded and validated now, not on first request."""
    from .tenancy import context

    context.load_tenants(app)


def _register_tenant_rows(app: Flask) -> None:
    """The explicit step that gives each configured region its row; requests only read it."""
    from .tenancy import context

    context.register_tenant_rows(app)


def _init_extensions(app: Flask) -> None:
    from . import i18n
    from .accounts import auth

    db.init_app(app)
    from . import database_routing

    database_routing.init_app(app)  # REPLICA_DATABASE_URL: public and report reads on the replica
    from .tenancy import rls

    rls.init_app(app)  # PostgreSQL: every transaction knows its region (row level security)
    from .audit import operations as audit_operations
    from .portal import pagecache

    audit_operations.init_app(app)  # history entries chained at the flush or commit writing them
    pagecache.init_app(app)  # a commit of this worker shows on its next public page
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    auth.configure_login(login_manager)
    auth.init_app(app)  # login rate limits, server-side sessions checked first, 403 log
    app.extensions["eplanning.login_accounts"] = _demo_accounts  # listed on the login page in demo mode
    i18n.init_app(app)
    from . import textinput

    textinput.init_app(app)  # control characters in any page's query string or form: a 400 page


def _demo_accounts() -> list[dict]:
    from .demo.seed import demo_accounts

    return demo_accounts()


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for every app of the process (Jinja checks each entry against
    its source's checksum, so an override or an edited file is compiled again): compiling the
    pages is most of a new app's first requests, and tests make one app per test."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


def _register_template_context(app: Flask) -> None:
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    from . import __version__, overrides
    from . import help as page_help

    page_help.init_app(app)  # page_help(): the short help panel of base.html

    overrides.install(app)
    for problem in overrides.check_overrides(app):
        app.logger.warning("template override out of date: %s", problem)
    from .tenancy.context import tenant_config

    from .paging import url_for_page

    app.context_processor(lambda: {"tenant": tenant_config(), "core_version": __version__})
    app.jinja_env.globals["url_for_page"] = url_for_page
    from .money import format_rupiah, format_volume
    from .usulan.messages import status_name

    app.jinja_env.filters["rupiah"] = lambda n: format_rupiah(n) if n is not None else "—"
    app.jinja_env.filters["volume"] = format_volume
    from .scores import format_score
    from .wilayah.labels import code_filter, unit_label

    app.jinja_env.filters["unit"] = unit_label  # "Lingkungan I, Pasar Baru" (issue 14)
    app.jinja_env.filters["score"] = format_score  # 500, never "500.000"
    app.jinja_env.globals["unit_code_filter"] = code_filter  # a filter's unit: its name, or why not
    from .lookup.names import nomenclature_names

    app.jinja_env.globals["nomenclature_names"] = nomenclature_names  # a sub kegiatan's name by its code
    app.jinja_env.globals["status_name"] = status_name
    from .exports import labels as value_labels  # keys shown as labels, never raw (issue 14)

    app.jinja_env.globals.update(field_label=value_labels.field_label, change_value=value_labels.change_value,
                                 history_action=value_labels.history_action)


#: Every module with pages; each exposes a Blueprint named ``bp``.
BLUEPRINT_MODULES = (
    "home", "accounts.auth", "accounts.admin", "wilayah.views", "tenancy.views",
    "kamus.views", "usulan.views", "usulan.ranking", "usulan.renja", "rapat.views",
    "siklus.views", "portal.views", "commandcenter.views", "budgeting.views", "api.admin_views",
    "jobs.views", "jobs.admin_views",
    "notifications.views", "accounts.password_reset", "demo.login",
    "health_views", "lookup.views", "realisasi.views", "aspirasi.views", "aspirasi.public",
)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(f"{__package__}.{name}").bp)
    from .api.setup import init_api

    init_api(app)  # /api/v1: the blueprints of api.API_BLUEPRINTS and the OpenAPI document


def _register_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def page(code):
        def handler(error):
            return render_template("error.html", code=code, error=error), code
        return handler

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, page(code))
    app.register_error_handler(CSRFError, lambda e: (render_template(
        "error.html", code=400, error=e, csrf=True), 400))
    from . import database_errors

    database_errors.init_app(app)  # a lost database connection: 503 "nothing was saved, try again"


def _register_cli(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .audit.cli import audit_cli
    from .demo.cli import demo_command
    from .kamus.cli import kamus_cli
    from .tenancy.cli import tenants_cli
    from .upgrade import upgrade_command
    from .wilayah.cli import wilayah_cli

    app.cli.add_command(wilayah_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(kamus_cli)
    app.cli.add_command(tenants_cli)
    app.cli.add_command(upgrade_command)
    app.cli.add_command(audit_cli)
    from .backup.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from .tenancy.approle import security_cli

    app.cli.add_command(security_cli)
    from .jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    from .notifications.digest import notifications_cli

    app.cli.add_command(notifications_cli)

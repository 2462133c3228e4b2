"""Settings: every key declared once, with its default, type and meaning.

Values come from, in order: these defaults, the environment (``EPLANNING_<KEY>``, parsed
by Flask's ``from_prefixed_env``), then the ``test_config`` mapping given to create_app.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    key: str
    default: object
    type: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", None, "str",
            "SQLAlchemy URL of the database. Default: SQLite file eplanning.sqlite in the "
            "instance folder. Production: postgresql+psycopg://user@host/db, as a role that owns "
            "no table (see `eplanning security app-role`), so row level security holds."),
    Setting("MIGRATE_DATABASE_URL", None, "str",
            "PostgreSQL only: URL of the role that owns the tables, used by `eplanning upgrade`, "
            "`eplanning db upgrade` and `eplanning security app-role`. Empty: DATABASE_URL."),
    Setting("TENANTS_DIR", None, "path",
            "Folder holding one sub-folder per region (tenant.toml, logo, unit lists). "
            "Default: ./tenants in the working directory."),
    Setting("TENANT", "medan", "str",
            "Slug (folder name) of the region this instance serves; with TENANT_HOSTS, the region "
            "that command-line tools work on."),
    Setting("TENANT_HOSTS", {}, "json",
            "Several regions in one deployment: host name -> region slug, e.g. "
            "{\"eplanning.medan.go.id\": \"medan\", \"eplanning.langkatkab.go.id\": \"langkat\"}. "
            "Requests for any other host are refused. Empty: every request is for TENANT."),
    Setting("DEMO", False, "bool",
            "Demo mode: the login page lists the demo accounts. Never on a live instance."),
    Setting("SECRET_KEY", None, "str",
            "Signs sessions and CSRF tokens. Default: a random key kept in instance/secret_key."),
    Setting("PAGE_SIZE", 25, "int", "Rows per page in every list."),
    Setting("PUBLIC_PAGE_CACHE", True, "bool",
            "Keep rendered public pages per worker until the region's data changes (portal/pagecache.py)."),
    Setting("PUBLIC_PAGE_HEAD_MS", 1000, "int",
            "How long a worker reuses the region's history head it read for the public pages "
            "(milliseconds; 0: read it on every request). A worker's own changes are seen at once."),
    Setting("SESSION_COOKIE_SECURE", False, "bool",
            "Send the session cookie over HTTPS only. Set true on every live instance (TLS)."),
    Setting("PROXIES", 0, "int",
            "How many reverse proxies (nginx, a load balancer) stand in front of the app: their "
            "X-Forwarded-For/-Proto/-Host headers are then trusted (werkzeug ProxyFix). 0: none."),
    Setting("TEMPLATE_OVERRIDES", None, "path",
            "Folder of the region's own templates: a file there replaces the core page of the same "
            "name, or extends it as core/<name>. Checked by `eplanning upgrade`."),
    Setting("UPLOAD_MAX_IMAGE_BYTES", 5 * 1024 * 1024, "int", "Largest photo accepted (bytes)."),
    Setting("UPLOAD_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024, "int", "Largest PDF document accepted (bytes)."),
    Setting("PG_BINDIR", None, "path",
            "PostgreSQL only: folder of the pg_dump and pg_restore that `eplanning backup` and "
            "`eplanning restore` use, e.g. /usr/lib/postgresql/16/bin. Empty: found on PATH."),
    Setting("SESSION_IDLE_MINUTES", 30, "int",
            "A login session without any request for this long ends; the person logs in again."),
    Setting("SESSION_MAX_HOURS", 12, "int",
            "A login session ends this long after the login, however active it is."),
    Setting("REAUTH_MINUTES", 5, "int",
            "How long a confirmed password counts before sensitive account changes (creating or "
            "editing users, creating API tokens) ask for it again."),
    Setting("PASSWORD_MIN_LENGTH", 10, "int",
            "Shortest password accepted; common passwords and ones containing the username or "
            "the region's name are refused too."),
    Setting("RATELIMIT_ENABLED", True, "bool",
            "Limit failed logins (per account and per client address). Never off on a live instance."),
    Setting("RATELIMIT_STORAGE_URI", "memory://", "str",
            "Where failed logins are counted (Flask-Limiter): memory:// counts per worker process; "
            "with several workers or servers use redis://host:6379/0."),
    Setting("LOGIN_LIMIT_ACCOUNT", "5 per minute;20 per hour", "str",
            "Failed logins allowed per username (known or not), e.g. \"5 per minute;20 per hour\"."),
    Setting("LOGIN_LIMIT_ADDRESS", "20 per minute;100 per hour", "str",
            "Failed logins allowed per client address (behind a proxy: set PROXIES)."),
)


def defaults() -> dict:
    return {s.key: s.default for s in SETTINGS}


def finalize(config: dict, instance_path: str) -> None:
    """Fill in the defaults that depend on the instance folder or the working directory."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = "sqlite:///" + os.path.join(instance_path, "eplanning.sqlite")
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not config.get("TENANTS_DIR"):
        config["TENANTS_DIR"] = os.path.join(os.getcwd(), "tenants")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _persistent_secret(Path(instance_path) / "secret_key")
    config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    config.setdefault("BABEL_DEFAULT_LOCALE", "id")
    config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    # Flask's own defaults hold these keys as None, so setdefault() would not set them.
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # The largest upload plus room for the form's other fields; bigger requests get a 413 page.
    config["MAX_CONTENT_LENGTH"] = config.get("MAX_CONTENT_LENGTH") or (
        max(config["UPLOAD_MAX_IMAGE_BYTES"], config["UPLOAD_MAX_DOCUMENT_BYTES"]) + 1024 * 1024)


def _persistent_secret(path: Path) -> str:
    """One random key per instance folder, so sessions survive a restart.

    Created exclusively and private from the first byte: several workers starting at once
    on an empty folder all end up with the same key.
    """
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be between create and write
            existing = path.read_text().strip()
            if existing:
                return existing
            import time
            time.sleep(0.01)
        raise RuntimeError(f"{path} exists but is empty; delete it and start again") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key

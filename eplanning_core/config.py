"""Settings: every key declared once, with its default, type and meaning.

Values come from, in order: these defaults, the environment (``EPLANNING_<KEY>``, parsed
by Flask's ``from_prefixed_env``), then the ``test_config`` mapping given to create_app.
"""

from __future__ import annotations

import logging
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
    Setting("REPLICA_DATABASE_URL", None, "str",
            "PostgreSQL only: URL of a streaming replica of DATABASE_URL (same role). The public "
            "portal, open data, the Command Center and the exports read from it; every write and "
            "every operator page stays on the primary (database_routing.py, docs/scaling.md). "
            "Empty: everything on DATABASE_URL."),
    Setting("REPLICA_MAX_LAG_MS", 5000, "int",
            "With REPLICA_DATABASE_URL: a replica further behind than this (milliseconds), down, or "
            "promoted is not used; reads go to the primary until it catches up."),
    Setting("DATABASE_PREPARED_STATEMENTS", True, "bool",
            "PostgreSQL: let psycopg prepare statements it runs often. Set false behind PgBouncer "
            "older than 1.21 in transaction mode (Debian 12 ships 1.18), which cannot keep them."),
    Setting("TENANTS_DIR", None, "path",
            "Folder holding one sub-folder per region (tenant.toml, logo, unit lists); several "
            "folders separated by ':' host several baked projects' regions in one deployment (a "
            "region slug in two folders is refused). Default: ./tenants in the working directory."),
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
            "Folder of the deployment's own templates: a file there replaces the core page of the "
            "same name, or extends it as core/<name>. A region's own tenants/<slug>/templates/ comes "
            "first for that region's pages. Checked by `eplanning upgrade`."),
    Setting("UPLOAD_MAX_IMAGE_BYTES", 5 * 1024 * 1024, "int", "Largest photo accepted (bytes)."),
    Setting("UPLOAD_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024, "int", "Largest PDF document accepted (bytes)."),
    Setting("MAP_TILES", None, "str",
            "Tile server of every map's basemap for all regions of this deployment, e.g. a tile "
            "cache of your own: https://tiles.example.go.id/{z}/{x}/{y}.png; an empty value: no "
            "basemap (the plain map, e.g. a training room without internet). Unset: each region's "
            "tenant.toml [peta] tiles (OpenStreetMap's standard tiles by default)."),
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
            "Where failed logins are counted: memory:// counts per worker process; with several "
            "workers or servers use redis://host:6379/0, shared by all of them."),
    Setting("LOGIN_LIMIT_PAIR", "5 per 15 minutes", "str",
            "Free failed logins of one username from one address (or one browser it logged in "
            "from before); then each attempt waits LOGIN_BACKOFF_SECONDS, doubling. Failures are "
            "forgotten the given time after the last one."),
    Setting("LOGIN_LIMIT_ACCOUNT", "20 per hour", "str",
            "Free failed logins of one username (known or not) from all addresses together; then "
            "waits as above for browsers that never logged in to it (others are not held up)."),
    Setting("LOGIN_LIMIT_ADDRESS", "50 per hour", "str",
            "Free failed logins from one client address in this region, all usernames together; "
            "then waits as above, except for browsers that logged in before (behind a proxy: set PROXIES)."),
    Setting("ASPIRASI_LIMIT_ADDRESS", "5 per hour", "str",
            "Aspirations and follow requests one client address may send on the public portal "
            "(e-Aspirasi, no account); more are refused with a message saying when to try again."),
    Setting("ASPIRASI_LIMIT_CONTACT", "3 per day", "str",
            "Aspirations and follow requests per phone number or email address."),
    Setting("LOGIN_BACKOFF_SECONDS", 30, "int",
            "The first wait after the free failed logins; it doubles with every further failure."),
    Setting("LOGIN_BACKOFF_MAX_SECONDS", 900, "int",
            "The longest wait between login attempts; no account is ever locked for good."),
    Setting("LOGIN_THROTTLE_PREFIX", "eplanning:login", "str",
            "Key prefix of the login counters in Redis: give every instance that shares one Redis "
            "its own."),
    Setting("MAIL_SERVER", None, "str",
            "SMTP server for the notification digest and forgotten-password links, e.g. "
            "smtp.medan.go.id. Empty: no mail is sent; a forgotten password is reset by Bappeda's "
            "administrator."),
    Setting("MAIL_PORT", 25, "int", "Port of MAIL_SERVER (587 with MAIL_USE_TLS, 465 with MAIL_USE_SSL)."),
    Setting("MAIL_USE_TLS", False, "bool", "Start TLS (STARTTLS) after connecting to MAIL_SERVER."),
    Setting("MAIL_USE_SSL", False, "bool", "Connect to MAIL_SERVER over TLS from the start (SMTPS)."),
    Setting("MAIL_USERNAME", None, "str", "Login at MAIL_SERVER, if it asks for one."),
    Setting("MAIL_PASSWORD", None, "str", "Password of MAIL_USERNAME."),
    Setting("MAIL_DEFAULT_SENDER", None, "str",
            "From address of every message, e.g. \"e-Perencanaan <noreply@medan.go.id>\"."),
    Setting("MAIL_TIMEOUT", 10, "int", "Seconds to wait for MAIL_SERVER before giving up."),
    Setting("SITE_URL", None, "str",
            "Address of the instance, e.g. https://eplanning.medan.go.id: links in the digest "
            "(sent by cron, outside a request). Empty: the region's host in TENANT_HOSTS over https, "
            "else no link."),
    Setting("JOBS_REDIS_URL", None, "str",
            "Redis for the background jobs (exports, imports), e.g. redis://127.0.0.1:6379/1; "
            "`eplanning jobs worker` runs them. Empty: each job runs in a thread of the web process "
            "(the SQLite demo), with the same progress page. EPLANNING_REDIS_URL is read too."),
    Setting("JOBS_QUEUE", "eplanning-jobs", "str",
            "Name of the RQ queue: give every instance that shares one Redis its own."),
    Setting("JOBS_DIR", None, "path",
            "Folder of the jobs' result files (exports, uploaded imports); shared by the web "
            "servers and the workers. Default: jobs in the instance folder."),
    Setting("JOBS_KEEP_DAYS", 7, "int",
            "Days a job's result file is kept; `eplanning jobs expire` (cron) deletes older ones."),
    Setting("JOBS_MAX_ATTEMPTS", 2, "int",
            "Runs of a job before it is marked failed when its worker died under it (1: no retry)."),
    Setting("JOBS_STALE_SECONDS", 60, "int",
            "A running job whose worker gave no sign of life for this long is taken to have died "
            "with it: retried or marked failed (workers beat every JOBS_STALE_SECONDS / 6)."),
    Setting("JOBS_TIMEOUT_SECONDS", 3600, "int", "Longest run of one job; then it fails."),
    Setting("JOBS_STEP_DELAY_MS", 0, "int",
            "Training and tests only: wait this long at each progress step, so that the progress "
            "bar can be watched on a small export. Always 0 on a live instance."),
)


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names it and the expected form."""


def defaults() -> dict:
    return {s.key: s.default for s in SETTINGS}


def finalize(config: dict, instance_path: str) -> None:
    """Fill in the defaults that depend on the instance folder or the working directory."""
    hosts = config.get("TENANT_HOSTS")
    if not isinstance(hosts or {}, dict) or not all(isinstance(v, str) for v in (hosts or {}).values()):
        raise SettingError(f"EPLANNING_TENANT_HOSTS must be a JSON object of host name -> region slug, "
                           f"e.g. {{\"eplanning.medan.go.id\": \"medan\"}}; got {hosts!r}")
    if not config.get("DATABASE_URL") or not config.get("SECRET_KEY"):
        # Only what start-up itself keeps there (the default SQLite file, the persisted secret
        # key) needs the folder now; uploads and job files create theirs when written. So a
        # command that needs neither, such as `postgres setup` run as the postgres user from a
        # folder it cannot write, never tries to make one.
        try:
            Path(instance_path).mkdir(parents=True, exist_ok=True)
        except PermissionError:
            if not config.get("DATABASE_URL"):
                raise SettingError(
                    f"the instance folder {instance_path} cannot be created by this user: set "
                    f"EPLANNING_INSTANCE_PATH to a folder it may write, or EPLANNING_DATABASE_URL")
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = "sqlite:///" + os.path.join(instance_path, "eplanning.sqlite")
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    _database_options(config)
    if not config.get("TENANTS_DIR"):
        config["TENANTS_DIR"] = os.path.join(os.getcwd(), "tenants")
    if not config.get("SECRET_KEY"):
        try:
            config["SECRET_KEY"] = _persistent_secret(Path(instance_path) / "secret_key")
        except PermissionError:
            # A command run as another user (the restore drill as postgres) serves no session;
            # a server would log everyone out at each restart, so say it.
            logging.getLogger("eplanning_core").warning(
                "the instance folder %s is not writable: a key for this process only; set "
                "EPLANNING_SECRET_KEY for a server", instance_path)
            config["SECRET_KEY"] = secrets.token_hex(32)
    config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    config.setdefault("BABEL_DEFAULT_LOCALE", "id")
    config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    # Flask's own defaults hold these keys as None, so setdefault() would not set them.
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # The largest upload plus room for the form's other fields; bigger requests get a 413 page.
    config["MAX_CONTENT_LENGTH"] = config.get("MAX_CONTENT_LENGTH") or (
        max(config["UPLOAD_MAX_IMAGE_BYTES"], config["UPLOAD_MAX_DOCUMENT_BYTES"]) + 1024 * 1024)


def _database_options(config: dict) -> None:
    """Prepared statements off behind an old PgBouncer; a replica only of PostgreSQL."""
    replica = config.get("REPLICA_DATABASE_URL")
    if replica and not str(replica).startswith("postgresql"):
        raise SettingError(f"EPLANNING_REPLICA_DATABASE_URL must be a PostgreSQL URL "
                           f"(postgresql+psycopg://user@host:5433/db); got {str(replica).split(':')[0]}:...")
    if not config.get("DATABASE_PREPARED_STATEMENTS", True) and str(config["DATABASE_URL"]).startswith("postgresql"):
        options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {**(options.get("connect_args") or {}), "prepare_threshold": None}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


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

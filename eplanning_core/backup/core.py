"""The backup and restore mechanics per backend; the CLI (cli.py) only asks and reports."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PG_MAGIC = b"PGDMP"                  # first bytes of a pg_dump custom-format archive
SQLITE_MAGIC = b"SQLite format 3\x00"
KIND_NAMES = {"postgresql": "PostgreSQL (pg_dump custom format)", "sqlite": "SQLite database"}


class BackupError(Exception):
    """Refused or failed; the message says why and what to do. Nothing was changed."""


@dataclass(frozen=True)
class Done:
    kind: str        # "postgresql" or "sqlite"
    database: str    # the database's name (PostgreSQL) or file (SQLite), without credentials
    path: Path
    size: int


def detect_kind(path: Path) -> str | None:
    """What a backup file is, by its first bytes: "postgresql", "sqlite" or None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return None
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    return None


def owner_url(app) -> str:
    """The owner of the tables: it sees every region's rows (the app role sees one)."""
    return app.config.get("MIGRATE_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]


def backend(app) -> str:
    name = make_url(owner_url(app)).get_backend_name()
    if name not in KIND_NAMES:
        raise BackupError(f"backups of {name} databases are not supported (PostgreSQL and SQLite are)")
    return name


def _describe(url) -> str:
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return str(_sqlite_path(url))
    return f"{url.database} on {url.host or 'localhost'}:{url.port or 5432}"


def backup(app, target: Path) -> Done:
    """Write a complete backup of the region's database to ``target`` (replaced if it exists)."""
    target = Path(target).absolute()
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    kind = backend(app)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    temp = Path(temp_name)
    try:
        if kind == "postgresql":
            _pg_backup(app, temp)
        else:
            _sqlite_backup(app, temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return Done(kind, _describe(owner_url(app)), target, target.stat().st_size)


def check_restorable(app, source: Path) -> str:
    """Refuse a file that is not a backup of this instance's kind of database; the kind."""
    kind, found = backend(app), detect_kind(source)
    if found is None:
        raise BackupError(f"{source} is not a backup made by `eplanning backup` "
                          f"(neither a PostgreSQL dump nor a SQLite database)")
    if found != kind:
        raise BackupError(f"{source} is a {KIND_NAMES[found]} backup, but this instance uses {kind}: "
                          f"restore it on an instance of the same kind")
    if kind == "sqlite":
        _sqlite_check(source)
    return kind


def restore(app, source: Path) -> Done:
    """Replace the database's content with the backup in ``source``, all or nothing."""
    source = Path(source).absolute()
    kind = check_restorable(app, source)
    from ..extensions import db

    with app.app_context():
        db.engine.dispose()        # no pooled connection of ours holds the old tables
    if kind == "postgresql":
        _pg_restore(app, source)
    else:
        _sqlite_restore(app, source)
    return Done(kind, _describe(owner_url(app)), source, source.stat().st_size)


# ---- PostgreSQL ------------------------------------------------------------------------------

def _pg_env(url) -> dict:
    """libpq's environment for the URL: the password never appears on a command line."""
    url = make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
    for param, key in (("host", "PGHOST"), ("port", "PGPORT"), ("sslmode", "PGSSLMODE")):
        value = url.query.get(param)
        if value:
            env[key] = value if isinstance(value, str) else value[0]
    return env


def _server(url) -> tuple[int, bool]:
    """The server's major version and whether the connecting role is a superuser."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            number = int(conn.execute(text("show server_version_num")).scalar())
            superuser = bool(conn.execute(text(
                "select rolsuper from pg_roles where rolname = current_user")).scalar())
    finally:
        engine.dispose()
    return number // 10000, superuser


def _pg_tool(app, name: str, server_major: int) -> str:
    """The path of pg_dump/pg_restore, refused unless its major version is the server's."""
    bindir = app.config.get("PG_BINDIR")
    path = str(Path(bindir) / name) if bindir else shutil.which(name)
    hint = (f"install the PostgreSQL {server_major} client tools (Debian/Ubuntu: "
            f"apt install postgresql-client-{server_major}) or set EPLANNING_PG_BINDIR to their folder")
    if not path or not os.access(path, os.X_OK):
        raise BackupError(f"{name} was not found: {hint}")
    try:
        output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                                check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{path} --version failed ({exc}): {hint}") from None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if not match:
        raise BackupError(f"{path} did not say its version ({output.strip()!r}): {hint}")
    major = int(match.group(1))
    if major != server_major:
        raise BackupError(f"{path} is PostgreSQL {major} but the server is PostgreSQL {server_major}: "
                          f"{hint}")
    return path


def _run(args: list[str], env: dict, what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} failed (exit {result.returncode}): " + " / ".join(detail))


#: Tables with row level security whose backup policy does not let the connecting role read
#: every row (tenancy/rls.py); a dump would silently miss their rows.
_UNREADABLE = text("""
    select t.tablename from pg_tables t
    where t.schemaname = current_schema() and t.rowsecurity
      and not exists (
        select 1 from pg_policies p
        where p.schemaname = t.schemaname and p.tablename = t.tablename and p.policyname = :policy
          and p.cmd in ('SELECT', 'ALL')
          and exists (select 1 from unnest(p.roles) r
                      where case when r = 'public' then true
                                 else pg_has_role(current_user, r, 'MEMBER') end))
    order by t.tablename""")


def _unreadable_tables(url) -> tuple[str, list[str]]:
    """(the connecting role, tables it could not dump whole); none for a role above RLS."""
    from ..tenancy.rls import BACKUP_POLICY

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            role, above = conn.execute(text(
                "select rolname, rolsuper or rolbypassrls from pg_roles where rolname = current_user")).one()
            missing = [] if above else list(conn.scalars(_UNREADABLE, {"policy": BACKUP_POLICY}))
    finally:
        engine.dispose()
    return role, missing


def _pg_backup(app, temp: Path) -> None:
    """pg_dump as the owner: row level security stays on (FORCE holds the owner to it too),
    and the owner's backup policy (migration 0009) opens every row to this session only."""
    from ..tenancy.rls import BACKUP_SETTING

    url = owner_url(app)
    major, _superuser = _server(url)
    pg_dump, pg_restore = _pg_tool(app, "pg_dump", major), _pg_tool(app, "pg_restore", major)
    role, missing = _unreadable_tables(url)
    if missing:
        raise BackupError(
            f"role {role} cannot read every row of {', '.join(missing)} (row level security): "
            f"run `eplanning upgrade` as the owner of the tables (MIGRATE_DATABASE_URL), then back up "
            f"as that owner; nothing was written")
    env = _pg_env(url)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c {BACKUP_SETTING}=on".strip()
    _run([pg_dump, "--format=custom", "--enable-row-security", "--no-password", f"--file={temp}"],
         env, "pg_dump")
    _run([pg_restore, "--list", str(temp)], env, "reading the new backup back")  # a whole archive


def _pg_restore(app, source: Path) -> None:
    url = owner_url(app)
    major, superuser = _server(url)
    pg_restore = _pg_tool(app, "pg_restore", major)
    env = _pg_env(url)
    _run([pg_restore, "--list", str(source)], env, "reading the backup")
    args = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--exit-on-error", "--no-password", f"--dbname={make_url(url).database}"]
    if superuser:
        # the history tables refuse changes by trigger; a superuser may set them aside
        args.append("--disable-triggers")
    _run(args + [str(source)], env, "pg_restore (nothing was changed)")


# ---- SQLite ----------------------------------------------------------------------------------

def _sqlite_path(url) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database).absolute()


def _sqlite_check(path: Path) -> None:
    """A readable, undamaged SQLite file holding an e-Planning schema (alembic_version)."""
    conn = None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        if conn.execute("pragma integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite integrity check failed)")
        if conn.execute("select 1 from sqlite_master where name = 'alembic_version'").fetchone() is None:
            raise BackupError(f"{path} is a SQLite database but not an e-Planning one")
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be read as SQLite: {exc}") from None
    finally:
        if conn is not None:
            conn.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    """The online backup API: a consistent copy even while others write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _sqlite_backup(app, temp: Path) -> None:
    source = _sqlite_path(owner_url(app))
    if not source.is_file():
        raise BackupError(f"the database {source} does not exist")
    _sqlite_copy(source, temp)
    _sqlite_check(temp)


def _sqlite_restore(app, source: Path) -> None:
    target = _sqlite_path(owner_url(app))
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(source, target)


def describe_database(app) -> str:
    """The database a backup or restore works on, for messages (no password)."""
    return _describe(owner_url(app))

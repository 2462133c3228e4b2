"""Backup and restore of a region's database: ``eplanning backup FILE``, ``eplanning restore FILE``.

PostgreSQL: ``pg_dump -Fc`` (one compressed file with schema and data, read by
``pg_restore``); restore is ``pg_restore --clean --if-exists --no-owner --single-transaction``
(all or nothing), with ``--disable-triggers`` when the restoring role is a superuser (the
history tables refuse UPDATE/DELETE/TRUNCATE by trigger). Both connect as the owner of the
tables (MIGRATE_DATABASE_URL, else DATABASE_URL): the application role sees one region at a
time through row level security and could not dump every row. The owner is held to row level
security too (FORCE); ``pg_dump --enable-row-security`` with the session setting
``eplanning.backup=on`` reads every row through the owner's backup policy (migration 0009,
tenancy/rls.py), and a table without that policy stops the backup before anything is written.

SQLite: the sqlite3 online backup API, which copies a consistent snapshot while the
application keeps running, and copies a backup back into place the same way.

A backup is written to a temporary file next to FILE and renamed when complete and checked,
so FILE is never half a backup. Uploaded files (``<instance>/uploads``) are not in the
database: back them up with the file system (see docs/index.md, Operations).
"""

from .core import BackupError, backup, detect_kind, restore

__all__ = ["BackupError", "backup", "detect_kind", "restore"]

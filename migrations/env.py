"""Alembic environment, driven by Flask-Migrate: the URL and metadata come from the app."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def _db():
    return current_app.extensions["migrate"].db


def _metadata():
    import eplanning_core.models  # noqa: F401  (every model registered on the metadata)

    return _db().metadata


def run_migrations_offline():
    context.configure(url=str(_db().engine.url), target_metadata=_metadata(), literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty(ctx, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    from eplanning_core.tenancy.approle import owner_engine

    # MIGRATE_DATABASE_URL: the owner of the tables; the application itself connects as a
    # role that owns nothing (row level security, append-only audit).
    with owner_engine(current_app) as engine, engine.connect() as connection:
        context.configure(connection=connection, target_metadata=_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

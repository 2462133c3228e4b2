"""The Alembic history and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from support.apps import make_app

import eplanning_core.models  # noqa: F401  (every model registered on the metadata)
from eplanning_core.app import MIGRATIONS_DIR
from eplanning_core.extensions import db


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def _head() -> str:
    return ScriptDirectory(MIGRATIONS_DIR).get_current_head()


def test_the_history_has_exactly_one_head():
    heads = ScriptDirectory(MIGRATIONS_DIR).get_heads()
    assert len(heads) == 1, f"Alembic history has {len(heads)} heads {heads}: merge them"


def test_migrated_database_matches_the_models(database_url):
    """A model change without a migration (make migration m=...) fails here, per backend."""
    app = make_app(database_url)
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == _head()
                differences = _differences(connection)
        finally:
            db.engine.dispose()
    assert differences == [], "models and migrations disagree:\n" + "\n".join(map(str, differences))


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    app = make_app("sqlite:///" + str(tmp_path / "roundtrip.sqlite"))
    with app.app_context():
        try:
            upgrade()
            model_tables = set(db.metadata.tables)
            assert model_tables <= set(inspect(db.engine).get_table_names())

            downgrade(revision="base")
            db.engine.dispose()
            left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert left == set(), f"downgrade to base left tables behind: {sorted(left)}"

            upgrade()
            with db.engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == _head()
                assert _differences(connection) == []
        finally:
            db.engine.dispose()

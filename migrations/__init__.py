"""The core's Alembic history, shipped inside the wheel as eplanning_core.migrations."""

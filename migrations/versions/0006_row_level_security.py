"""row level security by tenant on PostgreSQL

Revision ID: 0006_row_level_security
Revises: 0005_account_sessions
Create Date: 2026-12-02 21:30:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0006_row_level_security'
down_revision = '0005_account_sessions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

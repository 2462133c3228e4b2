"""indexes and aggregates for city and national scale

Revision ID: 0007_performance
Revises: 0006_row_level_security
Create Date: 2026-12-02 21:30:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0007_performance'
down_revision = '0006_row_level_security'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""hash-chained audit history and published checkpoints

Revision ID: 0004_audit_chain
Revises: 0003_api_and_budget
Create Date: 2026-12-02 21:30:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0004_audit_chain'
down_revision = '0003_api_and_budget'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""session versions, login attempts and password changes

Revision ID: 0005_account_sessions
Revises: 0004_audit_chain
Create Date: 2026-12-02 21:30:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0005_account_sessions'
down_revision = '0004_audit_chain'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

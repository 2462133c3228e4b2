"""server-side login sessions (logout, timeouts, ended by an administrator)

Revision ID: 0005_account_sessions
Revises: 0004_audit_chain
Create Date: 2026-12-02 21:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_account_sessions'
down_revision = '0004_audit_chain'
branch_labels = None
depends_on = None

TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('reauth_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_login_session_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_tenant_id_user_id_ended_at'),
                              ['tenant_id', 'user_id', 'ended_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # The same region policy as every other table with a tenant_id (see 0006).
        op.execute('ALTER TABLE "login_session" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "login_session" FORCE ROW LEVEL SECURITY')
        op.execute('DROP POLICY IF EXISTS tenant_isolation ON "login_session"')
        op.execute('CREATE POLICY tenant_isolation ON "login_session" USING ({0}) WITH CHECK ({0})'
                   .format(TENANT_MATCHES))


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_tenant_id_user_id_ended_at'))
    op.drop_table('login_session')

"""background jobs (tugas): exports and imports with progress

One row per job: who started what, its state and progress, the error or the result (a file
under JOBS_DIR or an import report). The queue (RQ on Redis) carries only the row's id.
Row level security as in 0006, and the owner's backup policy as in 0009.

Revision ID: 0011_jobs
Revises: 0010_notifications
Create Date: 2026-12-08 00:00:00
"""
from alembic import op
import sqlalchemy as sa

from eplanning_core.tenancy.rls import backup_policy_sql


revision = '0011_jobs'
down_revision = '0010_notifications'
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"
#: Tables of this revision holding a region's rows (tests/test_rls.py checks coverage).
TENANT_TABLES = ("tugas",)


def upgrade():
    op.create_table(
        'tugas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('jenis', sa.String(length=40), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('done_count', sa.Integer(), nullable=False),
        sa.Column('total_count', sa.Integer(), nullable=True),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('report', sa.Text(), nullable=True),
        sa.Column('file_path', sa.String(length=400), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('file_type', sa.String(length=120), nullable=True),
        sa.Column('file_size', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                           name=op.f('ck_tugas_status_valid')),
        sa.CheckConstraint('done_count >= 0', name=op.f('ck_tugas_done_count_positive')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_tugas_tenant_id_tenant')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tugas_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tugas')),
    )
    with op.batch_alter_table('tugas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tugas_tenant_id_user_id_id'), ['tenant_id', 'user_id', 'id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_tugas_tenant_id_status'), ['tenant_id', 'status'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.scalar(sa.text("select tableowner from pg_tables where schemaname = current_schema() "
                                "and tablename = 'tugas'"))
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_MATCHES}) '
                   f'WITH CHECK ({TENANT_MATCHES})')
        for statement in backup_policy_sql(bind.dialect.identifier_preparer, table, owner):
            op.execute(statement)


def downgrade():
    with op.batch_alter_table('tugas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tugas_tenant_id_status'))
        batch_op.drop_index(batch_op.f('ix_tugas_tenant_id_user_id_id'))
    op.drop_table('tugas')  # its policies go with it

"""notifications: proposals arrived, decisions on what one sent

One row per (recipient, cause) with a count (a bulk send of thousands writes a handful of
rows). Written in the transaction of the change that causes it (usulan/transitions.py).
Row level security as in 0006, and the owner's backup policy as in 0009. The user's email
address (for the digest and the forgotten-password link) is already on user_account;
``harus_ganti_sandi`` marks an account whose password the administrator set as a temporary
one (without SMTP): its next login must change it first.

Revision ID: 0010_notifications
Revises: 0009_audit_witness
Create Date: 2026-12-07 23:50:00
"""
from alembic import op
import sqlalchemy as sa

from eplanning_core.tenancy.rls import backup_policy_sql


revision = '0010_notifications'
down_revision = '0009_audit_witness'
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"
#: Tables of this revision holding a region's rows (tests/test_rls.py checks coverage).
TENANT_TABLES = ("notifikasi",)


def upgrade():
    op.create_table(
        'notifikasi',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('siklus_id', sa.Integer(), nullable=False),
        sa.Column('jenis', sa.String(length=20), nullable=False),
        sa.Column('tahapan', sa.String(length=40), nullable=False),
        sa.Column('keputusan', sa.String(length=40), nullable=True),
        sa.Column('jumlah', sa.Integer(), nullable=False),
        sa.Column('usulan_id', sa.Integer(), nullable=True),
        sa.Column('oleh_nama', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('emailed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("jenis IN ('masuk', 'keputusan')", name=op.f('ck_notifikasi_jenis_valid')),
        sa.CheckConstraint('jumlah > 0', name=op.f('ck_notifikasi_jumlah_positive')),
        sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_notifikasi_siklus_id_siklus')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_notifikasi_tenant_id_tenant')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notifikasi_user_id_user_account')),
        sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_notifikasi_usulan_id_usulan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifikasi')),
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('harus_ganti_sandi', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('notifikasi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifikasi_tenant_id_user_id_read_at'),
                              ['tenant_id', 'user_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifikasi_tenant_id_emailed_at'),
                              ['tenant_id', 'emailed_at'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.scalar(sa.text("select tableowner from pg_tables where schemaname = current_schema() "
                                "and tablename = 'notifikasi'"))
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_MATCHES}) '
                   f'WITH CHECK ({TENANT_MATCHES})')
        for statement in backup_policy_sql(bind.dialect.identifier_preparer, table, owner):
            op.execute(statement)


def downgrade():
    with op.batch_alter_table('notifikasi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifikasi_tenant_id_emailed_at'))
        batch_op.drop_index(batch_op.f('ix_notifikasi_tenant_id_user_id_read_at'))
    op.drop_table('notifikasi')  # its policies go with it
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('harus_ganti_sandi')

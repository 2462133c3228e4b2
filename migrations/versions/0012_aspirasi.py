"""citizens' aspirations (e-Aspirasi) and follows by email

An aspiration a citizen sends from the public portal without an account (its own words, the
lowest unit, a contact that is never published, a confirmation code's hash), its photos, and
the email addresses following a proposal (double opt-in, unsubscribed with one click). Row
level security as in 0006, and the owner's backup policy as in 0009.

Revision ID: 0012_aspirasi
Revises: 0011_jobs
Create Date: 2026-12-08 00:00:00
"""
from alembic import op
import sqlalchemy as sa

from eplanning_core.tenancy.rls import backup_policy_sql


revision = '0012_aspirasi'
down_revision = '0011_jobs'
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"
#: Tables of this revision holding a region's rows (tests/test_rls.py checks coverage).
TENANT_TABLES = ("aspirasi", "aspirasi_foto", "pengikut")


def upgrade():
    op.create_table(
        'aspirasi',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('kode', sa.String(length=20), nullable=False),
        sa.Column('wilayah_id', sa.Integer(), nullable=False),
        sa.Column('wilayah_kode', sa.String(length=40), nullable=False),
        sa.Column('permasalahan', sa.Text(), nullable=False),
        sa.Column('usulan_kegiatan', sa.Text(), nullable=False),
        sa.Column('jalan', sa.String(length=200), nullable=True),
        sa.Column('lat', sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column('lng', sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column('nama', sa.String(length=120), nullable=True),
        sa.Column('kontak', sa.String(length=254), nullable=False),
        sa.Column('kontak_jenis', sa.String(length=10), nullable=False),
        sa.Column('terkonfirmasi', sa.Boolean(), nullable=False),
        sa.Column('konfirmasi_hash', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('alasan', sa.Text(), nullable=True),
        sa.Column('usulan_id', sa.Integer(), nullable=True),
        sa.Column('oleh_id', sa.Integer(), nullable=True),
        sa.Column('ditindaklanjuti_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('menunggu_konfirmasi', 'masuk', 'diusulkan', 'digabung', 'ditolak', 'spam')",
                           name=op.f('ck_aspirasi_status_valid')),
        sa.CheckConstraint("kontak_jenis IN ('email', 'telepon')", name=op.f('ck_aspirasi_kontak_jenis_valid')),
        sa.CheckConstraint("status NOT IN ('diusulkan', 'digabung') OR usulan_id IS NOT NULL",
                           name=op.f('ck_aspirasi_linked_when_proposed')),
        sa.CheckConstraint("status <> 'ditolak' OR alasan IS NOT NULL", name=op.f('ck_aspirasi_reason_when_declined')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_aspirasi_tenant_id_tenant')),
        sa.ForeignKeyConstraint(['wilayah_id'], ['wilayah.id'], name=op.f('fk_aspirasi_wilayah_id_wilayah')),
        sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_aspirasi_usulan_id_usulan')),
        sa.ForeignKeyConstraint(['oleh_id'], ['user_account.id'], name=op.f('fk_aspirasi_oleh_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aspirasi')),
        sa.UniqueConstraint('tenant_id', 'kode', name=op.f('uq_aspirasi_tenant_id_kode')),
    )
    with op.batch_alter_table('aspirasi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aspirasi_tenant_id_wilayah_kode_status'),
                              ['tenant_id', 'wilayah_kode', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_aspirasi_tenant_id_usulan_id'), ['tenant_id', 'usulan_id'],
                              unique=False)
    op.create_table(
        'aspirasi_foto',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('aspirasi_id', sa.Integer(), nullable=False),
        sa.Column('nama_asli', sa.String(length=200), nullable=False),
        sa.Column('nama_simpan', sa.String(length=80), nullable=False),
        sa.Column('mime', sa.String(length=80), nullable=False),
        sa.Column('ukuran', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('ukuran > 0', name=op.f('ck_aspirasi_foto_not_empty')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_aspirasi_foto_tenant_id_tenant')),
        sa.ForeignKeyConstraint(['aspirasi_id'], ['aspirasi.id'],
                                name=op.f('fk_aspirasi_foto_aspirasi_id_aspirasi')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aspirasi_foto')),
        sa.UniqueConstraint('nama_simpan', name=op.f('uq_aspirasi_foto_nama_simpan')),
    )
    with op.batch_alter_table('aspirasi_foto', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aspirasi_foto_aspirasi_id'), ['aspirasi_id'], unique=False)
    op.create_table(
        'pengikut',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('usulan_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('aspirasi_id', sa.Integer(), nullable=True),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('stopped_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('menunggu', 'aktif', 'berhenti')", name=op.f('ck_pengikut_status_valid')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_pengikut_tenant_id_tenant')),
        sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_pengikut_usulan_id_usulan')),
        sa.ForeignKeyConstraint(['aspirasi_id'], ['aspirasi.id'], name=op.f('fk_pengikut_aspirasi_id_aspirasi')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pengikut')),
        sa.UniqueConstraint('tenant_id', 'usulan_id', 'email', name=op.f('uq_pengikut_tenant_id_usulan_id_email')),
    )
    with op.batch_alter_table('pengikut', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pengikut_tenant_id_usulan_id_status'),
                              ['tenant_id', 'usulan_id', 'status'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.scalar(sa.text("select tableowner from pg_tables where schemaname = current_schema() "
                                "and tablename = 'aspirasi'"))
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_MATCHES}) '
                   f'WITH CHECK ({TENANT_MATCHES})')
        for statement in backup_policy_sql(bind.dialect.identifier_preparer, table, owner):
            op.execute(statement)


def downgrade():
    with op.batch_alter_table('pengikut', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pengikut_tenant_id_usulan_id_status'))
    op.drop_table('pengikut')
    with op.batch_alter_table('aspirasi_foto', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aspirasi_foto_aspirasi_id'))
    op.drop_table('aspirasi_foto')
    with op.batch_alter_table('aspirasi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aspirasi_tenant_id_usulan_id'))
        batch_op.drop_index(batch_op.f('ix_aspirasi_tenant_id_wilayah_kode_status'))
    op.drop_table('aspirasi')  # its policies go with it

"""execution records (realisasi), funding sources and output indicators

The execution record of each funded proposal (contract, state, latest progress), its
milestones (date, physical progress, realised amount, note, reason when late) and their
photos, the execution reports imported (recognised by SHA-256), and a planned item's funding
sources (sumber dana) and output indicator, keyed by the proposal's id. Row level security as
in 0006, and the owner's backup policy as in 0009.

Revision ID: 0013_realisasi
Revises: 0012_aspirasi
Create Date: 2026-12-08 00:00:00
"""
from alembic import op
import sqlalchemy as sa

from eplanning_core.tenancy.rls import backup_policy_sql


revision = '0013_realisasi'
down_revision = '0012_aspirasi'
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"
#: Tables of this revision holding a region's rows (tests/test_rls.py checks coverage).
TENANT_TABLES = ("realisasi", "realisasi_tahap", "realisasi_foto", "realisasi_impor", "usulan_sumber_dana",
                 "usulan_indikator")


def upgrade():
    op.create_table('realisasi_impor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('nama_berkas', sa.String(length=200), nullable=False),
    sa.Column('jumlah_baris', sa.Integer(), nullable=False),
    sa.Column('baris_baru', sa.Integer(), nullable=False),
    sa.Column('baris_berubah', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_realisasi_impor_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_realisasi_impor_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realisasi_impor')),
    sa.UniqueConstraint('tenant_id', 'sha256', name=op.f('uq_realisasi_impor_tenant_id_sha256'))
    )
    op.create_table('realisasi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('siklus_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=False),
    sa.Column('perangkat_daerah_id', sa.Integer(), nullable=True),
    sa.Column('kontrak_nomor', sa.String(length=80), nullable=True),
    sa.Column('kontrak_tanggal', sa.Date(), nullable=True),
    sa.Column('kontrak_nilai', sa.BigInteger(), nullable=True),
    sa.Column('kontrak_akhir', sa.Date(), nullable=True),
    sa.Column('progres', sa.Integer(), nullable=False),
    sa.Column('realisasi_jumlah', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('alasan', sa.Text(), nullable=True),
    sa.Column('terakhir_tanggal', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'gagal' OR alasan IS NOT NULL", name=op.f('ck_realisasi_reason_for_failure')),
    sa.CheckConstraint("status IN ('berjalan', 'selesai', 'gagal')", name=op.f('ck_realisasi_status_valid')),
    sa.CheckConstraint('progres >= 0 AND progres <= 100', name=op.f('ck_realisasi_progres_range')),
    sa.CheckConstraint('realisasi_jumlah >= 0', name=op.f('ck_realisasi_jumlah_not_negative')),
    sa.ForeignKeyConstraint(['perangkat_daerah_id'], ['perangkat_daerah.id'], name=op.f('fk_realisasi_perangkat_daerah_id_perangkat_daerah')),
    sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_realisasi_siklus_id_siklus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_realisasi_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_realisasi_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realisasi')),
    sa.UniqueConstraint('tenant_id', 'usulan_id', name=op.f('uq_realisasi_tenant_id_usulan_id'))
    )
    op.create_index(op.f('ix_realisasi_tenant_id_siklus_id_perangkat_daerah_id'), 'realisasi', ['tenant_id', 'siklus_id', 'perangkat_daerah_id'], unique=False)
    op.create_table('usulan_indikator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=False),
    sa.Column('indikator', sa.String(length=250), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('satuan', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('target > 0', name=op.f('ck_usulan_indikator_target_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_usulan_indikator_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_usulan_indikator_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usulan_indikator')),
    sa.UniqueConstraint('tenant_id', 'usulan_id', name=op.f('uq_usulan_indikator_tenant_id_usulan_id'))
    )
    op.create_table('usulan_sumber_dana',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=False),
    sa.Column('sumber', sa.String(length=40), nullable=False),
    sa.Column('jumlah', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('jumlah > 0', name=op.f('ck_usulan_sumber_dana_jumlah_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_usulan_sumber_dana_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_usulan_sumber_dana_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usulan_sumber_dana')),
    sa.UniqueConstraint('usulan_id', 'sumber', name=op.f('uq_usulan_sumber_dana_usulan_id_sumber'))
    )
    op.create_index(op.f('ix_usulan_sumber_dana_tenant_id_usulan_id'), 'usulan_sumber_dana', ['tenant_id', 'usulan_id'], unique=False)
    op.create_table('realisasi_tahap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('realisasi_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=False),
    sa.Column('tanggal', sa.Date(), nullable=False),
    sa.Column('progres', sa.Integer(), nullable=False),
    sa.Column('realisasi_jumlah', sa.BigInteger(), nullable=False),
    sa.Column('catatan', sa.Text(), nullable=True),
    sa.Column('alasan_terlambat', sa.Text(), nullable=True),
    sa.Column('sumber', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('progres >= 0 AND progres <= 100', name=op.f('ck_realisasi_tahap_progres_range')),
    sa.CheckConstraint('realisasi_jumlah >= 0', name=op.f('ck_realisasi_tahap_jumlah_not_negative')),
    sa.ForeignKeyConstraint(['realisasi_id'], ['realisasi.id'], name=op.f('fk_realisasi_tahap_realisasi_id_realisasi')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_realisasi_tahap_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_realisasi_tahap_user_id_user_account')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_realisasi_tahap_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realisasi_tahap')),
    sa.UniqueConstraint('realisasi_id', 'tanggal', name=op.f('uq_realisasi_tahap_realisasi_id_tanggal'))
    )
    op.create_index(op.f('ix_realisasi_tahap_tenant_id_usulan_id'), 'realisasi_tahap', ['tenant_id', 'usulan_id'], unique=False)
    op.create_table('realisasi_foto',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('tahap_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=False),
    sa.Column('nama_asli', sa.String(length=200), nullable=False),
    sa.Column('nama_simpan', sa.String(length=80), nullable=False),
    sa.Column('mime', sa.String(length=80), nullable=False),
    sa.Column('ukuran', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ukuran > 0', name=op.f('ck_realisasi_foto_not_empty')),
    sa.ForeignKeyConstraint(['tahap_id'], ['realisasi_tahap.id'], name=op.f('fk_realisasi_foto_tahap_id_realisasi_tahap')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_realisasi_foto_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_realisasi_foto_user_id_user_account')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_realisasi_foto_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realisasi_foto')),
    sa.UniqueConstraint('nama_simpan', name=op.f('uq_realisasi_foto_nama_simpan'))
    )
    op.create_index(op.f('ix_realisasi_foto_tenant_id_usulan_id'), 'realisasi_foto', ['tenant_id', 'usulan_id'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.scalar(sa.text("select tableowner from pg_tables where schemaname = current_schema() "
                                "and tablename = 'realisasi'"))
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_MATCHES}) '
                   f'WITH CHECK ({TENANT_MATCHES})')
        for statement in backup_policy_sql(bind.dialect.identifier_preparer, table, owner):
            op.execute(statement)


def downgrade():  # the policies go with their tables
    op.drop_index(op.f('ix_realisasi_foto_tenant_id_usulan_id'), table_name='realisasi_foto')
    op.drop_table('realisasi_foto')
    op.drop_index(op.f('ix_realisasi_tahap_tenant_id_usulan_id'), table_name='realisasi_tahap')
    op.drop_table('realisasi_tahap')
    op.drop_index(op.f('ix_usulan_sumber_dana_tenant_id_usulan_id'), table_name='usulan_sumber_dana')
    op.drop_table('usulan_sumber_dana')
    op.drop_table('usulan_indikator')
    op.drop_index(op.f('ix_realisasi_tenant_id_siklus_id_perangkat_daerah_id'), table_name='realisasi')
    op.drop_table('realisasi')
    op.drop_table('realisasi_impor')

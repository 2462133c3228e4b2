"""planning cycle

Revision ID: 0002_planning_cycle
Revises: 0001_core_foundation
Create Date: 2026-11-22 13:47:48.007530
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_planning_cycle'
down_revision = '0001_core_foundation'
branch_labels = None
depends_on = None


ROLES_BEFORE = "role IN ('bappeda', 'operator', 'operator_pd', 'dprd', 'viewer')"
ROLES_AFTER = "role IN ('bappeda', 'operator', 'operator_pd', 'dprd', 'setwan', 'viewer')"


def _role_check(roles):
    # The DPRD secretariat (setwan) checks Pokir: a new role.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_role_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_account_role_valid"), roles)


def upgrade():
    _role_check(ROLES_AFTER)
    op.create_table('nomenklatur',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('tingkat', sa.String(length=20), nullable=False),
    sa.Column('kode', sa.String(length=40), nullable=False),
    sa.Column('nama', sa.String(length=400), nullable=False),
    sa.CheckConstraint("tingkat IN ('urusan', 'bidang_urusan', 'program', 'kegiatan', 'sub_kegiatan')", name=op.f('ck_nomenklatur_tingkat_valid')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_nomenklatur_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nomenklatur')),
    sa.UniqueConstraint('tenant_id', 'kode', name=op.f('uq_nomenklatur_tenant_id_kode'))
    )
    with op.batch_alter_table('nomenklatur', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomenklatur_tenant_id_tingkat_kode'), ['tenant_id', 'tingkat', 'kode'], unique=False)

    op.create_table('siklus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('tahun', sa.Integer(), nullable=False),
    sa.Column('nama', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rkpd_ditetapkan_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'rkpd_ditetapkan') = (rkpd_ditetapkan_at IS NOT NULL)", name=op.f('ck_siklus_locked_has_time')),
    sa.CheckConstraint("status IN ('berjalan', 'rkpd_ditetapkan')", name=op.f('ck_siklus_status_valid')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_siklus_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_siklus')),
    sa.UniqueConstraint('tenant_id', 'tahun', name=op.f('uq_siklus_tenant_id_tahun'))
    )
    op.create_table('kamus_usulan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kode', sa.String(length=40), nullable=False),
    sa.Column('nama', sa.String(length=250), nullable=False),
    sa.Column('bidang', sa.String(length=20), nullable=False),
    sa.Column('satuan', sa.String(length=40), nullable=False),
    sa.Column('harga_satuan', sa.BigInteger(), nullable=False),
    sa.Column('perangkat_daerah_id', sa.Integer(), nullable=True),
    sa.Column('sub_kegiatan_kode', sa.String(length=40), nullable=True),
    sa.Column('aktif', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("bidang IN ('ekonomi', 'sosial_budaya', 'fisik_prasarana')", name=op.f('ck_kamus_usulan_bidang_valid')),
    sa.CheckConstraint('harga_satuan >= 0', name=op.f('ck_kamus_usulan_harga_not_negative')),
    sa.ForeignKeyConstraint(['perangkat_daerah_id'], ['perangkat_daerah.id'], name=op.f('fk_kamus_usulan_perangkat_daerah_id_perangkat_daerah')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_kamus_usulan_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kamus_usulan')),
    sa.UniqueConstraint('tenant_id', 'kode', name=op.f('uq_kamus_usulan_tenant_id_kode'))
    )
    with op.batch_alter_table('kamus_usulan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kamus_usulan_tenant_id_nama'), ['tenant_id', 'nama'], unique=False)

    op.create_table('pagu',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('siklus_id', sa.Integer(), nullable=False),
    sa.Column('tahapan_kunci', sa.String(length=40), nullable=False),
    sa.Column('wilayah_id', sa.Integer(), nullable=True),
    sa.Column('perangkat_daerah_id', sa.Integer(), nullable=True),
    sa.Column('jumlah', sa.BigInteger(), nullable=True),
    sa.Column('kuota', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(wilayah_id IS NULL) <> (perangkat_daerah_id IS NULL)', name=op.f('ck_pagu_one_target')),
    sa.CheckConstraint('jumlah IS NULL OR jumlah >= 0', name=op.f('ck_pagu_jumlah_not_negative')),
    sa.CheckConstraint('kuota IS NULL OR kuota >= 0', name=op.f('ck_pagu_kuota_not_negative')),
    sa.ForeignKeyConstraint(['perangkat_daerah_id'], ['perangkat_daerah.id'], name=op.f('fk_pagu_perangkat_daerah_id_perangkat_daerah')),
    sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_pagu_siklus_id_siklus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_pagu_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['wilayah_id'], ['wilayah.id'], name=op.f('fk_pagu_wilayah_id_wilayah')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pagu')),
    sa.UniqueConstraint('siklus_id', 'tahapan_kunci', 'wilayah_id', 'perangkat_daerah_id', name=op.f('uq_pagu_siklus_id_tahapan_kunci_wilayah_id_perangkat_daerah_id'))
    )
    with op.batch_alter_table('pagu', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pagu_tenant_id_siklus_id_tahapan_kunci'), ['tenant_id', 'siklus_id', 'tahapan_kunci'], unique=False)

    op.create_table('rapat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('siklus_id', sa.Integer(), nullable=False),
    sa.Column('tahapan', sa.String(length=40), nullable=False),
    sa.Column('wilayah_id', sa.Integer(), nullable=False),
    sa.Column('tempat', sa.String(length=200), nullable=True),
    sa.Column('alamat', sa.String(length=250), nullable=True),
    sa.Column('mulai', sa.DateTime(), nullable=True),
    sa.Column('jumlah_hadir', sa.Integer(), nullable=True),
    sa.Column('notulen', sa.Text(), nullable=True),
    sa.Column('delegasi', sa.JSON(), nullable=False),
    sa.Column('dikirim_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('jumlah_hadir IS NULL OR jumlah_hadir >= 0', name=op.f('ck_rapat_hadir_not_negative')),
    sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_rapat_siklus_id_siklus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_rapat_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['wilayah_id'], ['wilayah.id'], name=op.f('fk_rapat_wilayah_id_wilayah')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rapat')),
    sa.UniqueConstraint('siklus_id', 'tahapan', 'wilayah_id', name=op.f('uq_rapat_siklus_id_tahapan_wilayah_id'))
    )
    with op.batch_alter_table('rapat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rapat_wilayah_id'), ['wilayah_id'], unique=False)

    op.create_table('tahapan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('siklus_id', sa.Integer(), nullable=False),
    sa.Column('kunci', sa.String(length=40), nullable=False),
    sa.Column('urutan', sa.Integer(), nullable=False),
    sa.Column('nama', sa.String(length=120), nullable=False),
    sa.Column('jenis', sa.String(length=40), nullable=False),
    sa.Column('dibuka', sa.DateTime(), nullable=False),
    sa.Column('ditutup', sa.DateTime(), nullable=False),
    sa.Column('pemasukan_ditutup', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ditutup > dibuka', name=op.f('ck_tahapan_window_positive')),
    sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_tahapan_siklus_id_siklus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_tahapan_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tahapan')),
    sa.UniqueConstraint('siklus_id', 'kunci', name=op.f('uq_tahapan_siklus_id_kunci'))
    )
    op.create_table('pengiriman',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('siklus_id', sa.Integer(), nullable=False),
    sa.Column('tahapan', sa.String(length=40), nullable=False),
    sa.Column('ke_tahapan', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=40), nullable=False),
    sa.Column('jumlah_usulan', sa.Integer(), nullable=False),
    sa.Column('jumlah_tertahan', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_pengiriman_siklus_id_siklus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_pengiriman_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pengiriman_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pengiriman')),
    sa.UniqueConstraint('siklus_id', 'tahapan', 'holder', name=op.f('uq_pengiriman_siklus_id_tahapan_holder'))
    )
    op.create_table('perpanjangan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('tahapan_id', sa.Integer(), nullable=False),
    sa.Column('ditutup_lama', sa.DateTime(), nullable=False),
    sa.Column('ditutup_baru', sa.DateTime(), nullable=False),
    sa.Column('holder', sa.String(length=40), nullable=True),
    sa.Column('pemasukan', sa.Boolean(), nullable=False),
    sa.Column('alasan', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tahapan_id'], ['tahapan.id'], name=op.f('fk_perpanjangan_tahapan_id_tahapan')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_perpanjangan_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_perpanjangan_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_perpanjangan'))
    )
    with op.batch_alter_table('perpanjangan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_perpanjangan_tahapan_id'), ['tahapan_id'], unique=False)

    op.create_table('usulan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('siklus_id', sa.Integer(), nullable=False),
    sa.Column('kode_lacak', sa.String(length=30), nullable=False),
    sa.Column('sumber', sa.String(length=20), nullable=False),
    sa.Column('wilayah_asal_id', sa.Integer(), nullable=True),
    sa.Column('rapat_id', sa.Integer(), nullable=True),
    sa.Column('pengusul_nama', sa.String(length=120), nullable=True),
    sa.Column('pengusul_telepon', sa.String(length=30), nullable=True),
    sa.Column('pengusul_nik', sa.String(length=16), nullable=True),
    sa.Column('dprd_user_id', sa.Integer(), nullable=True),
    sa.Column('dapil', sa.String(length=20), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('bidang', sa.String(length=20), nullable=False),
    sa.Column('permasalahan', sa.Text(), nullable=False),
    sa.Column('usulan_kegiatan', sa.Text(), nullable=False),
    sa.Column('kamus_id', sa.Integer(), nullable=True),
    sa.Column('volume', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('satuan', sa.String(length=40), nullable=False),
    sa.Column('harga_satuan', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('lokasi_wilayah_id', sa.Integer(), nullable=True),
    sa.Column('lokasi_kode', sa.String(length=40), nullable=True),
    sa.Column('jalan', sa.String(length=200), nullable=True),
    sa.Column('lokasi_detail', sa.String(length=250), nullable=True),
    sa.Column('lat', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('lng', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('tahapan', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('alasan', sa.Text(), nullable=True),
    sa.Column('survei_selesai', sa.Boolean(), nullable=False),
    sa.Column('terkunci', sa.Boolean(), nullable=False),
    sa.Column('tertutup', sa.Boolean(), nullable=False),
    sa.Column('dana_desa', sa.Boolean(), nullable=False),
    sa.Column('prioritas', sa.Integer(), nullable=True),
    sa.Column('skor', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('skor_rincian', sa.JSON(), nullable=False),
    sa.Column('perangkat_daerah_id', sa.Integer(), nullable=True),
    sa.Column('sub_kegiatan_kode', sa.String(length=40), nullable=True),
    sa.Column('pagu', sa.BigInteger(), nullable=True),
    sa.Column('target', sa.String(length=120), nullable=True),
    sa.Column('indikator', sa.String(length=250), nullable=True),
    sa.Column('anggaran_jumlah', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'didanai') = (anggaran_jumlah IS NOT NULL)", name=op.f('ck_usulan_funded_has_amount')),
    sa.CheckConstraint("(sumber = 'pokir') = (dprd_user_id IS NOT NULL)", name=op.f('ck_usulan_pokir_has_member')),
    sa.CheckConstraint("bidang IN ('ekonomi', 'sosial_budaya', 'fisik_prasarana')", name=op.f('ck_usulan_bidang_valid')),
    sa.CheckConstraint("status IN ('belum_dibahas', 'diterima', 'diterima_dengan_perubahan', 'ditolak', 'dana_desa', 'diperiksa', 'didanai', 'tidak_didanai')", name=op.f('ck_usulan_status_valid')),
    sa.CheckConstraint("status NOT IN ('ditolak', 'diterima_dengan_perubahan') OR alasan IS NOT NULL", name=op.f('ck_usulan_reason_for_change_or_rejection')),
    sa.CheckConstraint("sumber IN ('lingkungan', 'kelurahan', 'kecamatan', 'pd', 'pokir', 'bappeda')", name=op.f('ck_usulan_sumber_valid')),
    sa.CheckConstraint('harga_satuan >= 0 AND total >= 0', name=op.f('ck_usulan_money_not_negative')),
    sa.CheckConstraint('volume > 0', name=op.f('ck_usulan_volume_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_usulan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['dprd_user_id'], ['user_account.id'], name=op.f('fk_usulan_dprd_user_id_user_account')),
    sa.ForeignKeyConstraint(['kamus_id'], ['kamus_usulan.id'], name=op.f('fk_usulan_kamus_id_kamus_usulan')),
    sa.ForeignKeyConstraint(['lokasi_wilayah_id'], ['wilayah.id'], name=op.f('fk_usulan_lokasi_wilayah_id_wilayah')),
    sa.ForeignKeyConstraint(['perangkat_daerah_id'], ['perangkat_daerah.id'], name=op.f('fk_usulan_perangkat_daerah_id_perangkat_daerah')),
    sa.ForeignKeyConstraint(['rapat_id'], ['rapat.id'], name=op.f('fk_usulan_rapat_id_rapat')),
    sa.ForeignKeyConstraint(['siklus_id'], ['siklus.id'], name=op.f('fk_usulan_siklus_id_siklus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_usulan_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['wilayah_asal_id'], ['wilayah.id'], name=op.f('fk_usulan_wilayah_asal_id_wilayah')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usulan')),
    sa.UniqueConstraint('tenant_id', 'kode_lacak', name=op.f('uq_usulan_tenant_id_kode_lacak'))
    )
    with op.batch_alter_table('usulan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usulan_tenant_id_siklus_id_dprd_user_id'), ['tenant_id', 'siklus_id', 'dprd_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usulan_tenant_id_siklus_id_id'), ['tenant_id', 'siklus_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usulan_tenant_id_siklus_id_lokasi_kode'), ['tenant_id', 'siklus_id', 'lokasi_kode'], unique=False)
        batch_op.create_index(batch_op.f('ix_usulan_tenant_id_siklus_id_perangkat_daerah_id_tahapan'), ['tenant_id', 'siklus_id', 'perangkat_daerah_id', 'tahapan'], unique=False)
        batch_op.create_index(batch_op.f('ix_usulan_tenant_id_siklus_id_tahapan_lokasi_kode'), ['tenant_id', 'siklus_id', 'tahapan', 'lokasi_kode'], unique=False)
        batch_op.create_index(batch_op.f('ix_usulan_tenant_id_siklus_id_tahapan_status'), ['tenant_id', 'siklus_id', 'tahapan', 'status'], unique=False)

    op.create_table('keputusan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=False),
    sa.Column('tahapan', sa.String(length=40), nullable=False),
    sa.Column('keputusan', sa.String(length=40), nullable=False),
    sa.Column('alasan', sa.Text(), nullable=True),
    sa.Column('oleh_wilayah_id', sa.Integer(), nullable=True),
    sa.Column('oleh_perangkat_daerah_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_nama', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['oleh_perangkat_daerah_id'], ['perangkat_daerah.id'], name=op.f('fk_keputusan_oleh_perangkat_daerah_id_perangkat_daerah')),
    sa.ForeignKeyConstraint(['oleh_wilayah_id'], ['wilayah.id'], name=op.f('fk_keputusan_oleh_wilayah_id_wilayah')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_keputusan_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_keputusan_user_id_user_account')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_keputusan_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_keputusan'))
    )
    with op.batch_alter_table('keputusan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_keputusan_tenant_id_tahapan_keputusan'), ['tenant_id', 'tahapan', 'keputusan'], unique=False)
        batch_op.create_index(batch_op.f('ix_keputusan_usulan_id_id'), ['usulan_id', 'id'], unique=False)

    op.create_table('lampiran',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('usulan_id', sa.Integer(), nullable=True),
    sa.Column('rapat_id', sa.Integer(), nullable=True),
    sa.Column('jenis', sa.String(length=30), nullable=False),
    sa.Column('nama_asli', sa.String(length=200), nullable=False),
    sa.Column('nama_simpan', sa.String(length=80), nullable=False),
    sa.Column('mime', sa.String(length=80), nullable=False),
    sa.Column('ukuran', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(usulan_id IS NULL) <> (rapat_id IS NULL)', name=op.f('ck_lampiran_one_owner')),
    sa.CheckConstraint('ukuran > 0', name=op.f('ck_lampiran_not_empty')),
    sa.ForeignKeyConstraint(['rapat_id'], ['rapat.id'], name=op.f('fk_lampiran_rapat_id_rapat')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_lampiran_tenant_id_tenant')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_lampiran_user_id_user_account')),
    sa.ForeignKeyConstraint(['usulan_id'], ['usulan.id'], name=op.f('fk_lampiran_usulan_id_usulan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lampiran')),
    sa.UniqueConstraint('nama_simpan', name=op.f('uq_lampiran_nama_simpan'))
    )
    with op.batch_alter_table('lampiran', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lampiran_rapat_id'), ['rapat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lampiran_usulan_id'), ['usulan_id'], unique=False)



def downgrade():
    _role_check(ROLES_BEFORE)
    with op.batch_alter_table('lampiran', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lampiran_usulan_id'))
        batch_op.drop_index(batch_op.f('ix_lampiran_rapat_id'))

    op.drop_table('lampiran')
    with op.batch_alter_table('keputusan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_keputusan_usulan_id_id'))
        batch_op.drop_index(batch_op.f('ix_keputusan_tenant_id_tahapan_keputusan'))

    op.drop_table('keputusan')
    with op.batch_alter_table('usulan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usulan_tenant_id_siklus_id_tahapan_status'))
        batch_op.drop_index(batch_op.f('ix_usulan_tenant_id_siklus_id_tahapan_lokasi_kode'))
        batch_op.drop_index(batch_op.f('ix_usulan_tenant_id_siklus_id_perangkat_daerah_id_tahapan'))
        batch_op.drop_index(batch_op.f('ix_usulan_tenant_id_siklus_id_lokasi_kode'))
        batch_op.drop_index(batch_op.f('ix_usulan_tenant_id_siklus_id_id'))
        batch_op.drop_index(batch_op.f('ix_usulan_tenant_id_siklus_id_dprd_user_id'))

    op.drop_table('usulan')
    with op.batch_alter_table('perpanjangan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_perpanjangan_tahapan_id'))

    op.drop_table('perpanjangan')
    op.drop_table('pengiriman')
    op.drop_table('tahapan')
    with op.batch_alter_table('rapat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rapat_wilayah_id'))

    op.drop_table('rapat')
    with op.batch_alter_table('pagu', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pagu_tenant_id_siklus_id_tahapan_kunci'))

    op.drop_table('pagu')
    with op.batch_alter_table('kamus_usulan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kamus_usulan_tenant_id_nama'))

    op.drop_table('kamus_usulan')
    op.drop_table('siklus')
    with op.batch_alter_table('nomenklatur', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomenklatur_tenant_id_tingkat_kode'))

    op.drop_table('nomenklatur')

"""indexes and aggregates for city and national scale

Prefix searches on materialised paths (usulan.lokasi_kode, wilayah.kode: "everything in
kecamatan X" is LIKE 'X.%') can use a btree index on PostgreSQL only with text_pattern_ops
(or the "C" collation); the databases we run on use C.UTF-8 or en_US.UTF-8. On SQLite the
same indexes are plain ones (its LIKE optimisation needs case_sensitive_like anyway).

Revision ID: 0007_performance
Revises: 0006_row_level_security
Create Date: 2026-12-02 21:30:00
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401


revision = '0007_performance'
down_revision = '0006_row_level_security'
branch_labels = None
depends_on = None

USULAN_LOKASI = 'ix_usulan_tenant_id_siklus_id_lokasi_kode'
WILAYAH_PATTERN = 'ix_wilayah_tenant_id_kode_pattern'


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgresql():
        # The same name and columns, now with text_pattern_ops on the code.
        op.drop_index(USULAN_LOKASI, table_name='usulan')
        op.create_index(USULAN_LOKASI, 'usulan', ['tenant_id', 'siklus_id', 'lokasi_kode'], unique=False,
                        postgresql_ops={'lokasi_kode': 'text_pattern_ops'})
    with op.batch_alter_table('wilayah', schema=None) as batch_op:
        batch_op.create_index(WILAYAH_PATTERN, ['tenant_id', 'kode'], unique=False,
                              postgresql_ops={'kode': 'text_pattern_ops'})


def downgrade():
    with op.batch_alter_table('wilayah', schema=None) as batch_op:
        batch_op.drop_index(WILAYAH_PATTERN)
    if _postgresql():
        op.drop_index(USULAN_LOKASI, table_name='usulan')
        op.create_index(USULAN_LOKASI, 'usulan', ['tenant_id', 'siklus_id', 'lokasi_kode'], unique=False)

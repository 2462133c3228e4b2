"""row level security by tenant on PostgreSQL

Every table holding a region's rows (a tenant_id column) gets ENABLE and FORCE ROW LEVEL
SECURITY and one policy: a row is visible and writable only when its tenant_id is the
transaction's ``eplanning.tenant_id`` setting (set by eplanning_core.tenancy.rls); unset,
no row. FORCE applies it to the tables' owner too; only superusers and BYPASSRLS roles
pass. The ``tenant`` table has no policy: it holds the public names of the regions.
SQLite has no row level security: nothing is done there.

Revision ID: 0006_row_level_security
Revises: 0005_account_sessions
Create Date: 2026-12-02 21:30:00
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401


revision = '0006_row_level_security'
down_revision = '0005_account_sessions'
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"

#: Every table with a tenant_id column at this revision (tests/test_rls.py checks the live
#: schema: a later table with tenant_id needs its own policy in its own migration).
TENANT_TABLES = (
    "anggaran_baris", "anggaran_impor", "api_token", "audit_chain_head", "audit_checkpoint",
    "audit_entry", "keputusan", "kamus_usulan",
    "lampiran", "nomenklatur", "pagu", "pengiriman", "perangkat_daerah", "perpanjangan", "rapat",
    "siklus", "tahapan", "user_account", "usulan", "wilayah",
    "login_session",  # 0005 already gave it the same policy; set again here, harmlessly
)
#: Tables whose own (earlier) migration sets the policy: a downgrade of 0006 leaves them be.
POLICY_FROM_EARLIER = ("login_session",)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_MATCHES}) '
                   f'WITH CHECK ({TENANT_MATCHES})')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        if table in POLICY_FROM_EARLIER:
            continue
        op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')

"""tracking codes numbered per region and year; login throttling state

Tracking codes (MDN-2027-000123) were numbered by one counter shared by every region, so a
region's first code told it how many the others had. ``tracking_counter`` holds one number
per (region, year), seeded here from the highest code each region already has for the year:
existing codes stay as they are, new ones continue after them.

Login throttling keeps its counters in Redis or in the workers' memory
(eplanning_core/accounts/throttle.py), so the login part needs no table.

Revision ID: 0008_tracking_and_login
Revises: 0007_performance
Create Date: 2026-12-07 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_tracking_and_login'
down_revision = '0007_performance'
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCHES = "tenant_id = nullif(current_setting('eplanning.tenant_id', true), '')::int"
#: Tables of this revision holding a region's rows: row level security as in 0006.
TENANT_TABLES = ("tracking_counter",)


def upgrade():
    op.create_table(
        'tracking_counter',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('tahun', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('terakhir', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'],
                                name=op.f('fk_tracking_counter_tenant_id_tenant')),
        sa.PrimaryKeyConstraint('tenant_id', 'tahun', name=op.f('pk_tracking_counter')),
    )
    _seed()
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_MATCHES}) '
                       f'WITH CHECK ({TENANT_MATCHES})')


def _seed():
    """Each region's highest number per year; the longest code is the largest (zero-padded)."""
    bind = op.get_bind()
    query = sa.text(
        "SELECT u.tenant_id, s.tahun, length(u.kode_lacak) AS width, max(u.kode_lacak) AS code "
        "FROM usulan u JOIN siklus s ON s.id = u.siklus_id WHERE u.tenant_id = :t "
        "GROUP BY u.tenant_id, s.tahun, length(u.kode_lacak)")
    rows = []
    for tenant_id in bind.scalars(sa.text("SELECT id FROM tenant ORDER BY id")).all():
        if bind.dialect.name == "postgresql":  # row level security shows one region at a time
            bind.execute(sa.text("SELECT set_config('eplanning.tenant_id', :t, true)"), {"t": str(tenant_id)})
        rows += bind.execute(query, {"t": tenant_id}).all()
    best: dict[tuple[int, int], tuple[int, int]] = {}
    for tenant_id, tahun, width, code in rows:
        tail = (code or "").rsplit("-", 1)[-1]
        if not tail.isdigit():
            continue
        key = (tenant_id, tahun)
        best[key] = max(best.get(key, (0, 0)), (width, int(tail)))
    counter = sa.table('tracking_counter', sa.column('tenant_id', sa.Integer),
                       sa.column('tahun', sa.Integer), sa.column('terakhir', sa.Integer))
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT set_config('eplanning.tenant_id', '', true)"))
    if best:
        op.bulk_insert(counter, [{"tenant_id": t, "tahun": y, "terakhir": number}
                                 for (t, y), (_width, number) in sorted(best.items())])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.drop_table('tracking_counter')

"""the history's witnesses: checkpoints rolled forward, owner access for backups

Checkpoints: the first one of a day was frozen (one per region and day); now a checkpoint is
added whenever the chain head moved since the last one (hourly by cron, at penetapan), so the
unique (tenant_id, day) gives way to an index on (tenant_id, seq).

Backups (PostgreSQL): FORCE ROW LEVEL SECURITY (0006) holds the tables' owner to the region
of its transaction, so ``pg_dump`` as the owner stopped with "query would be affected by
row-level security policy". Every table with row level security gets the policy
``owner_backup``: FOR SELECT, TO the table's owner only, and only while the session's
``eplanning.backup`` setting is ``on`` (``eplanning backup`` sets it for ``pg_dump
--enable-row-security``). The application role is not the owner: no policy of its changes.
A later migration that adds a table with row level security adds this policy too
(tenancy/rls.py: ``backup_policy_sql``); ``eplanning backup`` refuses while one lacks it.

Revision ID: 0009_audit_witness
Revises: 0008_tracking_and_login
Create Date: 2026-12-07 23:00:00
"""
from alembic import op
import sqlalchemy as sa

from eplanning_core.tenancy.rls import BACKUP_POLICY, backup_policy_sql


revision = '0009_audit_witness'
down_revision = '0008_tracking_and_login'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_checkpoint_tenant_id_day', type_='unique')
        batch_op.create_index('ix_audit_checkpoint_tenant_id_seq', ['tenant_id', 'seq'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, owner in bind.execute(sa.text(
            "select tablename, tableowner from pg_tables where schemaname = current_schema() "
            "and rowsecurity order by tablename")).all():
        for statement in backup_policy_sql(bind.dialect.identifier_preparer, table, owner):
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for (table,) in bind.execute(sa.text(
                "select tablename from pg_policies where schemaname = current_schema() "
                "and policyname = :p"), {"p": BACKUP_POLICY}).all():
            op.execute(f'DROP POLICY IF EXISTS {BACKUP_POLICY} ON "{table}"')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_checkpoint_tenant_id_seq')
    # Back to one checkpoint a day: only the newest of each day can stay under the old rule,
    # and the history tables refuse DELETE; the unique constraint comes back where it fits.
    duplicates = bind.execute(sa.text(
        "select 1 from audit_checkpoint group by tenant_id, day having count(*) > 1 limit 1")).first()
    if duplicates is None:
        with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
            batch_op.create_unique_constraint('uq_audit_checkpoint_tenant_id_day', ['tenant_id', 'day'])

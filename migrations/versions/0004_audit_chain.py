"""hash-chained audit history and published checkpoints

Every region's history becomes one hash chain (seq, prev_hash, entry_hash on audit_entry,
see eplanning_core/audit/chain.py); the entries already there are chained in id order.
audit_chain_head holds each chain's head (its row is the lock appends take), and
audit_checkpoint the published daily heads. On PostgreSQL a statement-level trigger refuses
UPDATE, DELETE and TRUNCATE of audit_entry and audit_checkpoint.

Revision ID: 0004_audit_chain
Revises: 0003_api_and_budget
Create Date: 2026-12-02 21:30:00
"""
from alembic import op
import sqlalchemy as sa

from eplanning_core.audit.chain import GENESIS, link


revision = '0004_audit_chain'
down_revision = '0003_api_and_budget'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entry", "audit_checkpoint")
BATCH = 5000


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('tenant_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_audit_chain_head_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_audit_chain_head'))
    )
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_audit_checkpoint_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    sa.UniqueConstraint('tenant_id', 'day', name=op.f('uq_audit_checkpoint_tenant_id_day'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))

    _chain_existing_entries(op.get_bind())

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_tenant_id_seq'), ['tenant_id', 'seq'])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit history is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
                    USING HINT = 'Entries are only ever added; see docs/security.md.';
            END
            $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")


def _chain_existing_entries(conn) -> None:
    """Chain the entries of each region in id order, a batch at a time; record each head."""
    entry = sa.table('audit_entry', sa.column('id', sa.Integer), sa.column('tenant_id', sa.Integer),
                     sa.column('created_at', sa.DateTime), sa.column('actor_id', sa.Integer),
                     sa.column('actor_name', sa.String), sa.column('action', sa.String),
                     sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
                     sa.column('reason', sa.Text), sa.column('changes', sa.JSON),
                     sa.column('seq', sa.BigInteger), sa.column('prev_hash', sa.String),
                     sa.column('entry_hash', sa.String))
    head_table = sa.table('audit_chain_head', sa.column('tenant_id', sa.Integer),
                          sa.column('seq', sa.BigInteger), sa.column('entry_hash', sa.String))
    columns = [entry.c[name] for name in ('id', 'tenant_id', 'created_at', 'actor_id', 'actor_name', 'action',
                                          'object_type', 'object_id', 'reason', 'changes')]
    tenants = conn.execute(sa.select(entry.c.tenant_id).distinct().order_by(entry.c.tenant_id)).scalars().all()
    for tenant_id in tenants:
        head, last_id = (0, GENESIS), 0
        while True:
            rows = [dict(r._mapping) for r in conn.execute(
                sa.select(*columns).where(entry.c.tenant_id == tenant_id, entry.c.id > last_id)
                .order_by(entry.c.id).limit(BATCH))]
            if not rows:
                break
            originals = [r['changes'] for r in rows]
            head = link(rows, head)
            update = sa.update(entry).where(entry.c.id == sa.bindparam('b_id')).values(
                seq=sa.bindparam('b_seq'), prev_hash=sa.bindparam('b_prev'), entry_hash=sa.bindparam('b_hash'))
            conn.execute(update, [{'b_id': r['id'], 'b_seq': r['seq'], 'b_prev': r['prev_hash'],
                                   'b_hash': r['entry_hash']} for r in rows])
            changed = [{'b_id': r['id'], 'b_changes': r['changes']}
                       for r, original in zip(rows, originals) if r['changes'] != original]
            if changed:  # changes JSON would not give back as they are: stored as they are hashed
                conn.execute(sa.update(entry).where(entry.c.id == sa.bindparam('b_id'))
                             .values(changes=sa.bindparam('b_changes')), changed)
            last_id = rows[-1]['id']
        conn.execute(sa.insert(head_table).values(tenant_id=tenant_id, seq=head[0], entry_hash=head[1]))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_tenant_id_seq'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')

    op.drop_table('audit_checkpoint')
    op.drop_table('audit_chain_head')

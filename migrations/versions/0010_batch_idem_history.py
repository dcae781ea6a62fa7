"""batch answers kept for their Idempotency-Key; decision_revisions and audit_events
append-only (triggers refuse UPDATE and DELETE, as on bank_queries)

Revision ID: 0010_batch_idem
Revises: 0009_merge
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

import service.core.db

revision = '0010_batch_idem'
down_revision = '0009_merge'
branch_labels = None
depends_on = None

# History that is evidence. Nothing in the service updates or deletes these rows; a later
# migration that rebuilds one of these tables on SQLite (batch_alter_table) must create
# its triggers again.
APPEND_ONLY = ("decision_revisions", "audit_events")


def upgrade() -> None:
    op.create_table('bank_batch_answers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', service.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'],
                            name=op.f('fk_bank_batch_answers_client_id_api_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_batch_answers')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name='uq_bank_batch_answers_idem')
    )
    with op.batch_alter_table('bank_batch_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_batch_answers_created_at'), ['created_at'],
                              unique=False)
    for table in APPEND_ONLY:
        _forbid_rewrites(table)


def _forbid_rewrites(table: str) -> None:
    """Refuse UPDATE and DELETE on `table` in the database itself (see 0006_bank)."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
    op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")


def _allow_rewrites(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def downgrade() -> None:
    for table in APPEND_ONLY:
        _allow_rewrites(table)
    with op.batch_alter_table('bank_batch_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_batch_answers_created_at'))

    op.drop_table('bank_batch_answers')

"""Drop two indexes that a unique index on the same leading column already serves

decision_revisions(decision_id) is the prefix of the unique (decision_id, seq),
bank_credit_reports(client_id) of the unique (client_id, idempotency_key): every
lookup they served uses the unique index, and a bulk import no longer maintains
a second index entry for each of its 200,000 revisions per 100,000 decisions.

Revision ID: 0018_drop_prefix_indexes
Revises: 0017_pending_evaluations
Create Date: 2026-12-07
"""

from alembic import op

revision = '0018_drop_prefix_indexes'
down_revision = '0017_pending_evaluations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f('ix_decision_revisions_decision_id'), table_name='decision_revisions')
    op.drop_index(op.f('ix_bank_credit_reports_client_id'), table_name='bank_credit_reports')


def downgrade() -> None:
    op.create_index(op.f('ix_bank_credit_reports_client_id'), 'bank_credit_reports',
                    ['client_id'], unique=False)
    op.create_index(op.f('ix_decision_revisions_decision_id'), 'decision_revisions',
                    ['decision_id'], unique=False)

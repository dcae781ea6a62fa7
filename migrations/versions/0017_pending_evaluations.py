"""pending_evaluations: the subjects a bulk import still has to run the lists rules for

The importer stores a file's decisions batch by batch and runs the rules once
per subject at the end of the file instead of once per batch (a repeat
offender's history was read and evaluated again in every batch that named it).
The marks make that safe across a stop: whatever an import stored and did not
evaluate is evaluated by the next import or by `rules evaluate`.

Revision ID: 0017_pending_evaluations
Revises: 0016_query_log_without_fks
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import service.core.db

revision = '0017_pending_evaluations'
down_revision = '0016_query_log_without_fks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_evaluations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('created_at', service.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_evaluations')),
    )
    op.create_index(op.f('ix_pending_evaluations_subject_id'), 'pending_evaluations',
                    ['subject_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_evaluations_subject_id'), table_name='pending_evaluations')
    op.drop_table('pending_evaluations')

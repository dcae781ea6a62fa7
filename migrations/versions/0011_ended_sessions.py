"""console sessions ended by logout (a copied cookie signs nobody in afterwards)

Revision ID: 0011_ended_sessions
Revises: 0010_batch_idem
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import service.core.db

revision = '0011_ended_sessions'
down_revision = '0010_batch_idem'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ended_sessions',
    sa.Column('sid', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', service.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', service.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_ended_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_ended_sessions'))
    )
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_sessions_expires_at'), ['expires_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ended_sessions_expires_at'))
    op.drop_table('ended_sessions')

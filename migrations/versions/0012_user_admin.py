"""users: must_change_password (an admin's reset asks for a new password first) and
sessions_ended_at (deactivation and resets end every session started before)

Revision ID: 0012_user_admin
Revises: 0011_ended_sessions
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import service.core.db

revision = '0012_user_admin'
down_revision = '0011_ended_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('sessions_ended_at',
                                      service.core.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sessions_ended_at')
        batch_op.drop_column('must_change_password')

"""decisions: responsible_persons (直接责任人员 as named: name, ID type, masked number)

Revision ID: 0013_responsible_persons
Revises: 0012_user_admin
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_responsible_persons'
down_revision = '0012_user_admin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_persons', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('responsible_persons')

"""bank_status_changes: data_version (the data version a change's standing was computed from)

Rows written before get the last data change recorded at or before them.

Revision ID: 0014_change_data_version
Revises: 0013_responsible_persons
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_change_data_version'
down_revision = '0013_responsible_persons'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bank_status_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.BigInteger(), nullable=True))
    op.execute("UPDATE bank_status_changes SET data_version = COALESCE("
               "(SELECT MAX(data_changes.id) FROM data_changes"
               " WHERE data_changes.at <= bank_status_changes.at), 0)")
    with op.batch_alter_table('bank_status_changes', schema=None) as batch_op:
        batch_op.alter_column('data_version', existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('bank_status_changes', schema=None) as batch_op:
        batch_op.drop_column('data_version')

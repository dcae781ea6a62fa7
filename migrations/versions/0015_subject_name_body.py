"""subjects: name_body (name_key without its leading regions), indexed for the name lookup

Names are often given without their region (星汇箱包 for 北京市星汇箱包有限公司); the
bank API's lookup finds them by an index range on this column instead of a query of
one range per known region. Existing rows are filled in here, in chunks.

Revision ID: 0015_subject_name_body
Revises: 0014_change_data_version
Create Date: 2026-12-06
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0015_subject_name_body'
down_revision = '0014_change_data_version'
branch_labels = None
depends_on = None

# As service.register.names.name_body was written for this revision (frozen here).
_REGION = re.compile(r"^.{1,6}?[省市区县]")
_CHUNK = 5000


def _body(key: str) -> str:
    return _REGION.sub("", _REGION.sub("", key, count=1), count=1) or key


def upgrade() -> None:
    # NOT NULL with a default from the start: on SQLite, making an existing column NOT NULL
    # recreates the table, which foreign keys to subjects forbid once rows exist.
    op.add_column('subjects', sa.Column('name_body', sa.String(length=200), nullable=False,
                                        server_default=''))
    connection = op.get_bind()
    subjects = sa.table('subjects', sa.column('id', sa.Integer), sa.column('name_key', sa.String),
                        sa.column('name_body', sa.String))
    update = (subjects.update().where(subjects.c.id == sa.bindparam('sid'))
              .values(name_body=sa.bindparam('body')))
    last = 0
    while True:
        rows = connection.execute(sa.select(subjects.c.id, subjects.c.name_key)
                                  .where(subjects.c.id > last).order_by(subjects.c.id)
                                  .limit(_CHUNK)).all()
        if not rows:
            break
        connection.execute(update, [{'sid': sid, 'body': _body(key)} for sid, key in rows])
        last = rows[-1][0]
    if connection.dialect.name != 'sqlite':  # SQLite keeps the default (dropping it recreates)
        op.alter_column('subjects', 'name_body', server_default=None)
    op.create_index(op.f('ix_subjects_name_body'), 'subjects', ['name_body'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_subjects_name_body'), table_name='subjects')
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_column('name_body')

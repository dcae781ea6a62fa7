"""bank_queries: no foreign keys (the log keeps the ids it was written with)

An append-only log must neither block nor be blocked by what it names, and each
foreign key costs a lookup per row: PostgreSQL spent ~20 ms of the ~26 ms of
inserting a batch check's 1,000 log rows on the two checks. The ids come from the
authenticated client and the subject just read in the same transaction.

SQLite changes constraints by copying the table (batch mode), which drops its
append-only triggers: they are made again.

Revision ID: 0016_query_log_without_fks
Revises: 0015_subject_name_body
Create Date: 2026-12-06
"""

from alembic import op

revision = '0016_query_log_without_fks'
down_revision = '0015_subject_name_body'
branch_labels = None
depends_on = None

_FKS = (('fk_bank_queries_client_id_api_clients', 'api_clients', 'client_id'),
        ('fk_bank_queries_subject_id_subjects', 'subjects', 'subject_id'))


def _sqlite_triggers(create: bool) -> None:
    for verb in ("UPDATE", "DELETE"):
        name = f"bank_queries_no_{verb.lower()}"
        if create:
            op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON bank_queries BEGIN "
                       "SELECT RAISE(ABORT, 'bank_queries is append-only'); END")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_triggers(create=False)
    with op.batch_alter_table('bank_queries', schema=None) as batch_op:
        for name, _table, _column in _FKS:
            batch_op.drop_constraint(name, type_='foreignkey')
    if sqlite:
        _sqlite_triggers(create=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_triggers(create=False)
    with op.batch_alter_table('bank_queries', schema=None) as batch_op:
        for name, table, column in _FKS:
            batch_op.create_foreign_key(name, table, [column], ['id'])
    if sqlite:
        _sqlite_triggers(create=True)

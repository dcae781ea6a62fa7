"""The migrated schema equals the models, on SQLite and on PostgreSQL."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from service.core.migrate import alembic_config, upgrade_database
from service.models import Base
from tests.conftest import fresh_database


def test_migrations_match_models(app, session):
    connection = session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_migrations_have_one_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several schema heads, add a merge revision: {heads}"


def _triggers(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                found = connection.scalars(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            else:
                found = connection.scalars(text(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
            tables = set(inspect(connection).get_table_names())
            return set(found) | {f"table:{name}" for name in tables}
    finally:
        engine.dispose()


def test_history_triggers_and_batch_answers_downgrade_and_upgrade_again(backend, tmp_path):
    added = {"table:bank_batch_answers", *(
        {"decision_revisions_no_update", "decision_revisions_no_delete",
         "audit_events_no_update", "audit_events_no_delete"} if backend == "sqlite" else
        {"decision_revisions_append_only", "audit_events_append_only"})}
    with fresh_database(backend, tmp_path) as url:
        assert added <= _triggers(url)
        command.downgrade(alembic_config(url), "0009_merge")
        left = _triggers(url)
        assert not added & left
        assert {"table:bank_queries", "table:decision_revisions", "table:audit_events"} <= left
        assert any(name.startswith("bank_queries_") for name in left)  # 0006's stay
        upgrade_database(url)
        assert added <= _triggers(url)

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


def test_name_body_is_filled_in_for_subjects_on_file(backend, tmp_path):
    """0015 on a database holding subjects that other rows point to (SQLite cannot
    recreate such a table with foreign keys on)."""
    with fresh_database(backend, tmp_path) as url:
        command.downgrade(alembic_config(url), "0014_change_data_version")
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for name in ("北京市朝阳区星汇箱包有限公司", "星汇箱包有限公司", "广东省深圳市"):
                    connection.execute(text(
                        "INSERT INTO subjects (kind, name, name_key, created_at, updated_at) "
                        "VALUES ('法人及非法人组织', :n, :n, :t, :t)"),
                        {"n": name, "t": "2026-01-01 00:00:00"})
                first = connection.scalar(text("SELECT min(id) FROM subjects"))
                connection.execute(text("INSERT INTO data_changes (at, subject_id, kind) "
                                        "VALUES (:t, :s, 'decision.published')"),
                                   {"t": "2026-01-01 00:00:00", "s": first})
            upgrade_database(url)
            with engine.connect() as connection:
                bodies = connection.execute(text(
                    "SELECT name_key, name_body FROM subjects ORDER BY id")).all()
                linked = connection.scalar(text("SELECT count(*) FROM data_changes"))
        finally:
            engine.dispose()
    assert [body for _key, body in bodies] == ["星汇箱包有限公司", "星汇箱包有限公司",
                                               "广东省深圳市"]
    assert linked == 1

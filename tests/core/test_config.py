import pytest

from service.core.config import ConfigError, load_config


def test_bad_database_url_says_what_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config({"DATABASE_URL": "mysql://x", "INSTANCE_DIR": str(tmp_path)})


def test_missing_policy_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="POLICY_FILE"):
        load_config({"POLICY_FILE": str(tmp_path / "nope.toml"), "INSTANCE_DIR": str(tmp_path)})


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    first = load_config()["SECRET_KEY"]
    assert first == load_config()["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_url_gets_the_psycopg_driver(tmp_path):
    config = load_config({"DATABASE_URL": "postgresql://u@h/db", "INSTANCE_DIR": str(tmp_path)})
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"

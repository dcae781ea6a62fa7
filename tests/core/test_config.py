import pytest

from service.core.config import ConfigError, load_config


def test_bad_database_url_says_what_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config({"DATABASE_URL": "mysql://x", "INSTANCE_DIR": str(tmp_path)})


def test_missing_policy_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="POLICY_FILE"):
        load_config({"POLICY_FILE": str(tmp_path / "nope.toml"), "INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize(("given", "kept"), [
    ("https://credit.example.gov.cn", "https://credit.example.gov.cn"),
    (" HTTPS://Credit.Example.gov.cn:8443/ ", "https://credit.example.gov.cn:8443"),
    ("", None),
])
def test_public_base_url_is_kept_as_scheme_and_host(tmp_path, given, kept):
    config = load_config({"PUBLIC_BASE_URL": given, "INSTANCE_DIR": str(tmp_path)})
    assert config["PUBLIC_BASE_URL"] == kept


@pytest.mark.parametrize(("given", "says"), [
    ("credit.example.gov.cn", "http:// or https://"),
    ("ftp://credit.example.gov.cn", "http:// or https://"),
    ("https://", "http:// or https://"),
    ("https://credit.example.gov.cn/site", "path, query or fragment"),
    ("https://credit.example.gov.cn/?x=1", "path, query or fragment"),
    ("https://credit.example.gov.cn#top", "path, query or fragment"),
    ("https://admin:pw@credit.example.gov.cn", "user name or password"),
    ("https://credit.example.gov.cn:port", "Port"),
])
def test_a_bad_public_base_url_stops_the_start(tmp_path, given, says):
    with pytest.raises(ConfigError, match=f"PUBLIC_BASE_URL=.*{says}.*https://credit.example"):
        load_config({"PUBLIC_BASE_URL": given, "INSTANCE_DIR": str(tmp_path)})


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    first = load_config()["SECRET_KEY"]
    assert first == load_config()["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_url_gets_the_psycopg_driver(tmp_path):
    config = load_config({"DATABASE_URL": "postgresql://u@h/db", "INSTANCE_DIR": str(tmp_path)})
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"


def test_persons_are_matched_under_id_digest_key_so_secret_key_can_rotate(tmp_path, backend):
    """ID digests use ID_DIGEST_KEY (default: SECRET_KEY); rotating SECRET_KEY with the
    digest key kept finds the same natural person again, and a new digest key would not."""
    from datetime import date

    from service.core.clock import now
    from service.core.db import db
    from service.register.identifiers import complete_ric
    from service.register.operations import find_or_create_subject
    from tests.conftest import fresh_database, make_test_app

    person = {"party_kind": "自然人", "party_name": "李明", "id_type": "身份证",
              "id_number": complete_ric("44030319900101123"), "decided_on": date(2026, 3, 1),
              "uscc": None, "legacy_code": None, "legal_representative": None}
    with fresh_database(backend, tmp_path) as url:
        found = []
        for secret, digest_key in (("first-secret-key-000", "person-digest-key-01"),
                                   ("rotated-secret-key-1", "person-digest-key-01"),
                                   ("rotated-secret-key-1", "another-digest-key-2")):
            app = make_test_app(url, tmp_path, SECRET_KEY=secret, ID_DIGEST_KEY=digest_key)
            with app.app_context():
                found.append(find_or_create_subject(dict(person), now=now()).id)
                db.session.commit()
            app.extensions["db_engine"].dispose()
    assert found[0] == found[1]
    assert found[2] != found[0]
    assert load_config({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 20})[
        "ID_DIGEST_KEY"] == "x" * 20
    with pytest.raises(ConfigError, match="ID_DIGEST_KEY is too short"):
        load_config({"INSTANCE_DIR": str(tmp_path), "ID_DIGEST_KEY": "short"})

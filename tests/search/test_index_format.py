"""`setup` rebuilds an index written by code with another schema instead of failing on it."""

from service.search.whoosh_backend import FORMAT_FILE
from tests.conftest import fresh_database, make_test_app


def test_setup_rebuilds_an_index_of_an_older_format(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        app = make_test_app(url, tmp_path)
        runner = app.test_cli_runner()
        first = runner.invoke(args=["setup"])
        assert first.exit_code == 0, first.output
        assert "search index built" in first.output
        with app.app_context():
            from service.search.interface import get_search

            old_dir = get_search().current_dir()
        again = runner.invoke(args=["setup"])
        assert "search index up to date" in again.output  # same format: no rebuild

        (old_dir / FORMAT_FILE).unlink()  # as left by code before the format marker
        rebuilt = runner.invoke(args=["setup"])
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "search index built" in rebuilt.output
        with app.app_context():
            assert get_search().current_dir() != old_dir
        app.extensions["db_engine"].dispose()

"""The site is limited per client address: queries, downloads and the feed, the other pages."""

import pytest

from service.bank_api.auth import limiter

OTHER = {"REMOTE_ADDR": "10.9.8.7"}


@pytest.fixture
def low_limits(app):
    saved = {name: app.config[name] for name in ("PUBLIC_SEARCH_RATE_LIMIT",
                                                 "PUBLIC_DOWNLOAD_RATE_LIMIT",
                                                 "PUBLIC_PAGE_RATE_LIMIT")}
    app.config.update(PUBLIC_SEARCH_RATE_LIMIT="3/minute", PUBLIC_DOWNLOAD_RATE_LIMIT="2/minute",
                      PUBLIC_PAGE_RATE_LIMIT="4/minute")
    with app.app_context():
        limiter.reset()
    yield
    app.config.update(saved)
    with app.app_context():
        limiter.reset()


def test_query_pages_share_one_budget_per_address(client, low_limits):
    for path in ("/search?q=adidsa", "/blacklist?q=公司", "/statistics"):
        assert client.get(path).status_code == 200

    refused = client.get("/search?q=nikee")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "访问过于频繁" in html
    assert "每分钟最多 3 次" in html
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert f"请在 {refused.headers['Retry-After']} 秒后再试" in html
    assert "Too Many Requests" not in html
    assert client.get("/redlist").status_code == 429
    assert client.get("/subjects/by-code/91110105MA00000000").status_code == 429
    # Another address has its own budget; a decision's own page is not a query.
    assert client.get("/search?q=nikee", environ_base=OTHER).status_code == 200
    assert client.get("/decisions/1").status_code in (404, 410)


def test_downloads_and_feed_share_their_own_budget(client, low_limits):
    assert client.get("/feed.atom").status_code == 200
    assert client.get("/open-data/decisions.csv").status_code == 200

    csv_download = client.get("/open-data/blacklist.csv")
    assert csv_download.status_code == 429
    # Plain text, not a web page a download tool would save as the CSV file.
    assert csv_download.mimetype == "text/plain"
    assert "<html" not in csv_download.get_data(as_text=True)
    assert "访问过于频繁" in csv_download.get_data(as_text=True)
    wait = csv_download.headers["Retry-After"]
    assert f"每分钟最多 2 次，请在 {wait} 秒后再试" in csv_download.get_data(as_text=True)
    feed = client.get("/feed.atom")
    assert (feed.status_code, feed.mimetype) == (429, "text/plain")
    assert client.get("/statistics.csv").mimetype == "text/plain"
    json_download = client.get("/open-data/decisions.json")
    assert json_download.status_code == 429
    assert json_download.mimetype == "application/problem+json"
    assert json_download.get_json()["code"] == "rate_limited"
    assert int(json_download.headers["Retry-After"]) <= 60
    # The query pages are counted apart.
    assert client.get("/search?q=商标").status_code == 200


def test_the_other_pages_share_a_budget_of_their_own(client, low_limits):
    """Home, a decision's or a subject's page and the open-data page: a script walking
    every id is refused; a reader's queries are counted apart."""
    for path in ("/", "/decisions/1", "/subjects/1", "/open-data"):
        assert client.get(path).status_code in (200, 404, 410)

    refused = client.get("/decisions/2")
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "每分钟最多 4 次" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/").status_code == 429
    assert client.get("/subjects/3").status_code == 429
    assert client.get("/search?q=商标").status_code == 200  # the query budget is its own
    assert client.get("/decisions/2", environ_base=OTHER).status_code in (404, 410)


@pytest.mark.parametrize("setting", ["PUBLIC_SEARCH_RATE_LIMIT", "PUBLIC_DOWNLOAD_RATE_LIMIT",
                                     "PUBLIC_PAGE_RATE_LIMIT"])
def test_a_bad_public_limit_stops_the_start(tmp_path, setting):
    from service import create_app
    from service.core.config import ConfigError

    with pytest.raises(ConfigError, match=f"{setting}='often'.*600/minute"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 20, setting: "often"})


def test_production_defaults_limit_the_public_site(tmp_path):
    from service import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 20})
    assert (app.config["PUBLIC_SEARCH_RATE_LIMIT"], app.config["PUBLIC_DOWNLOAD_RATE_LIMIT"],
            app.config["PUBLIC_PAGE_RATE_LIMIT"]) == ("60/minute", "10/minute", "300/minute")

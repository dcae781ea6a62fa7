def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(client):
    body = b'{"codes": ["' + b"9" * (1024 * 1024) + b'"]}'
    api = client.post("/api/v1/reports/verify", data=body, content_type="application/json")
    assert api.status_code == 413
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["code"] == "request_entity_too_large"
    page = client.post("/console/login", data={"username": "x" * (1024 * 1024)})
    assert page.status_code == 413
    assert "text/html" in page.content_type


def test_a_server_worker_freezes_its_start_up_heap(app):
    import gc

    from service.bank_api import lookup
    from service.core.serving import ready_to_serve

    key = str(app.extensions["db_engine"].url)
    gc.unfreeze()
    try:
        assert ready_to_serve(app) is app
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        if thread := lookup._refreshing.get(key):  # the region prefixes, read meanwhile
            thread.join(10)
        lookup._region_cache.pop(key, None)  # other tests read them with their own names


def test_a_server_worker_warns_when_the_public_address_is_not_configured(app, caplog):
    import gc

    from service.bank_api import lookup
    from service.core.serving import ready_to_serve

    saved = app.config["PUBLIC_BASE_URL"]
    try:
        for base, warned in ((None, True), ("https://credit.example.gov.cn", False)):
            caplog.clear()
            app.config["PUBLIC_BASE_URL"] = base
            with caplog.at_level("WARNING", logger="service.core.serving"):
                ready_to_serve(app)
            gc.unfreeze()
            assert ("PUBLIC_BASE_URL is not set" in caplog.text) is warned
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
        key = str(app.extensions["db_engine"].url)
        if thread := lookup._refreshing.get(key):  # as in the test above
            thread.join(10)
        lookup._region_cache.pop(key, None)


def test_a_server_worker_loads_the_segmenter_before_its_first_search(tmp_path):
    """In a fresh process (as a gunicorn worker starts): jieba's dictionary is loaded by
    ready_to_serve, not by the first Chinese search (about a second)."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import jieba\n"
        "from service import create_app\n"
        "from service.core.serving import ready_to_serve\n"
        f"app = create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/x.sqlite3', "
        f"'INSTANCE_DIR': '{tmp_path}', 'INDEX_DIR': '{tmp_path}/index'}})\n"
        "before = jieba.dt.initialized\n"
        "ready_to_serve(app)\n"
        "print(before, jieba.dt.initialized)\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script],  # noqa: S603 (our own code)
                         capture_output=True, text=True, check=True, timeout=120,
                         cwd=root).stdout.split()
    assert out[-2:] == ["False", "True"]

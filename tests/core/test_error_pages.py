"""Error pages on the site speak Chinese: Werkzeug's English descriptions never show."""

from tests.console.helpers import post_form


def test_method_not_allowed_is_explained_in_chinese(client):
    response = client.post("/search")
    html = response.get_data(as_text=True)

    assert response.status_code == 405
    assert "请求方式不被支持" in html
    assert "The method is not allowed" not in html


def test_too_large_a_form_is_explained_in_chinese(client):
    response = post_form(client, "/reports/verify", {"number": "CR-1", "content": "a" * 2_000_000},
                         token_from="/reports/verify")
    html = response.get_data(as_text=True)

    assert response.status_code == 413
    assert "提交的内容过大" in html
    assert "exceeds the capacity limit" not in html


def test_our_own_bad_request_reason_is_still_shown(client):
    html = client.get("/blacklist?page=abc").get_data(as_text=True)

    assert "参数“页码”（page）无效：应为整数" in html

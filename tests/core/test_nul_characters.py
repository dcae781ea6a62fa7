"""U+0000 in a public page's request is a 400 naming it (PostgreSQL raised on it: a 500)."""

import pytest

from tests.console.helpers import post_form


@pytest.mark.parametrize("path", [
    "/subjects/by-code/%00", "/blacklist?q=%00", "/redlist?q=a%00b",
    "/statistics?department=%00", "/reports/%00", "/reports/verify?number=%00",
    "/blacklist?a%00=1",
])
def test_nul_in_a_public_url_is_a_bad_request(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)


def test_nul_in_a_posted_form_is_a_bad_request(client):
    response = post_form(client, "/reports/verify", {"number": "R\x00", "signature": "x"},
                         token_from="/reports/verify")

    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)


def test_the_search_page_answers_a_nul_all_the_same(client):
    response = client.get("/search?q=a%00b")

    assert response.status_code == 200
    assert "data-total=" in response.get_data(as_text=True)

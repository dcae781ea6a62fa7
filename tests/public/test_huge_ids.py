"""An id or filter value too big for an INTEGER column is a 404 or a 400, never a 500."""

import pytest

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("path", [f"/decisions/{HUGE}", f"/subjects/{HUGE}",
                                  "/decisions/2147483648"])
def test_huge_id_in_the_path_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [f"/blacklist?authority={HUGE}", f"/redlist?authority={HUGE}",
                                  f"/statistics?authority={HUGE}",
                                  f"/statistics.csv?authority={HUGE}"])
def test_huge_authority_filter_is_a_bad_request(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "参数“机关”（authority）无效" in response.get_data(as_text=True)


def test_huge_authority_on_the_search_page_is_ignored(client):
    response = client.get(f"/search?authority={HUGE}")

    assert response.status_code == 200

"""The public verify page answers deeply nested pasted JSON with a message, not a 500."""

from tests.console.helpers import post_form


def test_deeply_nested_pasted_content_is_refused_with_a_message(client):
    response = post_form(client, "/reports/verify",
                         {"number": "CR-20260101-00000000", "content": "[" * 5000 + "]" * 5000},
                         token_from="/reports/verify")

    assert response.status_code == 200
    assert "报告内容嵌套层级过深" in response.get_data(as_text=True)

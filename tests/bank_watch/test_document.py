"""Monitoring and reports in the OpenAPI document and on the documentation page."""


def test_monitoring_and_report_operations_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/api/v1/watchlist"]) == {"get", "put", "delete"}
    assert set(paths["/api/v1/webhook"]) == {"get", "put", "delete"}
    changes = paths["/api/v1/changes"]["get"]
    assert changes["x-required-scope"] == "monitor"
    assert {p["name"] for p in changes["parameters"]} == {"cursor", "limit"}
    report = paths["/api/v1/reports"]["post"]
    assert set(report["responses"]) == {"201", "400", "401", "403", "413", "422", "429"}
    assert "Idempotency-Key" in {p["name"] for p in report["parameters"]}
    verify = paths["/api/v1/reports/verify"]
    assert verify["get"]["security"] == verify["post"]["security"] == []
    assert "204" in paths["/api/v1/webhook"]["delete"]["responses"]
    content = document["components"]["schemas"]["ReportContent"]
    assert {"report_number", "status", "key_id", "data_version"} <= set(content["required"])


def test_the_documentation_page_lists_them(client):
    page = client.get("/api/docs").get_data(as_text=True)
    for path in ("/api/v1/watchlist", "/api/v1/changes", "/api/v1/webhook/deliveries",
                 "/api/v1/reports", "/api/v1/reports/verify"):
        assert path in page

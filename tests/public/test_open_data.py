"""Open data downloads and the Atom feed: well-formed, only what is public today, masked."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

from service.core.db import db
from tests.public.helpers import unmasked_id_numbers

ATOM = "{http://www.w3.org/2005/Atom}"


def _public_ids(world):
    return {world.disclosed.id, world.last_day.id, world.person_decision.id}


def test_open_data_page_links_every_download(client, world):
    html = client.get("/open-data").get_data(as_text=True)

    for href in ("/open-data/decisions.csv", "/open-data/decisions.json",
                 "/open-data/blacklist.csv", "/open-data/redlist.json", "/feed.atom"):
        assert f'href="{href}"' in html
    assert "行政相对人名称" in html


def test_decisions_csv(client, world):
    response = client.get("/open-data/decisions.csv")
    text = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # streamed, not built in memory
    assert response.mimetype == "text/csv"
    assert 'filename="decisions-' in response.headers["Content-Disposition"]
    assert text.startswith("\ufeff编号,行政相对人名称,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {int(r["编号"]) for r in rows} == _public_ids(world)
    by_id = {int(r["编号"]): r for r in rows}
    row = by_id[world.disclosed.id]
    assert row["行政相对人名称"] == world.disclosed.party_name
    assert row["行政处罚决定书文号"] == world.disclosed.number
    assert Decimal(row["罚款金额（万元）"]) == Decimal("12.345678")
    assert row["没收违法所得、没收非法财物的金额（万元）"] == "0.5"
    assert row["处罚类别"] == "罚款；没收违法所得"
    assert row["公示截止期"] == world.disclosed.disclosure_ends_on.isoformat()
    assert row["网址"].endswith(f"/decisions/{world.disclosed.id}")
    person = by_id[world.person_decision.id]
    assert person["证件号码"] == world.person.id_number_masked
    assert unmasked_id_numbers(text) == []
    assert world.person_id_number not in text


def test_decisions_json(client, world):
    response = client.get("/open-data/decisions.json")
    body = json.loads(response.get_data(as_text=True))

    assert "Content-Length" not in response.headers
    assert response.mimetype == "application/json"
    assert body["as_of"] == world.today.isoformat()
    records = {r["id"]: r for r in body["records"]}
    assert set(records) == _public_ids(world)
    record = records[world.disclosed.id]
    assert record["fine_amount"] == "12.345678"
    assert record["penalty_categories"] == ["罚款", "没收违法所得"]
    assert record["authority"] == world.authority.name
    assert records[world.person_decision.id]["id_number_masked"] == world.person.id_number_masked
    assert unmasked_id_numbers(response.get_data(as_text=True)) == []


def test_empty_json_is_still_valid(client, session):
    body = json.loads(client.get("/open-data/decisions.json").get_data(as_text=True))

    assert body["records"] == []


def test_list_downloads(client, world):
    black = list(csv.DictReader(io.StringIO(
        client.get("/open-data/blacklist.csv").get_data(as_text=True).lstrip("\ufeff"))))
    red = json.loads(client.get("/open-data/redlist.json").get_data(as_text=True))

    assert [r["名称"] for r in black] == [world.listed.name]
    assert black[0]["列入日期"] == world.black_entry.starts_on.isoformat()
    assert black[0]["移出日期（预定）"] == world.black_entry.scheduled_end_on.isoformat()
    assert [r["subject_name"] for r in red["records"]] == [world.red.name]
    assert red["records"][0]["basis"] == "执法部门推荐"
    assert client.get("/open-data/decisions.xml").status_code == 404


def test_downloads_follow_revocation_and_expiry(client, world):
    world.disclosed.revoked_at = datetime.now(UTC)
    world.last_day.disclosure_ends_on = world.today - timedelta(days=1)
    db.session.flush()

    rows = list(csv.DictReader(io.StringIO(
        client.get("/open-data/decisions.csv").get_data(as_text=True).lstrip("\ufeff"))))

    assert {int(r["编号"]) for r in rows} == {world.person_decision.id}


def test_atom_feed(client, world):
    response = client.get("/feed.atom")
    root = ET.fromstring(response.get_data())  # noqa: S314 (our own output)

    assert response.mimetype == "application/atom+xml"
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text.endswith("/feed.atom")
    assert root.find(f"{ATOM}updated").text.endswith("Z")
    entries = root.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert [link.rsplit("/", 1)[1] for link in links] == [
        str(world.person_decision.id), str(world.disclosed.id), str(world.last_day.id)]
    for entry in entries:
        for tag in ("id", "title", "updated", "published", "summary"):
            assert entry.find(f"{ATOM}{tag}").text
    assert world.expired.number not in response.get_data(as_text=True)
    assert unmasked_id_numbers(response.get_data(as_text=True)) == []


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_stay_text(client, world):
    d = world.disclosed
    d.party_name = '=HYPERLINK("http://evil.example/","点击")'
    d.facts = "+1+2 当事人销售侵权商品。"
    d.remarks = "@SUM(A1)"
    db.session.flush()

    text = client.get("/open-data/decisions.csv").get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
               if int(r["编号"]) == d.id)
    records = client.get("/open-data/decisions.json").get_json()["records"]

    assert row["行政相对人名称"] == "'" + d.party_name
    assert row["违法事实"] == "'" + d.facts
    assert row["备注"] == "'@SUM(A1)"
    assert next(r for r in records if r["id"] == d.id)["party_name"] == d.party_name  # JSON as is


def test_atom_feed_stays_well_formed_with_a_control_character_in_a_record(client, world):
    world.disclosed.party_name = "北京某某\x0b商贸有限公司"  # a vertical tab pasted from Word
    world.disclosed.penalty_content = "罚款5.5万元\x01"
    db.session.flush()

    root = ET.fromstring(client.get("/feed.atom").get_data())  # noqa: S314 (our own output)

    titles = [e.find(f"{ATOM}title").text for e in root.iter(f"{ATOM}entry")]
    assert any(t.startswith("北京某某 商贸有限公司") for t in titles)


BASE, FORGED = "https://credit.example.gov.cn", "http://evil.example"


def test_links_name_public_base_url_whatever_host_the_request_names(app, client, world,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE)

    feed = ET.fromstring(client.get("/feed.atom", base_url=FORGED).get_data())  # noqa: S314
    body = json.loads(client.get("/open-data/decisions.json", base_url=FORGED).get_data())
    rows = csv.DictReader(io.StringIO(client.get(
        "/open-data/blacklist.csv", base_url=FORGED).get_data(as_text=True).lstrip("\ufeff")))

    hrefs = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert feed.find(f"{ATOM}id").text == f"{BASE}/feed.atom"
    assert f"{BASE}/decisions/{world.disclosed.id}" in hrefs
    assert body["source"] == f"{BASE}/"
    assert {r["url"] for r in body["records"]} == {
        f"{BASE}/decisions/{i}" for i in _public_ids(world)}
    assert {r["网址"].rsplit("/", 1)[0] for r in rows} == {f"{BASE}/subjects"}


def test_without_public_base_url_links_follow_the_request(client, world):
    """The embedded default: links name the host asked for (README: set PUBLIC_BASE_URL)."""
    feed = ET.fromstring(client.get("/feed.atom", base_url=FORGED).get_data())  # noqa: S314

    assert feed.find(f"{ATOM}id").text == f"{FORGED}/feed.atom"

"""The home page: search box, counts of what is public today, latest decisions."""

import re

from tests.public.helpers import unmasked_id_numbers


def _count(html: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', html).group(1))


def test_home_counts_only_what_is_disclosed_today(client, world):
    html = client.get("/").get_data(as_text=True)

    # disclosed, last_day (ends today) and the person's; not expired/revoked/repaired/warning
    assert _count(html, "decisions") == 3
    assert _count(html, "blacklisted") == 1  # the expired entry ended yesterday
    assert _count(html, "red_listed") == 1


def test_home_lists_latest_decisions_and_links(client, world):
    response = client.get("/")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f'href="/decisions/{world.disclosed.id}"' in html
    assert f'href="/decisions/{world.person_decision.id}"' in html
    for hidden in (world.expired, world.revoked, world.repaired, world.warning):
        assert f'href="/decisions/{hidden.id}"' not in html
    assert world.expired_company.name not in html
    assert '<form class="search-form" action="/search" method="get"' in html
    assert 'name="q"' in html
    for link in ("/blacklist", "/redlist", "/statistics", "/open-data"):
        assert f'href="{link}"' in html
    assert unmasked_id_numbers(html) == []


def test_home_latest_is_newest_published_first(client, world):
    html = client.get("/").get_data(as_text=True)

    newest = html.index(f'href="/decisions/{world.person_decision.id}"')
    older = html.index(f'href="/decisions/{world.disclosed.id}"')
    assert newest < older


def test_home_without_any_data(client):
    html = client.get("/").get_data(as_text=True)

    assert _count(html, "decisions") == 0
    assert "暂无公示中的行政处罚决定" in html


def test_pages_load_no_outside_assets(client, world):
    response = client.get("/")
    html = response.get_data(as_text=True)

    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert client.get("/static/site.css").status_code == 200


def test_every_page_has_a_favicon(client, session):
    html = client.get("/").get_data(as_text=True)
    icon = client.get("/favicon.ico")
    svg = client.get("/static/favicon.svg")

    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert 'href="/static/favicon.svg" type="image/svg+xml"' in html
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\0\0\1\0"  # an ICO directory of icons
    assert "max-age=86400" in icon.headers["Cache-Control"]
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert "<svg" in svg.get_data(as_text=True)

"""The blacklist and red list pages: in-force entries, searchable, filterable, paginated."""

import re
from datetime import timedelta

from service.core.db import db
from tests.factories import make_authority, make_list_entry, make_subject, make_uscc
from tests.public.helpers import unmasked_id_numbers


def _get(client, **query) -> str:
    return client.get("/blacklist", query_string=query).get_data(as_text=True)


def _subject_links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/subjects/(\d+)"', html)}


def test_blacklist_shows_in_force_entries_only(client, world):
    html = client.get("/blacklist").get_data(as_text=True)

    assert _subject_links(html) == {world.listed.id}
    entry = world.black_entry
    for value in (world.listed.name, world.listed.uscc, "重复侵权", entry.basis_text,
                  entry.authority.name, entry.starts_on.isoformat(),
                  entry.scheduled_end_on.isoformat()):
        assert value in html
    assert world.expired_company.name not in html


def test_repaired_and_future_entries_are_not_shown(client, world, today):
    repaired = make_subject("北京已修复商贸有限公司")
    make_list_entry(repaired, starts_on=today - timedelta(days=500),
                    scheduled_end_on=today + timedelta(days=500), status="ended",
                    ended_on=today - timedelta(days=2), end_reason="repaired")
    pending = make_subject("北京待确认商贸有限公司")
    make_list_entry(pending, starts_on=today + timedelta(days=1),
                    scheduled_end_on=today + timedelta(days=1000))

    html = client.get("/blacklist").get_data(as_text=True)

    assert _subject_links(html) == {world.listed.id}


def test_red_list_page(client, world):
    html = client.get("/redlist").get_data(as_text=True)

    assert _subject_links(html) == {world.red.id}
    assert world.red_entry.basis_text in html


def _many_entries(today):
    beijing = make_authority("北京市海淀区市场监督管理局", region_code="110108")
    guangdong = make_authority("广东省市场监督管理局", region_code="440000")
    made = {}
    for i in range(25):
        authority = beijing if i % 2 else guangdong
        region = "110108" if i % 2 else "440300"
        subject = make_subject(f"测试{i:02d}号商贸有限公司", uscc=make_uscc(region=region))
        made[subject.id] = make_list_entry(
            subject, authority=authority, starts_on=today - timedelta(days=i + 1),
            scheduled_end_on=today + timedelta(days=900),
            basis="criminal_transfer" if i % 5 == 0 else "repeat_infringement")
    return beijing, made


def test_search_by_name_and_code(client, world, today):
    _many_entries(today)
    target = make_subject("杭州（滨江）星河电子有限公司")
    make_list_entry(target, starts_on=today, scheduled_end_on=today + timedelta(days=10))

    by_name = _get(client, q="杭州(滨江)星河")
    by_code = _get(client, q=target.uscc.lower())

    assert _subject_links(by_name) == {target.id}
    assert _subject_links(by_code) == {target.id}


def test_filters_combine(client, world, today):
    beijing, made = _many_entries(today)
    expected = {sid for sid, e in made.items()
                if e.authority_id == beijing.id and e.basis == "criminal_transfer"}

    html = client.get("/blacklist", query_string={
        "authority": beijing.id, "province": "11", "basis": "criminal_transfer",
    }).get_data(as_text=True)

    assert expected
    assert _subject_links(html) == expected
    assert f'<strong data-total>{len(expected)}</strong>' in html


def test_province_filter_uses_the_subject_region(client, world, today):
    _, made = _many_entries(today)

    html = _get(client, province="44", page=1)

    guangdong = {sid for sid, e in made.items() if e.subject.region_code.startswith("44")}
    assert f"<strong data-total>{len(guangdong)}</strong>" in html


def test_pagination_covers_every_entry_once(client, world, today):
    _, made = _many_entries(today)
    seen = []
    for page in (1, 2):
        html = _get(client, page=page, q="测试")
        seen += sorted(_subject_links(html))
    assert sorted(seen) == sorted(made)
    first = client.get("/blacklist", query_string={"q": "测试"}).get_data(as_text=True)
    assert 'rel="next" href="/blacklist?page=2&amp;q=' in first


def test_bad_filter_is_a_400_naming_the_field(client, world):
    response = client.get("/blacklist", query_string={"page": "abc", "province": "99"})
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "页码" in html
    assert "省份" in html


def test_empty_filter_values_are_ignored(client, world):
    response = client.get("/blacklist?q=&authority=&province=&basis=")

    assert response.status_code == 200
    assert _subject_links(response.get_data(as_text=True)) == {world.listed.id}


def test_listed_person_shows_masked_id(client, world, today):
    make_list_entry(world.person, basis="associated_person", basis_text="随所在单位列入",
                    starts_on=today, scheduled_end_on=today + timedelta(days=30))
    db.session.flush()

    html = client.get("/blacklist").get_data(as_text=True)

    assert world.person.id_number_masked in html
    assert unmasked_id_numbers(html) == []


def test_a_page_past_the_last_says_so_with_a_link_back(client, world):
    html = client.get("/blacklist?page=99").get_data(as_text=True)

    assert "data-beyond-last-page" in html
    assert "第 99 页超出范围：共 1 页" in html
    assert 'href="/blacklist?page=1"' in html
    assert "没有符合条件的在列记录" not in html

"""Search tests run on a committed database (the applier reads in its own session)."""

from __future__ import annotations

import csv
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from service.core.db import db
from service.register.identifiers import complete_uscc
from service.search.interface import SearchRequest, get_search
from tests.conftest import fresh_database, make_test_app


@pytest.fixture(scope="module")
def search_app(backend, tmp_path_factory):
    """An app on a fresh, committed database of the current backend, with its own index."""
    directory = tmp_path_factory.mktemp(f"search-{backend}")
    with fresh_database(backend, directory) as url:
        app = make_test_app(url, directory)
        yield app
        close_app(app)


def close_app(app) -> None:
    """Stop the app's applier thread before its database goes away, then dispose the engine."""
    applier = app.extensions.get("search_applier")
    if applier is not None:
        applier.stop()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def ctx(search_app):
    with search_app.app_context():
        yield search_app
        db.session.rollback()
        db.session.remove()


def wait_applied(app, timeout: float = 10.0) -> None:
    """Wait until the background applier has nothing left to do."""
    applier = app.extensions.get("search_applier")
    if applier is not None:
        assert applier.idle.wait(timeout), "the applier did not finish"


def found(q: str, today, **kw) -> list[int]:
    return get_search().search(SearchRequest(q=q, today=today, per_page=1000, **kw)).ids


def poll(predicate, timeout: float = 5.0) -> float:
    """Seconds until `predicate()` holds (fails after `timeout`)."""
    started = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - started < timeout, "condition not reached in time"
        time.sleep(0.01)
    return time.perf_counter() - started


def write_import_file(path: Path, today: date, name: str, count: int, first: int = 8100) -> None:
    """A CSV of `count` organisations' decisions (standard headers) for `register import`."""
    headers = ("行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人",
               "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
               "罚款金额（万元）", "处罚决定日期", "处罚机关", "处罚机关统一社会信用代码")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for n in range(first, first + count):
            writer.writerow((
                f"天津{name}{n}有限公司", "法人及非法人组织", complete_uscc(f"91120113MP{n:07d}"),
                "王伟", f"津北辰市监处罚〔{today.year}〕{n}号", "侵犯注册商标专用权",
                f"当事人销售侵犯“耐克”注册商标专用权的运动鞋{n % 100 + 20}双。",
                "《中华人民共和国商标法》第六十条第二款", "罚款", "罚款2万元", "2",
                (today - timedelta(days=2)).isoformat(), "天津市北辰区市场监督管理局",
                "11120113000000001X"))

"""The index follows the database: disclosure rule, outbox, expiry, revocation, check, reindex."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import complete_uscc
from service.register.models import Decision
from service.register.operations import create_decision, revoke_decision
from service.register.queries import disclosed_on
from service.register.schemas import load_decision
from service.search.interface import SearchRequest, get_search
from service.search.models import SearchOutbox
from service.search.outbox import enqueue
from tests.conftest import make_test_app
from tests.factories import make_authority, make_decision, make_subject, mark_revoked
from tests.search.conftest import close_app, found, poll, wait_applied, write_import_file

ACTOR = Actor.system("test-search")


def _decision_data(number: str, name: str, today: date, **changes) -> dict:
    raw = {
        "party_name": name, "party_kind": "法人及非法人组织", "legal_representative": "王伟",
        "uscc": complete_uscc(f"91120113MA{abs(hash(number)) % 10**7:07d}"),
        "number": number, "violation_type": "侵犯注册商标专用权",
        "facts": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款",
        "penalty_categories": "罚款、没收非法财物",
        "penalty_content": "没收侵权商品，罚款3.6万元",
        "fine_amount": "3.6", "confiscated_amount": "0.5",
        "decided_on": (today - timedelta(days=3)).isoformat(),
        "authority_name": "天津市北辰区市场监督管理局", "authority_uscc": "11120113000000001X",
    }
    raw.update(changes)
    loaded, errors = load_decision(raw, today=today)
    assert errors is None, errors
    return loaded


def _publish(number: str, name: str, **changes) -> Decision:
    now, today = clock.now(), clock.today()
    decision = create_decision(_decision_data(number, name, today, **changes), actor=ACTOR,
                               now=now, status="published", today=today)
    db.session.commit()
    return decision


def test_index_filter_agrees_with_disclosed_on(ctx):
    today = date(2026, 11, 20)
    authority = make_authority()
    subject = make_subject("规则一致性测试有限公司")
    late_evening = datetime.combine(today, time(23, 30), clock.TZ).astimezone(UTC)
    made = [
        make_decision(subject, authority, decided_on=today - timedelta(days=30)),
        make_decision(subject, authority, decided_on=today - timedelta(days=200),
                      disclosure_ends_on=today),
        make_decision(subject, authority, decided_on=today - timedelta(days=400),
                      disclosure_ends_on=today - timedelta(days=1)),
        make_decision(subject, authority, decided_on=today + timedelta(days=5)),
        make_decision(subject, authority, decided_on=today - timedelta(days=2),
                      published_at=late_evening),  # published the next day in Beijing (UTC+8)
        mark_revoked(make_decision(subject, authority, decided_on=today - timedelta(days=9))),
        make_decision(subject, authority, decided_on=today - timedelta(days=50),
                      repaired_on=today - timedelta(days=1)),
        make_decision(subject, authority, decided_on=today - timedelta(days=10),
                      categories=("警告",), fine=None),
        make_decision(subject, authority, decided_on=today - timedelta(days=10), published=False),
    ]
    ids = {d.id for d in made}
    db.session.commit()
    get_search().write(ids)

    for offset in (-500, -400, -200, -31, -30, -3, -2, -1, 0, 1, 5, 6, 200, 335, 336, 800):
        as_of = today + timedelta(days=offset)
        in_sql = set(db.session.scalars(select(Decision.id).where(
            Decision.id.in_(ids), disclosed_on(as_of))))
        in_index = set(found("规则一致性测试", as_of)) & ids
        assert in_index == in_sql, as_of
    assert len(set(found("规则一致性测试", today))) == 3


def test_publication_is_searchable_within_two_seconds(ctx):
    decision = _publish("津北辰市监处罚〔2026〕9001号", "天津市速达物流有限公司")
    committed = clock.now()
    latency = poll(lambda: decision.id in found("速达物流", clock.today()), timeout=2.0)
    print(f"publish -> searchable: {latency * 1000:.0f} ms after commit")
    assert (clock.now() - committed).total_seconds() < 2.0
    wait_applied(ctx)
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_revoked_decision_leaves_the_index_after_commit(ctx):
    decision = _publish("津北辰市监处罚〔2026〕9002号", "天津市撤销测试有限公司")
    poll(lambda: decision.id in found("撤销测试", clock.today()))
    revoke_decision(decision, kind="行政复议", reason="复议决定撤销", actor=ACTOR,
                    now=clock.now(), today=clock.today())
    db.session.commit()
    poll(lambda: decision.id not in found("撤销测试", clock.today()), timeout=2.0)


def test_expiry_needs_no_index_change(ctx):
    today = clock.today()
    subject = make_subject("到期自动下线测试有限公司")
    decision = make_decision(subject, decided_on=today - timedelta(days=100),
                             disclosure_ends_on=today)
    db.session.commit()
    search = get_search()
    search.write([decision.id])
    generation = search.snapshot().searcher.reader().generation()
    assert decision.id in found("自动下线", today)
    assert decision.id not in found("自动下线", today + timedelta(days=1))
    assert search.snapshot().searcher.reader().generation() == generation


def test_crash_between_commit_and_apply_is_repaired(ctx, tmp_path, monkeypatch):
    app = make_test_app(ctx.config["DATABASE_URL"], tmp_path, SEARCH_APPLY_AFTER_COMMIT=False)
    with app.app_context():
        search = get_search()
        search.reindex()
        decision = _publish("津北辰市监处罚〔2026〕9003号", "天津市断电恢复测试有限公司")
        # The process "died" after the commit: the row is in the outbox, not in the index.
        assert decision.id not in found("断电恢复", clock.today())
        assert decision.id in search.check().missing

        def crash(_ids):
            raise OSError("disk full")

        monkeypatch.setattr(search, "write", crash)
        with contextlib.suppress(OSError):
            search.apply_pending()
        db.session.rollback()
        pending = db.session.scalars(select(SearchOutbox.object_id)).all()
        assert decision.id in pending  # a failed index write keeps the rows
        monkeypatch.undo()

        result = app.test_cli_runner().invoke(args=["search", "apply"])
        assert result.exit_code == 0, result.output
        assert decision.id in found("断电恢复", clock.today())
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        assert search.check().ok
    close_app(app)


def test_check_finds_and_repairs_missing_stale_and_extra(ctx, tmp_path):
    app = make_test_app(ctx.config["DATABASE_URL"], tmp_path, SEARCH_APPLY_AFTER_COMMIT=False)
    with app.app_context():
        search = get_search()
        subject = make_subject("核对修复测试有限公司")
        kept, changed, dropped = (make_decision(subject) for _ in range(3))
        db.session.commit()
        search.reindex()
        with search._writer() as writer:
            writer.delete_by_term("id", str(kept.id))
        changed.facts = "当事人销售假冒“蓝月亮”洗衣液。"  # changed behind the outbox's back
        mark_revoked(dropped)
        db.session.commit()

        runner = app.test_cli_runner()
        result = runner.invoke(args=["search", "check"])
        assert result.exit_code != 0
        assert f"missing: 1 ({kept.id})" in result.output
        assert f"stale: 1 ({changed.id})" in result.output
        assert f"extra: 1 ({dropped.id})" in result.output
        assert runner.invoke(args=["search", "check", "--repair"]).exit_code == 0
        assert runner.invoke(args=["search", "check"]).exit_code == 0
        assert changed.id in found("蓝月亮", clock.today())
        assert dropped.id not in found("核对修复", clock.today())
    close_app(app)


def test_reindex_swaps_while_searches_keep_answering(ctx, tmp_path):
    app = make_test_app(ctx.config["DATABASE_URL"], tmp_path)
    with app.app_context():
        subject = make_subject("重建索引测试有限公司")
        decision = make_decision(subject, decided_on=clock.today() - timedelta(days=5))
        db.session.commit()
        search = get_search()
        search.reindex()
        before = search.current_dir()
        errors, answers, stop = [], [], threading.Event()

        def keep_searching():
            with app.app_context():
                while not stop.is_set():
                    try:
                        answers.append(decision.id in found("重建索引", clock.today()))
                    except Exception as exc:
                        errors.append(exc)

        reader = threading.Thread(target=keep_searching)
        reader.start()
        try:
            # Under load the reader's first search can outlast three small rebuilds.
            poll(lambda: answers or errors)
            during = len(answers)
            for _ in range(3):
                search.reindex()
            poll(lambda: len(answers) > during or errors)  # one more answer after the swaps
        finally:
            stop.set()
            reader.join(10)
        assert errors == []
        assert answers
        assert all(answers)
        assert search.current_dir() != before
        assert len(list(search.root.glob("gen-*"))) <= 2  # old builds are removed
    close_app(app)


def test_outbox_rows_of_a_subject_reindex_its_decisions(ctx):
    subject = make_subject("主体更名测试有限公司")
    decision = make_decision(subject, decided_on=clock.today() - timedelta(days=5))
    db.session.commit()
    get_search().write([decision.id])
    decision.party_name = "主体更名后的新名称有限公司"
    enqueue("subject", subject.id, now=clock.now())
    db.session.commit()
    poll(lambda: decision.id in found("更名后的新名称", clock.today()), timeout=2.0)


def test_null_backend_answers_unavailable(ctx, tmp_path):
    app = make_test_app(ctx.config["DATABASE_URL"], tmp_path, SEARCH_BACKEND="null")
    with app.app_context():
        results = get_search().search(SearchRequest(q="任何", today=clock.today()))
        assert not results.available
        assert results.ids == []
    close_app(app)


def test_hot_postings_file_gives_the_same_answers(ctx, tmp_path, monkeypatch):
    from service.search import postings

    app = make_test_app(ctx.config["DATABASE_URL"], tmp_path, SEARCH_APPLY_AFTER_COMMIT=False)
    with app.app_context():
        subject = make_subject("热词缓存测试有限公司")
        for _ in range(3):
            make_decision(subject, decided_on=clock.today() - timedelta(days=3))
        db.session.commit()
        search = get_search()
        search.reindex()
        plain = found("有限公司 运动鞋", clock.today())
        monkeypatch.setattr(postings, "HOT_MIN_DOCS", 1)
        monkeypatch.setattr(postings, "HOT_FRACTION", 0.0)
        monkeypatch.setattr(postings, "HOT_MIN_TERM_DOCS", 2)
        postings.POSTINGS.__init__(postings.POSTINGS.max_bytes)  # forget decoded postings
        search.reindex()
        hot = list(search.current_dir().glob("hot-*.npz"))
        assert hot
        assert "name_bigrams|有限" in np.load(hot[0]).files
        assert found("有限公司 运动鞋", clock.today()) == plain
    close_app(app)


def test_an_import_outside_the_cli_wakes_the_applier_once_at_the_end(ctx, tmp_path, monkeypatch):
    """A batch import (the console's upload) must not index beside its own batch writes."""
    from bench.synth import write_csv
    from service.register.importer import import_file
    from service.search.applier import applier_for

    path = tmp_path / "upload.csv"
    write_csv(path, 30, seed=23, until=clock.today())
    get_search().check(repair=True)  # earlier tests here leave the index behind on purpose
    applier = applier_for(ctx)
    wakes = []
    real_wake = applier.wake
    monkeypatch.setattr(applier, "wake", lambda: (wakes.append(1), real_wake()))

    summary = import_file(path, actor=ACTOR, now=clock.now(), batch_size=7)

    assert summary.created == 30
    assert len(wakes) == 1  # five batch commits, one wake-up after the last
    wait_applied(ctx)
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert get_search().check().ok


def test_a_cli_import_reaches_the_index_when_the_command_ends(search_app, tmp_path):
    """`register import` writes its outbox rows in bulk; the command applies them as it ends."""
    path = tmp_path / "import.csv"
    write_import_file(path, clock.today(), "命令行导入索引测试", 6)

    result = search_app.test_cli_runner().invoke(args=["register", "import", str(path)])

    assert result.exit_code == 0, result.output
    with search_app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        assert len(found("命令行导入索引测试", clock.today())) == 6
        db.session.remove()

"""The console in Chromium: enter a decision with an error, fix it, submit; a second
official publishes it; it is public; it is revoked; the public page answers 410."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from service.core.db import db
from service.register.identifiers import complete_ric
from tests.browser import follow
from tests.console.helpers import PASSWORD, make_user
from tests.factories import make_authority, make_uscc

PERSON_ID = complete_ric("31010419880315004")  # a 直接责任人员 named on the decision

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def officials(live_server):
    with live_server.app.app_context():
        authority = make_authority("北京市朝阳区市场监督管理局")
        clerk = make_user(authority, "clerk", username="li.lu", display_name="李录")
        reviewer = make_user(authority, "reviewer", username="wang.shen", display_name="王审")
        db.session.commit()
        return SimpleNamespace(clerk=clerk.username, reviewer=reviewer.username,
                               authority=authority.name)


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/console/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    follow(page, "button:has-text('登录')")
    assert page.url == base + "/console/"


def _logout(page) -> None:
    follow(page, "button:has-text('退出')")
    assert "您已退出登录" in page.content()


def test_enter_review_publish_revoke(page, live_server, officials):
    base = live_server.url
    _login(page, base, officials.clerk)
    follow(page, "nav >> text=录入决定")
    assert officials.authority in page.locator("#f-authority_id").inner_text()
    good_uscc = make_uscc()
    bad_uscc = good_uscc[:-1] + ("0" if good_uscc[-1] != "0" else "1")
    page.select_option("#f-party_kind", "法人及非法人组织")
    page.fill("#f-party_name", "北京浏览器测试贸易有限公司")
    page.fill("#f-uscc", bad_uscc)
    page.fill("#f-legal_representative", "赵六")
    page.fill("#f-number", "京朝市监处罚〔2026〕4321号")
    page.fill("#f-decided_on", "2026-05-20")
    page.select_option("#f-violation_type", "侵犯注册商标专用权")
    page.check("input[name=penalty_categories][value=罚款]")
    page.fill("#f-facts", "当事人销售侵犯“月牌”注册商标专用权的箱包30个。")
    page.fill("#f-legal_basis", "《中华人民共和国商标法》第六十条第二款")
    page.fill("#f-penalty_content", "罚款2万元")
    page.fill("#f-fine_amount", "2")
    page.fill("#f-responsible_persons", "钱七")
    page.fill("#f-responsible_persons_id_types", "身份证")
    page.fill("#f-responsible_persons_id_numbers", PERSON_ID)
    follow(page, "button:has-text('保存并提交审核')")

    # The error is next to the USCC field, in Chinese; what was typed is still there.
    message = page.locator("#uscc-error")
    assert message.is_visible()
    assert "统一社会信用代码校验码错误" in message.inner_text()
    assert "uscc-error" in page.locator("#f-uscc").get_attribute("aria-describedby").split()
    assert page.input_value("#f-party_name") == "北京浏览器测试贸易有限公司"
    assert page.is_checked("input[name=penalty_categories][value=罚款]")

    page.fill("#f-uscc", good_uscc)
    follow(page, "button:has-text('保存并提交审核')")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "pending"
    assert "已提交审核" in page.content()
    decision_path = page.url.removeprefix(base)
    decision_id = int(decision_path.rsplit("/", 1)[1])
    assert page.locator("button:has-text('审核通过并公示')").count() == 0  # not for the clerk
    _logout(page)

    _login(page, base, officials.reviewer)
    follow(page, "nav >> text=处罚决定")
    follow(page, "text=京朝市监处罚〔2026〕4321号")
    follow(page, "button:has-text('审核通过并公示')")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "published"

    public = page.goto(f"{base}/decisions/{decision_id}")
    assert public.status == 200
    assert page.locator("h1").inner_text() == "北京浏览器测试贸易有限公司"
    # The responsible person is named on the public page with the masked number only.
    assert "钱七" in page.content()
    assert f"{PERSON_ID[:6]}********{PERSON_ID[-4:]}" in page.content()
    assert PERSON_ID not in page.content()

    page.goto(base + decision_path)
    page.select_option("#f-kind", "法院判决")
    page.fill("#f-reason", "人民法院判决撤销该处罚决定")
    follow(page, "button:has-text('撤销并停止公示')")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "revoked"
    assert "法院判决" in page.content()

    gone = page.goto(f"{base}/decisions/{decision_id}")
    assert gone.status == 410


def test_login_page_works_without_javascript(browser, live_server, officials):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/console/decisions")
        assert "/console/login" in page.url
        page.fill("#f-username", officials.clerk)
        page.fill("#f-password", "wrong-password-1")
        follow(page, "button:has-text('登录')")
        assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
        page.fill("#f-password", PASSWORD)
        follow(page, "button:has-text('登录')")
        assert page.url.endswith("/console/decisions")
    finally:
        context.close()

"""The audit trail, the statistics report (XLSX) and the API clients pages."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from service.accounts.models import ApiClient
from service.audit.models import AuditEvent
from service.audit.operations import log_event
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from tests.console.helpers import logged_in, make_user, post_form
from tests.factories import make_decision, make_subject

# ---------------------------------------------------------------- audit


def _event(user, authority, action, object_id, *, at, before=None, after=None):
    return log_event(Actor.user(user), action, now=at, object_type="decision",
                     object_id=object_id, authority_id=authority.id if authority else None,
                     before=before, after=after)


@pytest.fixture
def events(authority, other_authority, reviewer, clerk):
    outsider = make_user(other_authority, "reviewer", username="outsider")
    base = datetime(2026, 3, 10, 4, tzinfo=UTC)
    made = [
        _event(clerk, authority, "decision.create", 11, at=base,
               after={"party_name": "甲公司", "fine_amount": "5"}),
        _event(reviewer, authority, "decision.correct", 11, at=base + timedelta(days=2),
               before={"fine_amount": "5", "facts": "同"}, after={"fine_amount": "6",
                                                                 "facts": "同"}),
        _event(reviewer, authority, "decision.publish", 12, at=base + timedelta(days=20)),
        _event(outsider, other_authority, "decision.publish", 13, at=base + timedelta(days=1)),
    ]
    db.session.commit()
    return made


def _shown(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-event="(\d+)"', response.get_data(as_text=True))]


def test_reviewer_sees_own_authority_events_newest_first(as_reviewer, events):
    shown = _shown(as_reviewer.get("/console/audit"))
    assert shown[-3:] == [events[2].id, events[1].id, events[0].id]
    assert events[3].id not in shown  # another authority's
    login = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.login"))
    assert shown[0] == login.id  # the sign-in just now, newest first


def test_filters_by_user_record_and_dates(as_reviewer, events, clerk):
    assert _shown(as_reviewer.get(f"/console/audit?user={clerk.username}")) == [events[0].id]
    record = as_reviewer.get("/console/audit?object_type=decision&object_id=11")
    assert _shown(record) == [events[1].id, events[0].id]
    dated = as_reviewer.get("/console/audit?from=2026-03-11&to=2026-03-12")
    assert _shown(dated) == [events[1].id]


def test_before_and_after_are_shown_with_the_change_marked(as_reviewer, events):
    page = as_reviewer.get("/console/audit?object_id=11&object_type=decision")
    text = page.get_data(as_text=True)
    assert "<del>5</del>" in text
    assert "<ins>6</ins>" in text
    assert "审核员王" in text  # the actor's name, not "user:3"


def test_bad_filters_are_named(as_reviewer, events):
    response = as_reviewer.get("/console/audit?from=2026-13-01&object_id=x&user=nobody")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "日期格式应为 YYYY-MM-DD" in text
    assert "记录编号应为数字" in text
    assert "未找到用户：nobody" in text


def test_admin_filters_by_authority(client, admin, events, other_authority):
    logged_in(client, admin)
    assert _shown(client.get(f"/console/audit?authority={other_authority.id}")) == [
        events[3].id]


def test_pages_of_fifty(as_reviewer, reviewer, authority):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(55):
        _event(reviewer, authority, "decision.edit", n, at=base + timedelta(minutes=n))
    db.session.commit()
    first, second = as_reviewer.get("/console/audit"), as_reviewer.get("/console/audit?page=2")
    assert len(_shown(first)) == 50
    assert len(_shown(second)) >= 5
    assert not set(_shown(first)) & set(_shown(second))


def test_clerks_cannot_read_the_audit_trail(client, clerk):
    logged_in(client, clerk)
    assert client.get("/console/audit").status_code == 403


# ---------------------------------------------------------------- reports


def test_report_page_and_xlsx_for_the_users_authority(as_reviewer, authority, other_authority):
    make_decision(authority=authority, decided_on=datetime(2025, 3, 4).date(), fine="5",
                  confiscated_amount=Decimal("0.126"))
    make_decision(authority=other_authority, decided_on=datetime(2025, 3, 5).date(), fine="7",
                  violation_type="侵犯著作权")
    db.session.commit()
    page = as_reviewer.get("/console/reports?month=2025-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<td>5</td><td>0.126</td>" in html  # 万元, without the column's trailing zeros
    assert "5.000000" not in html
    # A reviewer asking for another authority still gets their own.
    response = as_reviewer.get(f"/console/reports/statistics.xlsx?month=2025-03"
                               f"&authority={other_authority.id}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert authority.name in sheet["A2"].value
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    header, total = rows[0], rows[-1]
    assert total[header.index("商标")] == 1
    assert total[header.index("著作权")] == 0
    assert Decimal(str(total[header.index("罚款金额（万元）")])) == Decimal("5")


def test_admin_reports_all_authorities(client, admin, authority, other_authority):
    make_decision(authority=authority, decided_on=datetime(2025, 3, 4).date(), fine="5")
    make_decision(authority=other_authority, decided_on=datetime(2025, 3, 5).date(), fine="7")
    db.session.commit()
    logged_in(client, admin)
    sheet = load_workbook(io.BytesIO(
        client.get("/console/reports/statistics.xlsx?month=2025-03").data)).active
    assert "全部机关" in sheet["A2"].value
    total = list(sheet.iter_rows(min_row=4, values_only=True))[-1]
    assert total[0] == "合计"
    assert Decimal(str(total[-3])) == Decimal("12")


def test_bad_month_is_named(as_reviewer):
    response = as_reviewer.get("/console/reports?month=2025-13")
    assert response.status_code == 400
    assert "月份格式应为 YYYY-MM" in response.get_data(as_text=True)
    assert as_reviewer.get("/console/reports/statistics.xlsx?month=x").status_code == 400


# ---------------------------------------------------------------- API clients


def _key(response) -> str:
    found = re.search(r'value="(ipc_[^"]+)"', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def test_create_show_key_once_query_log_rotate_and_revoke(client, admin):
    logged_in(client, admin)
    created = post_form(client, "/console/clients/new", {
        "name": "某银行授信审批系统", "institution": "某商业银行", "scopes": ["check"],
        "rate_limit": "600/minute"}, token_from="/console/clients/new")
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    key = _key(created)
    api = db.session.scalar(select(ApiClient).where(ApiClient.name == "某银行授信审批系统"))
    assert key not in client.get(f"/console/clients/{api.id}").get_data(as_text=True)

    subject = make_subject("天津市恒瑞达商贸有限公司")
    db.session.commit()
    asked = client.get(f"/api/v1/subjects/{subject.uscc}",
                       headers={"Authorization": f"Bearer {key}"})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    detail = client.get(f"/console/clients/{api.id}").get_data(as_text=True)
    assert subject.uscc in detail
    assert subject.name in detail
    assert "nothing_on_record" in detail

    refused = post_form(client, f"/console/clients/{api.id}/rotate", {"reason": ""},
                        token_from="/console/clients", follow_redirects=True)
    assert "请填写更换密钥的原因" in refused.get_data(as_text=True)
    rotated = post_form(client, f"/console/clients/{api.id}/rotate",
                        {"reason": "密钥疑似泄露"}, token_from="/console/clients")
    new_key = _key(rotated)
    assert new_key != key
    client.application.extensions["bank_api_auth"]._keys.clear()  # the 5 s per-process cache
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}
                      ).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new_key}"}
                      ).status_code == 200

    post_form(client, f"/console/clients/{api.id}/revoke", {"reason": "合作终止"},
              token_from="/console/clients")
    db.session.refresh(api)
    assert api.is_active is False
    client.application.extensions["bank_api_auth"]._keys.clear()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new_key}"}
                      ).status_code == 401
    actions = {e.action: e for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "api_client", AuditEvent.object_id == api.id))}
    assert set(actions) == {"api_client.create", "api_client.rotate", "api_client.revoke"}
    assert actions["api_client.revoke"].details == {"reason": "合作终止"}
    assert actions["api_client.revoke"].actor == f"user:{admin.id}"


def test_client_form_errors_are_named(client, admin):
    logged_in(client, admin)
    response = post_form(client, "/console/clients/new", {
        "name": "", "scopes": ["submit"], "rate_limit": "fast"},
        token_from="/console/clients/new")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写客户端名称" in text
    assert "须指定所属机关" in text
    assert "格式如 600/minute" in text
    assert db.session.scalar(select(ApiClient)) is None


@pytest.mark.parametrize("role", ["clerk", "reviewer"])
def test_only_admins_manage_clients(client, authority, role):
    logged_in(client, make_user(authority, role))
    assert client.get("/console/clients").status_code == 403
    response = post_form(client, "/console/clients/new", {"name": "x", "scopes": ["check"]},
                         token_from="/console/")
    assert response.status_code == 403
    assert db.session.scalar(select(ApiClient)) is None


def test_report_is_open_to_clerks(client, clerk):
    logged_in(client, clerk)
    assert client.get("/console/reports").status_code == 200
    assert clock.today()  # the default month is the current one


def test_an_institution_longer_than_its_column_is_refused(client, admin):
    logged_in(client, admin)
    response = post_form(client, "/console/clients/new", {
        "name": "某银行", "institution": "机" * 201, "scopes": ["check"]},
        token_from="/console/clients/new")
    assert response.status_code == 422
    assert "机构名称不超过 200 字" in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiClient)) is None

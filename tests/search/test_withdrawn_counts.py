"""A decision revoked a moment ago is out of the total and the facets, not only the list."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.models import Decision
from service.register.operations import revoke_decision
from service.search.interface import SearchRequest, get_search
from service.search.models import SearchOutbox
from tests.factories import make_authority, make_decision, make_subject


def test_counts_leave_out_what_the_index_has_not_caught_up_with(search_app):
    with search_app.app_context():
        office = make_authority("温州市计数测试市场监督管理局", region_code="330300")
        ids = [make_decision(make_subject(f"温州计数测试{i}鞋业有限公司"), office,
                             decided_on=clock.today() - timedelta(days=i + 1)).id
               for i in range(3)]
        db.session.commit()
        get_search().reindex()
    search_app.config["SEARCH_APPLY_AFTER_COMMIT"] = False  # the applier has not run yet
    try:
        with search_app.app_context():
            revoke_decision(db.session.get(Decision, ids[0]), kind="行政复议",
                            reason="复议决定撤销", actor=Actor.system("test"),
                            now=clock.now(), today=clock.today())
            db.session.commit()
            assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) > 0
            indexed = get_search().search(SearchRequest(q="计数测试", today=clock.today()))
            assert indexed.total == 3  # the index still holds it
            db.session.remove()
        html = search_app.test_client().get("/search?q=计数测试").get_data(as_text=True)
        assert 'data-total="2"' in html
        assert f'/decisions/{ids[0]}"' not in html
        violation = html.split('data-facet="violation"')[1].split("</section>")[0]
        assert re.search(r'<span class="count">2<', violation)
    finally:
        search_app.config["SEARCH_APPLY_AFTER_COMMIT"] = True
        with search_app.app_context():
            get_search().apply_pending()

"""The search service interface, its request and answer, and the null implementation.

Warehouse's service pattern: the site asks `get_search()` for whatever
implements `SearchService` (Whoosh, or the null one when SEARCH_BACKEND=null),
and never imports Whoosh itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from flask import current_app

from service.search.engine import Filters
from service.search.querytext import ParsedQuery, parse_query

PER_PAGE = 20
SORTS = ("relevance", "date")


@dataclass(frozen=True)
class SearchRequest:
    q: str
    today: date
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def query(self) -> ParsedQuery:
        return parse_query(self.q)


@dataclass
class SearchResults:
    """One page of matching decision ids, best first, with facet counts."""

    ids: list[int]
    total: int
    page: int
    per_page: int
    query: ParsedQuery
    facets: dict[str, list] = field(default_factory=dict)
    fuzzy: list[str] = field(default_factory=list)
    available: bool = True
    reachable: int = 0  # how many of `total` can be paged through

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, self.reachable) / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class CheckReport:
    """How the index differs from the database."""

    missing: list[int] = field(default_factory=list)  # indexable, not in the index
    stale: list[int] = field(default_factory=list)  # in the index with old content
    extra: list[int] = field(default_factory=list)  # in the index, not indexable
    pending: int = 0  # outbox rows not yet applied
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


class SearchService(Protocol):
    def search(self, request: SearchRequest) -> SearchResults: ...

    def apply_pending(self) -> int: ...

    def reindex(self, progress=None) -> int: ...

    def check(self, *, repair: bool = False, progress=None) -> CheckReport: ...


class NullSearch:
    """No search engine: every search answers 'unavailable', changes stay in the outbox."""

    def search(self, request: SearchRequest) -> SearchResults:
        return SearchResults([], 0, request.page, request.per_page, request.query,
                             available=False)

    def apply_pending(self) -> int:
        return 0

    def reindex(self, progress=None) -> int:
        return 0

    def check(self, *, repair: bool = False, progress=None) -> CheckReport:
        return CheckReport()


def get_search(app=None) -> SearchService:
    """The app's search service, created on first use (create_app runs no I/O)."""
    app = app or current_app._get_current_object()
    service = app.extensions.get("search")
    if service is None:
        if app.config["SEARCH_BACKEND"] == "null":
            service = NullSearch()
        else:
            from service.search.whoosh_backend import WhooshSearch

            service = WhooshSearch(app.config["INDEX_DIR"])
        service = app.extensions.setdefault("search", service)
    return service

"""The public search page: /search with facets, sorting, pagination and highlighted snippets.

Whatever is typed gets an answer: the query text is cleaned up by
search.querytext, and bad filter values in the URL are ignored (and said so)
rather than turned into an error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from service.bank_api.auth import search_limit
from service.core import clock
from service.core.db import db
from service.core.routing import MAX_ID
from service.public.redaction import redact_id_numbers
from service.public.regions import PROVINCES
from service.register.models import Authority, Decision
from service.register.queries import disclosed_on
from service.register.schemas import PENALTY_CATEGORIES, VIOLATION_TYPES
from service.search.analysis import chinese_numeral, normalise, query_words
from service.search.applier import applier_for
from service.search.engine import MAX_RESULTS, Filters
from service.search.interface import SORTS, SearchRequest, get_search
from service.search.models import SearchOutbox

bp = Blueprint("search_site", __name__)

FACET_LIMIT = 12
SNIPPET_CHARS = 120
MAX_PAGE = MAX_RESULTS // 20
# Prefecture-level cities (GB/T 2260, first four digits) for the city facet.
CITIES = {
    "1101": "北京市", "1201": "天津市", "3101": "上海市", "5001": "重庆市", "1301": "石家庄市",
    "1401": "太原市", "1501": "呼和浩特市", "2101": "沈阳市", "2102": "大连市", "2201": "长春市",
    "2301": "哈尔滨市", "3201": "南京市", "3202": "无锡市", "3205": "苏州市", "3301": "杭州市",
    "3302": "宁波市", "3303": "温州市", "3307": "金华市", "3401": "合肥市", "3501": "福州市",
    "3502": "厦门市", "3505": "泉州市", "3601": "南昌市", "3701": "济南市", "3702": "青岛市",
    "4101": "郑州市", "4201": "武汉市", "4301": "长沙市", "4401": "广州市", "4403": "深圳市",
    "4404": "珠海市", "4406": "佛山市", "4419": "东莞市", "4420": "中山市", "4501": "南宁市",
    "4601": "海口市", "5101": "成都市", "5201": "贵阳市", "5301": "昆明市", "6101": "西安市",
    "6201": "兰州市", "6501": "乌鲁木齐市",
}
FILTER_NAMES = ("violation", "category", "authority", "province", "city", "year")


@dataclass
class SearchArgs:
    """The page's query string, cleaned: invalid values dropped with a note."""

    q: str = ""
    sort: str = "relevance"
    page: int = 1
    filters: dict = field(default_factory=dict)  # name -> value as in the URL
    ignored: list[str] = field(default_factory=list)

    def url_args(self, **changes) -> dict:
        """Query-string arguments for a link: current ones with `changes` (None removes)."""
        args = {"q": self.q or None, "sort": self.sort if self.sort != "relevance" else None,
                **self.filters}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


def parse_args(raw) -> SearchArgs:
    args = SearchArgs(q=raw.get("q", "")[:2000])
    sort = raw.get("sort", "relevance")
    args.sort = sort if sort in SORTS else "relevance"
    args.page = _int(raw.get("page")) or 1
    if args.page > MAX_PAGE:
        args.page = MAX_PAGE
    checks = {
        "violation": lambda v: v in VIOLATION_TYPES,
        "category": lambda v: v in PENALTY_CATEGORIES,
        "authority": lambda v: _int(v) is not None and int(v) <= MAX_ID,
        "province": lambda v: v in PROVINCES,
        "city": lambda v: len(v) == 4 and v.isdigit(),
        "year": lambda v: _int(v) is not None and 1990 <= int(v) <= 2100,
    }
    for name in FILTER_NAMES:
        value = raw.get(name, "").strip()
        if not value:
            continue
        if checks[name](value):
            args.filters[name] = value
        else:
            args.ignored.append(name)
    return args


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def engine_filters(filters: dict) -> Filters:
    return Filters(
        violation=VIOLATION_TYPES.index(filters["violation"]) if "violation" in filters else None,
        category=filters.get("category"),
        authority=int(filters["authority"]) if "authority" in filters else None,
        province=int(filters["province"]) if "province" in filters else None,
        city=int(filters["city"]) if "city" in filters else None,
        year=int(filters["year"]) if "year" in filters else None,
    )


def withdrawn_since_indexed(today) -> frozenset[int]:
    """Decisions whose change the index has not applied yet and that are not public today.

    A decision revoked a moment ago is still in the index until the applier runs
    (milliseconds after the commit, in the process that made it); leaving these out
    keeps it out of the total and the facet counts too, not only the list.
    """
    pending = db.session.scalars(select(SearchOutbox.object_id).where(
        SearchOutbox.object_type == "decision").limit(10_000)).all()
    if not pending:
        return frozenset()
    public = db.session.scalars(select(Decision.id).where(
        Decision.id.in_(set(pending)), disclosed_on(today))).all()
    return frozenset(pending) - set(public)


def load_decisions(ids: list[int], today) -> list[Decision]:
    """The decisions of a results page, in rank order, re-checked against the register.

    The index can trail the database by the applier's delay; a decision revoked
    a moment ago is dropped here, so it is gone from the page at once.
    """
    if not ids:
        return []
    found = {d.id: d for d in db.session.scalars(
        select(Decision).where(Decision.id.in_(ids), disclosed_on(today))
        .options(joinedload(Decision.authority)))}
    return [found[i] for i in ids if i in found]


def highlight_pattern(words: list[str], fuzzy: list[str]) -> re.Pattern | None:
    """One regex for the query's terms and their jieba words, longest first.

    An article reference (the analyser's 第57条) matches however the text spells it:
    第五十七条, 五十七条, 第57条, and 第（三）项 for 第3项.
    """
    terms = set(fuzzy)
    for word in words:
        terms.add(normalise(word))
        terms.update(w for w in query_words(word) if len(w) > 1 or len(word) == 1)
    ordered = sorted((t for t in terms if t), key=len, reverse=True)
    return re.compile("|".join(map(_term_regex, ordered))) if ordered else None


_ARTICLE_TERM = re.compile(r"第(\d{1,4})([条款项])")


def _term_regex(term: str) -> str:
    if article := _ARTICLE_TERM.fullmatch(term):
        number, unit = int(article[1]), article[2]
        return rf"第?\(?(?:{number}|{chinese_numeral(number)})\)?{unit}"
    return re.escape(term)


def highlight(text: str | None, pattern: re.Pattern | None, width: int | None = None) -> Markup:
    """Escaped text with the query's terms in <mark>; with `width`, a window around the first."""
    text = redact_id_numbers(text or "")
    folded = _folded(text)
    spans = [m.span() for m in pattern.finditer(folded)] if pattern else []
    start, end = 0, len(text)
    if width and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    out, pos = [], start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(escape(text[pos:a]))
        out.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        pos = b
    out.append(escape(text[pos:end]))
    ellipsis, nothing = Markup("…"), Markup("")
    return ((ellipsis if start > 0 else nothing) + nothing.join(out)
            + (ellipsis if end < len(text) else nothing))


# Where a result's snippet may come from. The field covering most of the query gives it
# (the facts on a tie); it is labelled unless it is the facts. A match in the name,
# number or authority is highlighted in the result's title line already.
SNIPPET_FIELDS = (("facts", None), ("legal_basis", "处罚依据"), ("penalty_content", "处罚内容"),
                  ("licence_info", "许可信息"), ("remarks", "备注"),
                  ("legal_representative", "法定代表人"), ("responsible_persons", "直接责任人员"))


@dataclass(frozen=True)
class Snippet:
    label: str | None
    text: Markup


def snippet(decision, pattern: re.Pattern | None, width: int = SNIPPET_CHARS) -> Snippet:
    """The passage of `decision` shown under its title: where the query matched, else the facts."""
    best, covered = ("facts", None), 0
    if pattern is not None:
        for name, label in SNIPPET_FIELDS:
            text = _snippet_text(decision, name)
            if text:
                found = set(pattern.findall(_folded(redact_id_numbers(text))))
                if sum(map(len, found)) > covered:
                    best, covered = (name, label), sum(map(len, found))
    name, label = best
    return Snippet(label, highlight(_snippet_text(decision, name), pattern, width))


def _snippet_text(decision, name: str) -> str | None:
    """A field's text as the decision page shows it (no legal representative of a person)."""
    if name == "legal_representative" and decision.party_kind == "自然人":
        return None
    if name == "responsible_persons":
        return "；".join(p.get("name") or "" for p in decision.responsible_persons or ()) or None
    return getattr(decision, name, None)


def _folded(text: str) -> str:
    """The text `highlight` matches the pattern against (same length as `text`)."""
    folded = normalise(text)
    if len(folded) != len(text):
        folded = text.lower() if len(text.lower()) == len(text) else text
    return folded


def facet_options(facets: dict) -> dict[str, list[tuple[str, str, int]]]:
    """(value for the URL, label, count) per facet, the biggest first."""
    authorities = {}
    ids = [code for code, _n in facets.get("authority", [])[:FACET_LIMIT]]
    if ids:
        authorities = dict(db.session.execute(
            select(Authority.id, Authority.name).where(Authority.id.in_(ids))).all())

    def violation_label(code):
        return VIOLATION_TYPES[code] if code < len(VIOLATION_TYPES) else "其他"

    def city_label(code):
        code = f"{code:04d}"
        return CITIES.get(code) or f"{PROVINCES.get(code[:2], '')}（{code}）"

    labels = {
        "violation": lambda c: (VIOLATION_TYPES[c] if c < len(VIOLATION_TYPES) else None,
                                violation_label(c)),
        "category": lambda c: (c, c),
        "authority": lambda c: (str(c), authorities.get(c, f"机关{c}")),
        "province": lambda c: (f"{c:02d}", PROVINCES.get(f"{c:02d}", f"{c:02d}")),
        "city": lambda c: (f"{c:04d}", city_label(c)),
        "year": lambda c: (str(c), f"{c}年"),
    }
    options = {}
    for name, make in labels.items():
        rows = []
        for code, count in facets.get(name, [])[:FACET_LIMIT]:
            value, label = make(code)
            if value is not None:
                rows.append((value, label, count))
        options[name] = rows
    return options


@bp.before_app_request
def _start_applier() -> None:
    """Each web process runs the outbox applier, so rows left by others are applied too."""
    config = current_app.config
    if (config.get("SEARCH_BACKEND") == "whoosh" and config.get("SEARCH_APPLY_AFTER_COMMIT", True)
            and not current_app.testing):  # tests wake it by committing, never by timer
        applier_for(current_app._get_current_object()).start()


@bp.get("/search")
@search_limit
def search_page():
    args = parse_args(request.args)
    today = clock.today()
    filters = replace(engine_filters(args.filters), exclude=withdrawn_since_indexed(today))
    results = get_search().search(SearchRequest(
        q=args.q, today=today, filters=filters, sort=args.sort, page=args.page))
    decisions = load_decisions(results.ids, today)
    terms = highlight_pattern(results.query.words(), results.fuzzy)
    return render_template(
        "public/search.html", args=args, results=results, decisions=decisions, terms=terms,
        highlight=highlight, snippet=snippet, facets=facet_options(results.facets),
        today=today, max_results=MAX_RESULTS,
        filter_labels=_FILTER_LABELS, selected=_selected_labels(args.filters),
    )


_FILTER_LABELS = {"violation": "违法行为类型", "category": "处罚类别", "authority": "处罚机关",
                  "province": "省份", "city": "城市", "year": "决定年份"}


def _selected_labels(filters: dict) -> list[tuple[str, str]]:
    shown = []
    for name, value in filters.items():
        label = value
        if name == "authority":
            label = db.session.scalar(select(Authority.name).where(
                Authority.id == int(value))) or value
        elif name == "province":
            label = PROVINCES[value]
        elif name == "city":
            label = CITIES.get(value, value)
        elif name == "year":
            label = f"{value}年"
        shown.append((name, label))
    return shown

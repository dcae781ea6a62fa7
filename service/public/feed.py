"""The Atom feed (RFC 4287) of newly published decisions that are still disclosed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from service.public.redaction import redact_id_numbers
from service.register.models import Decision

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"
FEED_SIZE = 50
# Characters XML 1.0 cannot hold (control characters pasted from Word or Excel, e.g. \v):
# one of them in any record made the whole feed unreadable to every feed reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _NOT_XML.sub(" ", text)
    return element


def build_feed(decisions: Sequence[Decision], *, base_url: str, now: datetime) -> bytes:
    """Serialise the decisions (newest first) as an Atom document."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {f"{{{XML}}}lang": "zh-CN"})
    _sub(feed, "id", f"{base_url}feed.atom")
    _sub(feed, "title", "知识产权领域行政处罚信息公示 · 最新公示")
    stamps = [d.corrected_at or d.published_at for d in decisions if d.published_at]
    _sub(feed, "updated", _stamp(max(stamps, default=now)))
    _sub(feed, "link", rel="self", href=f"{base_url}feed.atom", type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=base_url, type="text/html")
    author = _sub(feed, "author")
    _sub(author, "name", "知识产权领域信用信息公示")
    for decision in decisions:
        url = f"{base_url}decisions/{decision.id}"
        entry = _sub(feed, "entry")
        _sub(entry, "id", url)
        _sub(entry, "title", f"{redact_id_numbers(decision.party_name)}（{decision.number}）")
        _sub(entry, "published", _stamp(decision.published_at))
        _sub(entry, "updated", _stamp(decision.corrected_at or decision.published_at))
        _sub(entry, "link", rel="alternate", href=url, type="text/html")
        entry_author = _sub(entry, "author")
        _sub(entry_author, "name", decision.authority.name)
        _sub(entry, "category", term=decision.violation_type)
        summary = (f"{decision.violation_type}。处罚决定日期 {decision.decided_on.isoformat()}；"
                   f"{redact_id_numbers(decision.penalty_content)}；"
                   f"公示至 {decision.disclosure_ends_on.isoformat()}。")
        _sub(entry, "summary", summary)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

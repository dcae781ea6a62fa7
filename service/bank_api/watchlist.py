"""Watch lists and the changes feed (operations only flush; views and the CLI commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, delete, func, select

from service.audit.operations import log_event
from service.bank_api.answers import yuan
from service.bank_api.watch_models import StatusChange, Watch
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import check_uscc, clean_code

MAX_BATCH = 1000
MAX_FEED_PAGE = 500


@dataclass(frozen=True)
class WatchResult:
    """What happened to one code of a batch: added / already_watched / removed / not_watched
    / invalid (with the reason)."""

    uscc: str
    result: str
    error: dict | None = None


def last_sequence() -> int:
    """The newest status change id (0 when there is none)."""
    return db.session.scalar(select(func.coalesce(func.max(StatusChange.id), 0)))


def _check(code) -> tuple[str, dict | None]:
    if not isinstance(code, str):
        return str(code), {"code": "uscc_not_text", "detail": "a USCC must be a string"}
    text = clean_code(code)
    problem = check_uscc(text)
    return text, (problem and {"code": f"uscc_{problem.code}", "detail": problem.message})


def add_watches(client_id: int, codes: list, *, actor: Actor, now: datetime) -> list[WatchResult]:
    """Watch codes (each checked on its own; a bad code never fails the batch)."""
    results, wanted = [], []
    for code in codes:
        text, error = _check(code)
        if error:
            results.append(WatchResult(text, "invalid", error))
        else:
            wanted.append(text)
            results.append(WatchResult(text, "added"))
    existing = set(db.session.scalars(select(Watch.uscc).where(
        Watch.client_id == client_id, Watch.uscc.in_(wanted)))) if wanted else set()
    start = last_sequence()
    added = set()
    for i, item in enumerate(results):
        if item.result != "added":
            continue
        if item.uscc in existing or item.uscc in added:
            results[i] = WatchResult(item.uscc, "already_watched")
            continue
        db.session.add(Watch(client_id=client_id, uscc=item.uscc, created_at=now,
                             start_sequence=start))
        added.add(item.uscc)
    db.session.flush()
    if added:
        log_event(actor, "watch.add", now=now, object_type="api_client", object_id=client_id,
                  details={"added": sorted(added)})
    return results


def remove_watches(client_id: int, codes: list, *, actor: Actor,
                   now: datetime) -> list[WatchResult]:
    """Stop watching codes; unknown ones are reported as not_watched."""
    results, valid = [], []
    for code in codes:
        text, error = _check(code)
        results.append(WatchResult(text, "invalid", error) if error else None)
        if not error:
            valid.append(text)
    existing = set(db.session.scalars(select(Watch.uscc).where(
        Watch.client_id == client_id, Watch.uscc.in_(valid)))) if valid else set()
    if existing:
        db.session.execute(delete(Watch).where(Watch.client_id == client_id,
                                               Watch.uscc.in_(existing)))
        log_event(actor, "watch.remove", now=now, object_type="api_client", object_id=client_id,
                  details={"removed": sorted(existing)})
    for i, code in enumerate(codes):
        if results[i] is None:
            text = clean_code(code)
            results[i] = WatchResult(text, "removed" if text in existing else "not_watched")
    db.session.flush()
    return results


def remove_all_watches(client_id: int, *, actor: Actor, now: datetime) -> int:
    count = db.session.execute(delete(Watch).where(Watch.client_id == client_id)).rowcount
    if count:
        log_event(actor, "watch.clear", now=now, object_type="api_client", object_id=client_id,
                  details={"removed": count})
    return count


def list_watches(client_id: int, *, after_id: int = 0, limit: int = 1000) -> list[Watch]:
    return list(db.session.scalars(
        select(Watch).where(Watch.client_id == client_id, Watch.id > after_id)
        .order_by(Watch.id).limit(limit)))


def count_watches(client_id: int) -> int:
    return db.session.scalar(select(func.count(Watch.id)).where(Watch.client_id == client_id))


def changes_since(client_id: int, cursor: int, limit: int = 100) -> list[StatusChange]:
    """Status changes of the client's watched codes after `cursor`, oldest first.

    A watch shows the changes recorded after it began, not the history before.
    """
    limit = min(max(limit, 1), MAX_FEED_PAGE)
    return list(db.session.scalars(
        select(StatusChange)
        .join(Watch, and_(Watch.uscc == StatusChange.uscc, Watch.client_id == client_id))
        .where(StatusChange.id > cursor, StatusChange.id > Watch.start_sequence)
        .order_by(StatusChange.id).limit(limit)))


def _with_yuan(summary: dict | None) -> dict | None:
    """The stored summary, its fines also in 元 (`total_fine_cny`, as status answers give them)."""
    penalties = (summary or {}).get("penalties")
    if not penalties or "total_fine" not in penalties:
        return summary
    return {**summary, "penalties": {**penalties,
                                     "total_fine_cny": yuan(Decimal(penalties["total_fine"]))}}


def change_dict(change: StatusChange) -> dict:
    """A change as the feed and webhooks send it."""
    return {
        "sequence": change.id,
        "uscc": change.uscc,
        "at": change.at.isoformat(),
        "as_of": change.as_of.isoformat(),
        "kind": change.kind,
        "from_status": change.from_status,
        "to_status": change.to_status,
        "reason": change.reason,
        "summary": _with_yuan(change.summary),
        "data_version": change.data_version,
    }

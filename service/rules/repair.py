"""Credit repair (信用修复): when a disclosure or a listing may end early. Pure rules.

A disclosure: not before `repair_earliest_on` (3 months ordinary, 1 year serious),
the penalty performed in full, a public credit commitment (信用承诺) filed; some
serious records cannot be repaired. A listing (提前移出): not before `repair_after`
from its start, the penalty performed, no new heavy penalty since the start, a
commitment filed (DOMAIN.md; NDRC credit-repair measures).
"""

from __future__ import annotations

from datetime import date

from service.rules.blacklist import reclassify, single_bases
from service.rules.facts import ASSOCIATED, EntryRecord, PenaltyRecord, SubjectHistory, is_ip
from service.rules.listing import listing_repair_earliest
from service.rules.policy import Policy
from service.rules.refusals import Refusal

NO_COMMITMENT = Refusal("no_commitment", "a public credit commitment must be filed (信用承诺)",
                        "commitment")


def _not_performed(performed_on: date | None, as_of: date, what: str) -> Refusal | None:
    if performed_on is not None and performed_on <= as_of:
        return None
    return Refusal("not_performed", f"{what} has not been performed in full (未履行完毕)",
                   "performed_on")


def decision_repair_refusals(record: PenaltyRecord, *, performed_on: date | None,
                             commitment: str, as_of: date, policy: Policy) -> list[Refusal]:
    """Why the disclosure of `record` cannot end early on `as_of` (empty: it can)."""
    c = record.classification(policy)
    if record.status != "published" or record.revoked:
        return [Refusal("not_published", "only a published, unrevoked decision can be repaired")]
    if record.repaired_on is not None:
        return [Refusal("already_repaired",
                        f"already repaired on {record.repaired_on} (已修复)")]
    if not c.is_disclosable or c.disclosure_ends_on is None:
        return [Refusal("not_disclosed", "the decision is not disclosed: nothing to repair "
                                         "(不予公示)")]
    if as_of > c.disclosure_ends_on:
        return [Refusal("disclosure_ended", f"its disclosure already ended on "
                                            f"{c.disclosure_ends_on} (公示期已满)")]
    if not c.is_repairable and c.severity == "minor":
        return [Refusal("unrepairable", "a minor penalty leaves public view by itself after its "
                                        "short period (轻微: 无需修复)")]
    if not c.is_repairable:
        return [Refusal("unrepairable", "closure or licence revocation for counterfeit goods or "
                                        "intentional infringement cannot be repaired, it stays "
                                        f"disclosed until {c.disclosure_ends_on} (不予修复)")]
    refusals = []
    if c.repair_earliest_on is not None and as_of < c.repair_earliest_on:
        refusals.append(Refusal("too_early", f"repair is possible from {c.repair_earliest_on} "
                                             f"({c.severity} penalty, 修复期限未满)"))
    performed = _not_performed(performed_on or record.performed_on, as_of, "the penalty")
    refusals.extend([performed] if performed else [])
    if not commitment.strip():
        refusals.append(NO_COMMITMENT)
    return refusals


def new_heavy_penalties(history: SubjectHistory, since: date, as_of: date,
                        policy: Policy) -> list[PenaltyRecord]:
    """Serious or list-triggering IP penalties decided after `since` and public by `as_of`."""
    classes = reclassify(history.records, policy)
    return [
        r for r in history.records
        if r.published_by(as_of) and since < r.decided_on <= as_of and is_ip(r, policy)
        and (classes[r.id].severity == "serious" or single_bases(r, policy))
    ]


def listing_repair_refusals(entry: EntryRecord, history: SubjectHistory, *,
                            performed_on: date | None, commitment: str, as_of: date,
                            policy: Policy) -> list[Refusal]:
    """Why a blacklist entry cannot be ended early (提前移出) on `as_of` (empty: it can)."""
    if entry.list_kind != "black":
        return [Refusal("not_blacklist", "only a blacklist entry can be repaired")]
    if entry.basis == ASSOCIATED:
        return [Refusal("follows_organisation", "this person is listed with an organisation and "
                                                "leaves the list with it (随单位移出)")]
    if not entry.in_force(as_of):
        return [Refusal("not_in_force", "the listing is not in force (未在名单期内)")]
    refusals = []
    earliest = listing_repair_earliest(entry.starts_on, policy)
    if as_of < earliest:
        refusals.append(Refusal("too_early", f"early removal is possible from {earliest}, "
                                             f"{policy.blacklist.repair_after} after the start "
                                             "(提前移出期限未满)"))
    basis = [r for i in sorted(entry.decision_ids) if (r := history.record(i)) and not r.revoked]
    unperformed = [r for r in basis if _not_performed(r.performed_on, as_of, "")]
    if unperformed:
        refs = ", ".join(r.number or str(r.id) for r in unperformed)
        performed = _not_performed(performed_on, as_of, f"the penalty ({refs})")
        refusals.extend([performed] if performed else [])
    heavy = new_heavy_penalties(history, entry.starts_on, as_of, policy)
    if heavy:
        refs = ", ".join(r.number or str(r.id) for r in heavy)
        refusals.append(Refusal("new_penalty", f"a new heavy penalty followed the listing "
                                               f"({refs}; 列入后又受到严重失信处罚)"))
    if not commitment.strip():
        refusals.append(NO_COMMITMENT)
    return refusals

"""List operations: propose, confirm, extend, end, repair, red list (rules in service.rules).

Plain functions `verb_noun(obj, data, *, actor, now, today)` that only flush,
write the audit log (and the data version for public changes) and queue the
search index. `recompute_subject` is the entry point the register calls after
a subject's decisions changed (published, corrected, revoked).
"""

from service.lists.operations._persons import follow_named_persons
from service.lists.operations.evaluate import (
    EvaluationSummary,
    apply_plans,
    count_pending,
    count_subjects,
    evaluate_all,
    evaluate_pending,
    recompute_subject,
    recompute_subjects,
)
from service.lists.operations.listing import confirm_listing, list_manually, reject_proposal
from service.lists.operations.redlist import nominate_red, remove_red
from service.lists.operations.repair import approve_repair, deny_repair, submit_repair
from service.rules.refusals import RuleViolation

__all__ = [
    "EvaluationSummary",
    "RuleViolation",
    "apply_plans",
    "approve_repair",
    "confirm_listing",
    "count_pending",
    "count_subjects",
    "deny_repair",
    "evaluate_all",
    "evaluate_pending",
    "follow_named_persons",
    "list_manually",
    "nominate_red",
    "recompute_subject",
    "recompute_subjects",
    "reject_proposal",
    "remove_red",
    "submit_repair",
]

"""Who may do what in the console: the one place that decides, for pages and APIs alike.

`can(user, action, obj)` answers from three rules:
- the role table below (clerk 录入 enters and submits, reviewer 审核 publishes, returns,
  corrects and revokes, admin does everything and manages accounts);
- authority scope: a user acts only on records of their own authority (admins: all);
- four eyes: nobody publishes a decision whose content they entered or edited (its
  creator and every user named in a created / edited / corrected revision).

Whether a record is in the right state for an action (a draft to submit, a published
decision to revoke) is the register's rule, checked by its operations.
"""

from __future__ import annotations

from sqlalchemy import select

from service.accounts.models import Role, User
from service.core.db import db
from service.register.models import Authority, Decision, DecisionRevision

CLERK, REVIEWER, ADMIN = Role.CLERK.value, Role.REVIEWER.value, Role.ADMIN.value
EVERYONE = frozenset({CLERK, REVIEWER, ADMIN})

# action → roles allowed (admins are listed explicitly so that the table reads whole).
ACTIONS: dict[str, frozenset[str]] = {
    "decision.list": EVERYONE,
    "decision.view": EVERYONE,
    "decision.create": frozenset({CLERK, ADMIN}),
    "decision.edit": frozenset({CLERK, ADMIN}),
    "decision.submit": frozenset({CLERK, ADMIN}),
    "decision.publish": frozenset({REVIEWER, ADMIN}),
    "decision.return": frozenset({REVIEWER, ADMIN}),
    "decision.correct": frozenset({REVIEWER, ADMIN}),
    "decision.revoke": frozenset({REVIEWER, ADMIN}),
    "user.list": frozenset({ADMIN}),
    "user.create": frozenset({ADMIN}),
    "user.deactivate": frozenset({ADMIN}),
    "user.reactivate": frozenset({ADMIN}),
    "user.update": frozenset({ADMIN}),  # role, authority, name
    "user.reset_password": frozenset({ADMIN}),
    # Lists, credit repair, red list: every official sees, reviewers act (feat/consolex).
    "list.view": EVERYONE,
    "list.confirm": frozenset({REVIEWER, ADMIN}),
    "list.reject": frozenset({REVIEWER, ADMIN}),
    "list.manual": frozenset({REVIEWER, ADMIN}),
    "repair.submit": frozenset({REVIEWER, ADMIN}),
    "repair.decide": frozenset({REVIEWER, ADMIN}),
    "red.nominate": frozenset({REVIEWER, ADMIN}),
    "red.remove": frozenset({REVIEWER, ADMIN}),
    "audit.view": frozenset({REVIEWER, ADMIN}),
    "report.view": EVERYONE,
    "client.manage": frozenset({ADMIN}),
    # A bulk file publishes at once (decisions approved in the case system): reviewers.
    "decision.import": frozenset({REVIEWER, ADMIN}),
}
# Actions that approve someone's entry: the approver must not be one of its authors.
FOUR_EYES = frozenset({"decision.publish"})
# Revisions that write a decision's content: their actors are its authors.
AUTHORING = ("created", "edited", "corrected")


def authority_of(obj) -> int | None:
    """The authority a record belongs to (a decision, a user, an authority...)."""
    if isinstance(obj, Authority):
        return obj.id
    return getattr(obj, "authority_id", None)


def authors_of(obj) -> set[int]:
    """The users who entered or edited a record's content: its creator and revision actors."""
    authors = {obj.created_by_id} if getattr(obj, "created_by_id", None) else set()
    if isinstance(obj, Decision) and obj.id is not None:
        # Queried rather than read from obj.revisions: a loaded collection misses a
        # revision added since (add_revision sets the key, not the relationship).
        actors = db.session.scalars(select(DecisionRevision.actor).where(
            DecisionRevision.decision_id == obj.id, DecisionRevision.action.in_(AUTHORING)))
        authors |= {int(ident) for kind, _, ident in (a.partition(":") for a in actors)
                    if kind == "user" and ident.isdigit()}
    return authors


def can(user: User | None, action: str, obj=None) -> bool:
    """Whether `user` may do `action` (to `obj`, when the action concerns one record).

    An unknown action raises KeyError: a typo must not silently allow or deny.
    """
    roles = ACTIONS[action]
    if user is None or not user.is_active or user.role not in roles:
        return False
    if obj is not None and user.role != ADMIN and authority_of(obj) != user.authority_id:
        return False
    return not (action in FOUR_EYES and obj is not None and user.id in authors_of(obj))


def why_not(user: User | None, action: str, obj=None) -> str | None:
    """A sentence in Chinese saying why `can` is False (for the 403 page), or None."""
    if can(user, action, obj):
        return None
    if user is None or not user.is_active:
        return "请先登录。"
    if user.role not in ACTIONS[action]:
        return "您的角色无权执行此操作。"
    if obj is not None and user.role != ADMIN and authority_of(obj) != user.authority_id:
        return "该记录属于其他机关，您只能处理本机关的记录。"
    return "不能审核发布自己录入或修改过的决定（双人复核），请由其他审核员审核发布。"

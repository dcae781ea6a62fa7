"""The lists in the console: blacklist proposals and entries, credit repair, the red list.

Reviewers (审核) act, every official sees; each acts on their own authority's
records (admins: all). The rules live in `service.lists.operations`; a refusal
(RuleViolation) is shown in Chinese next to the field or above the form, and
the request's writes are rolled back so that nothing is half-done.
"""

from service.console import add_nav
from service.console.views_lists import blacklist, redlist, repair  # noqa: F401 (routes)

add_nav("console.lists", "名单管理", "list.view")
add_nav("console.repairs", "信用修复", "list.view")
add_nav("console.redlist", "红名单", "list.view")

"""Read what a member of the public typed into the search box, whatever it is.

Supported: words separated by spaces (all must match), "quoted text" kept
together, OR between two terms, NOT/-term to exclude. Anything else
(unbalanced quotes, stray or doubled operators, brackets, wildcards, very
long input) is cleaned up rather than refused: the page always answers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.search.engine import Clause

MAX_QUERY_CHARS = 100
MAX_CLAUSES = 8
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")
_OPERATORS = {"AND": "and", "&&": "and", "+": "and", "OR": "or", "||": "or", "|": "or",
              "NOT": "not", "-": "not", "!": "not"}


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[tuple[Clause, ...], ...]  # all groups must match; any clause of a group
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def words(self) -> list[str]:
        """Every positive term, for highlighting."""
        return [c.text for group in self.groups for c in group if not c.negated]

    def text(self) -> str:
        """A canonical spelling of the query (what the page shows it understood)."""
        parts = []
        for group in self.groups:
            shown = [("-" if c.negated else "") + (f'"{c.text}"' if " " in c.text else c.text)
                     for c in group]
            parts.append(" OR ".join(shown))
        return " ".join(parts)


def parse_query(raw: str) -> ParsedQuery:
    """Split a query into required terms, OR groups and excluded terms."""
    text = unicodedata.normalize("NFKC", raw or "").replace("“", '"').replace("”", '"')
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    if text.count('"') % 2:
        text = text[::-1].replace('"', "", 1)[::-1]  # drop the unmatched last quote
    groups: list[list[Clause]] = []  # each group: alternatives (OR)
    pending, negate = "and", False
    for quoted, bare in _TOKEN.findall(text):
        word = quoted if quoted else bare
        operator = _OPERATORS.get(word.upper()) if not quoted else None
        if operator == "not":
            negate = True
            continue
        if operator:
            pending = operator
            continue
        if not quoted and word[:1] in "-!" and len(word) > 1:
            negate, word = True, word[1:]
        word = _EDGE_NOISE.sub("", word.replace("*", "").replace("?", "")).strip()
        if word:
            clause = Clause(word, negate)
            if pending == "or" and not negate and groups and not groups[-1][0].negated:
                groups[-1].append(clause)
            else:
                groups.append([clause])
        pending, negate = "and", False
    return ParsedQuery(tuple(tuple(g) for g in groups[:MAX_CLAUSES]), truncated)

"""The part of SQL-92 `where` clauses that extractors page with: object-id windows.

Accepted: `1=1` (and other comparisons of two numbers), `<oid> <op> <n>` with op one of
= < <= > >=, `<oid> BETWEEN a AND b`, `<oid> IN (a, b, ...)`, `<oid> IS NOT NULL`, joined
by AND, with parentheses. Anything else raises `WhereError`, which the query answers as
ArcGIS does: error 400 inside an HTTP 200.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

TOKEN = re.compile(r"\s*(?:(?P<number>-?\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)"
                   r"|(?P<op><=|>=|<>|!=|=|<|>)|(?P<punct>[(),]))")
COMPARISONS = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt,
               ">=": operator.ge, "<>": operator.ne, "!=": operator.ne}


class WhereError(ValueError):
    pass


@dataclass(frozen=True)
class IdFilter:
    """Object ids between `low` and `high` (inclusive, None: open), and in `members` if set."""

    low: int | None = None
    high: int | None = None
    members: frozenset[int] | None = None
    matches_nothing: bool = False

    def intersect(self, other: IdFilter) -> IdFilter:
        lows = [v for v in (self.low, other.low) if v is not None]
        highs = [v for v in (self.high, other.high) if v is not None]
        members = self.members if other.members is None else (
            other.members if self.members is None else self.members & other.members)
        return IdFilter(max(lows) if lows else None, min(highs) if highs else None, members,
                        self.matches_nothing or other.matches_nothing)

    def admits(self, oid: int) -> bool:
        return (not self.matches_nothing
                and (self.low is None or oid >= self.low)
                and (self.high is None or oid <= self.high)
                and (self.members is None or oid in self.members))


EVERYTHING = IdFilter()
NOTHING = IdFilter(matches_nothing=True)


def tokenize(where: str) -> list[str]:
    tokens, position, text = [], 0, where.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise WhereError(f"cannot read the where clause at {text[position:][:20]!r}")
        tokens.append(match.group().strip())
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], oid_field: str):
        self.tokens = tokens
        self.position = 0
        self.oid_field = oid_field.upper()

    def peek(self) -> str:
        return self.tokens[self.position] if self.position < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected and token.upper() != expected):
            raise WhereError(f"expected {expected or 'more'} at {token or 'the end'!r}")
        self.position += 1
        return token

    def number(self) -> int:
        token = self.take()
        if not re.fullmatch(r"-?\d+", token):
            raise WhereError(f"expected a whole number, got {token!r}")
        return int(token)

    def conjunction(self) -> IdFilter:
        result = self.term()
        while self.peek().upper() == "AND":
            self.take()
            result = result.intersect(self.term())
        if self.peek().upper() == "OR":
            raise WhereError("OR is not supported by the replica")
        return result

    def term(self) -> IdFilter:
        token = self.peek()
        if token == "(":
            self.take()
            inner = self.conjunction()
            self.take(")")
            return inner
        if re.fullmatch(r"-?\d+", token):
            left = self.number()
            compare = COMPARISONS.get(self.take())
            if compare is None:
                raise WhereError("expected a comparison between two numbers")
            return EVERYTHING if compare(left, self.number()) else NOTHING
        if token.upper() != self.oid_field:
            raise WhereError(f"only the object-id field {self.oid_field} can be filtered; "
                             f"got {token!r}")
        self.take()
        return self.oid_condition()

    def oid_condition(self) -> IdFilter:
        keyword = self.take().upper()
        if keyword == "BETWEEN":
            low = self.number()
            self.take("AND")
            return IdFilter(low=low, high=self.number())
        if keyword == "IN":
            self.take("(")
            members = {self.number()}
            while self.peek() == ",":
                self.take()
                members.add(self.number())
            self.take(")")
            return IdFilter(members=frozenset(members))
        if keyword == "IS":
            self.take("NOT")
            self.take("NULL")
            return EVERYTHING
        return self.comparison(keyword, self.number())

    @staticmethod
    def comparison(op: str, value: int) -> IdFilter:
        bounds = {"=": IdFilter(low=value, high=value), ">": IdFilter(low=value + 1),
                  ">=": IdFilter(low=value), "<": IdFilter(high=value - 1),
                  "<=": IdFilter(high=value)}
        if op not in bounds:
            raise WhereError(f"comparison {op!r} on the object id is not supported")
        return bounds[op]


def parse_where(where: str | None, oid_field: str) -> IdFilter:
    """The object ids a where clause selects; raises WhereError for anything else."""
    if where is None or not where.strip():
        return EVERYTHING
    parser = _Parser(tokenize(where), oid_field)
    result = parser.conjunction()
    if parser.peek():
        raise WhereError(f"unexpected {parser.peek()!r} in the where clause")
    return result

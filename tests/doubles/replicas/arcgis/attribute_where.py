"""`where` clauses on attribute fields, as the utilities' configs send them.

`Region = 'Pepco'`, `Feeder IS NOT NULL`, `ICAWOF_UNILOAD >= 0 AND ICAWOF_UNILOAD < 10`,
`DRP_GIS_DATA.DRP_HCA.LHC < 20`: comparisons of a field with a number or a quoted string,
IS [NOT] NULL, IN (...), joined by AND / OR with parentheses. Field names are matched
without regard to case and may be fully qualified (dots); string comparisons ignore case, as
the utilities' SQL Server and Oracle back ends do. A field the layer does not have fails the
query as ArcGIS does: error 400 inside HTTP 200.

Evaluated over the layer's features: the replicas that use these filters are small.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from replicas.arcgis.where import WhereError

TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
                   r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op><=|>=|<>|!=|=|<|>)"
                   r"|(?P<punct>[(),]))")
COMPARISONS = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt,
               ">=": operator.ge, "<>": operator.ne, "!=": operator.ne}
Predicate = Callable[[dict], bool]


def tokenize(where: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, where.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise WhereError(f"cannot read the where clause at {text[position:][:20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _comparable(left: object, right: object) -> tuple[object, object] | None:
    if left is None:
        return None
    if isinstance(right, str):
        return str(left).lower(), right.lower()
    if isinstance(left, str):
        try:
            return float(left.replace(",", "")), right
        except ValueError:
            return None
    return left, right


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], fields: dict[str, str]):
        self.tokens = tokens
        self.position = 0
        self.fields = fields  # lower-case name -> the layer's spelling

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("", "")

    def take(self, word: str | None = None) -> tuple[str, str]:
        kind, text = self.peek()
        if not kind or (word and text.upper() != word):
            raise WhereError(f"expected {word or 'more'} at {text or 'the end'!r}")
        self.position += 1
        return kind, text

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek()[1].upper() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.term()]
        while self.peek()[1].upper() == "AND":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def literal(self) -> object:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        raise WhereError(f"expected a number or a quoted string, got {text!r}")

    def term(self) -> Predicate:
        kind, text = self.peek()
        if text == "(":
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        if kind == "number":
            left = float(self.take()[1])
            compare = COMPARISONS.get(self.take()[1])
            right = self.literal()
            if compare is None or not isinstance(right, float):
                raise WhereError("expected a comparison between two numbers")
            result = compare(left, right)
            return lambda row: result
        if kind != "word":
            raise WhereError(f"expected a field name, got {text!r}")
        self.take()
        name = self.fields.get(text.lower())
        if name is None:
            raise WhereError(f"Failed to execute query: no field {text!r}")
        return self.condition(name)

    def condition(self, name: str) -> Predicate:
        kind, text = self.take()
        keyword = text.upper()
        if keyword == "IS":
            negated = self.peek()[1].upper() == "NOT"
            if negated:
                self.take()
            self.take("NULL")
            return (lambda row: row.get(name) is not None) if negated else (
                lambda row: row.get(name) is None)
        if keyword == "IN":
            self.take("(")
            members = [self.literal()]
            while self.peek()[1] == ",":
                self.take()
                members.append(self.literal())
            self.take(")")
            return lambda row: any(_equal(row.get(name), m) for m in members)
        compare = COMPARISONS.get(text)
        if kind != "op" or compare is None:
            raise WhereError(f"expected a comparison after {name}, got {text!r}")
        right = self.literal()

        def predicate(row: dict) -> bool:
            pair = _comparable(row.get(name), right)
            return pair is not None and bool(compare(*pair))

        return predicate


def _equal(value: object, member: object) -> bool:
    pair = _comparable(value, member)
    return pair is not None and pair[0] == pair[1]


def parse_attribute_where(where: str, field_names: list[str]) -> Predicate:
    """A predicate over a feature's attributes; raises WhereError for what it cannot read."""
    parser = _Parser(tokenize(where), {name.lower(): name for name in field_names})
    predicate = parser.disjunction()
    if parser.peek()[0]:
        raise WhereError(f"unexpected {parser.peek()[1]!r} in the where clause")
    return predicate

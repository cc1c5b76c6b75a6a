"""The acceptance-criteria language: a hand-written tokenizer and recursive-descent parser.

    criterion  := FUNCTION "(" argument { "," argument } ")" [ comparison ]
    argument   := name [ "->" name ]
    name       := STRING | WORD { WORD }
    comparison := ("<=" | "<" | ">=" | ">" | "==" | "=" | "!=") quantity
    quantity   := NUMBER [ UNIT ]

See docs/criteria.md for the functions and their meaning. Errors carry the 1-based column of the offending
character so a message can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from app.graph.units import UNITS


@dataclass(frozen=True)
class Signature:
    """What a function takes: argument roles, whether the second is `a -> b`, and what it compares against."""

    args: tuple[str, ...]
    compare: str | None  # "duration", "count", or None for a true/false function
    arrow: bool = False
    example: str = ""


FUNCTIONS: dict[str, Signature] = {
    "freshness": Signature(("entity", "channel"), "duration", example="freshness(inventory, web) <= 60s"),
    "sor_count": Signature(("entity",), "count", example="sor_count(customer) == 1"),
    "reachable": Signature(("entity", "channel", "target"), None, arrow=True,
                           example="reachable(order, store -> OMS)"),
    "no_pattern": Signature(("entity", "pattern"), None, example="no_pattern(order, manual)"),
    "max_hops": Signature(("entity", "channel"), "count", example="max_hops(price, app) <= 2"),
    "returnable": Signature(("channel", "channel"), None, arrow=True, example="returnable(web -> store)"),
    "refund_path": Signature(("channel", "channel"), None, arrow=True, example="refund_path(web -> store)"),
}
# Names people type for a function by its meaning rather than its spelling; difflib alone would offer
# no_pattern for has_path, which only looks alike.
MEANT = {"has_path": "reachable", "path": "reachable", "reaches": "reachable", "connected": "reachable",
         "latency": "freshness", "fresh": "freshness", "staleness": "freshness", "hops": "max_hops",
         "sor": "sor_count", "sors": "sor_count", "pattern": "no_pattern", "returns": "returnable",
         "return_anywhere": "returnable", "refund": "refund_path", "refundable": "refund_path"}
OPERATORS = {"<=": "<=", "<": "<", ">=": ">=", ">": ">", "==": "==", "=": "==", "!=": "!=", "≤": "<=", "≥": ">="}

_FIRST_WORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)([A-Za-z]*)$")


class CriterionSyntaxError(Exception):
    """A malformed criterion: what is wrong and where (1-based column)."""

    def __init__(self, column: int, message: str):
        self.column = column
        self.message = message
        super().__init__(f"column {column}: {message}")


@dataclass(frozen=True)
class Token:
    """A lexical token; `kind` is word, string, op, (, ), ",", -> or end."""

    kind: str
    text: str
    column: int


@dataclass(frozen=True)
class Name:
    """A name as written, with where it starts (for messages about it)."""

    text: str
    column: int


@dataclass(frozen=True)
class Criterion:
    """A parsed criterion. `value` is in seconds for durations; `names` follow the signature's roles."""

    function: str
    names: tuple[Name, ...]
    op: str | None = None
    value: float | None = None
    value_text: str = ""
    text: str = ""


def is_criterion(line: str) -> bool:
    """True when the line starts with a known function name or looks like a call (`has_path(`); else prose.

    A word glued to "(" at the start of a line is a call someone meant to run: a typo in the function name
    must be an error the author sees, not prose that is silently never checked.
    """
    match = _FIRST_WORD.match(line)
    if not match:
        return False
    return match.group(1).lower() in FUNCTIONS or line[match.end():match.end() + 1] == "("


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option most like `word` (case-insensitive difflib ratio), or None when there are no options."""
    folded = word.casefold()
    best = max(options, key=lambda o: (SequenceMatcher(None, folded, o.casefold()).ratio(), o), default=None)
    return best


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<arrow>->|→)
      | (?P<op><=|>=|==|!=|[<>=≤≥])
      | (?P<punct>[(),])
      | "(?P<dq>[^"]*)" | '(?P<sq>[^']*)'
      | (?P<word>(?:[^\s(),<>=!"'≤≥→-]|-(?!>)|(?<=\w)')+)""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    """Split a criterion into tokens; raise CriterionSyntaxError on a stray character or open quote."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if m is None:
            ch = text[i]
            if ch in "\"'":
                raise CriterionSyntaxError(i + 1, f"the quote {ch} is never closed")
            hint = " (did you mean '!=')" if ch == "!" else ""
            raise CriterionSyntaxError(i + 1, f"unexpected {ch!r}{hint}")
        kind = m.lastgroup
        if kind == "arrow":
            tokens.append(Token("->", "->", i + 1))
        elif kind == "op":
            tokens.append(Token("op", OPERATORS[m.group()], i + 1))
        elif kind == "punct":
            tokens.append(Token(m.group(), m.group(), i + 1))
        elif kind in ("dq", "sq"):
            tokens.append(Token("string", m.group(kind), i + 1))
        elif kind == "word":
            tokens.append(Token("word", m.group(), i + 1))
        i = m.end()
    tokens.append(Token("end", "", n + 1))
    return tokens


def parse(text: str) -> Criterion:
    """Parse one criterion line; raise CriterionSyntaxError pointing at the first problem."""
    return _Parser(text).criterion()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise CriterionSyntaxError(self.tok.column, f"expected {what}, found {_show(self.tok)}")
        return self.take()

    def criterion(self) -> Criterion:
        head = self.expect("word", "a function name")
        function = head.text.lower()
        sig = FUNCTIONS.get(function)
        if sig is None:
            known = ", ".join(FUNCTIONS)
            meant = MEANT.get(function) or closest(function, FUNCTIONS)
            raise CriterionSyntaxError(
                head.column, f"unknown function {head.text!r}; did you mean {meant!r}? (known: {known})"
            )
        self.expect("(", f"'(' after {function}")
        arguments = [self.argument()]
        while self.tok.kind == ",":
            self.take()
            arguments.append(self.argument())
        close = self.expect(")", "',' or ')'")
        names = self._check_arguments(function, sig, arguments, head, close)
        op = value = None
        value_text = ""
        if self.tok.kind == "op":
            op_token = self.take()
            if sig.compare is None:
                raise CriterionSyntaxError(
                    op_token.column, f"{function}(…) is true or false by itself; remove the comparison"
                )
            op = op_token.text
            value, value_text = self.quantity(sig.compare, op_token)
        elif sig.compare is not None:
            raise CriterionSyntaxError(
                self.tok.column, f"{function}(…) needs a comparison, e.g. {sig.example}"
            )
        if self.tok.kind != "end":
            raise CriterionSyntaxError(self.tok.column, f"unexpected {_show(self.tok)} after the criterion")
        return Criterion(function, names, op, value, value_text, self.text.strip())

    def argument(self) -> list[Name]:
        parts = [self.name()]
        while self.tok.kind == "->":
            self.take()
            parts.append(self.name())
        return parts

    def name(self) -> Name:
        if self.tok.kind == "string":
            token = self.take()
            if not token.text.strip():
                raise CriterionSyntaxError(token.column, "expected a name, found an empty string")
            return Name(token.text.strip(), token.column)
        if self.tok.kind != "word":
            raise CriterionSyntaxError(self.tok.column, f"expected a name, found {_show(self.tok)}")
        first = self.take()
        words = [first.text]
        while self.tok.kind == "word":
            words.append(self.take().text)
        return Name(" ".join(words), first.column)

    def quantity(self, kind: str, op_token: Token) -> tuple[float, str]:
        if self.tok.kind != "word":
            want = "a duration such as 60s" if kind == "duration" else "a whole number"
            raise CriterionSyntaxError(self.tok.column, f"expected {want} after '{op_token.text}'")
        token = self.take()
        match = _QUANTITY.match(token.text)
        if not match:
            raise CriterionSyntaxError(token.column, f"expected a number, found {token.text!r}")
        number, unit = match.group(1), match.group(2)
        unit_column = token.column + len(number)
        if not unit and self.tok.kind == "word" and kind == "duration":
            unit_token = self.take()
            unit, unit_column = unit_token.text, unit_token.column
        if kind == "count":
            if unit or "." in number:
                raise CriterionSyntaxError(token.column, f"expected a whole number, found {token.text!r}")
            return float(number), number
        if not unit:
            raise CriterionSyntaxError(unit_column, f"add a unit to {number}: s, min, h or d")
        if unit.lower() not in UNITS:
            raise CriterionSyntaxError(unit_column, f"unknown unit {unit!r}; use s, min, h or d")
        return float(number) * UNITS[unit.lower()], f"{number}{unit}"

    def _check_arguments(self, function, sig, arguments, head, close) -> tuple[Name, ...]:
        expected = len(sig.args) - (1 if sig.arrow else 0)
        if len(arguments) != expected:
            roles = ", ".join(sig.args[:-2] + (f"{sig.args[-2]} -> {sig.args[-1]}",) if sig.arrow else sig.args)
            where = arguments[expected][0].column if len(arguments) > expected else close.column
            raise CriterionSyntaxError(
                where, f"{function} takes {expected} argument(s) ({roles}), got {len(arguments)}"
            )
        names: list[Name] = []
        for index, parts in enumerate(arguments):
            wants_arrow = sig.arrow and index == len(arguments) - 1
            if wants_arrow and len(parts) != 2:
                column = parts[0].column if len(parts) < 2 else parts[2].column
                wanted = f"{sig.args[-2]} -> {sig.args[-1]}"
                raise CriterionSyntaxError(column, f"expected '{wanted}' here, e.g. {sig.example}")
            if not wants_arrow and len(parts) != 1:
                raise CriterionSyntaxError(parts[1].column, f"'->' is not allowed in this argument of {function}")
            names.extend(parts)
        return tuple(names)


def _show(token: Token) -> str:
    if token.kind == "end":
        return "the end of the line"
    return repr(token.text) if token.kind != "string" else f'"{token.text}"'

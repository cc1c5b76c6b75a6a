"""The quick-capture grammar: one line -> a typed, frozen description, or a ParseError with its column.

The grammar is documented for people in docs/quick-capture.md and in the in-app help panel
(templates/capture/_help.html); keep the three in step. In short:

    flow         Source -> Target: entity, entity [via Middleware] [via API | as event] [every 5s | nightly]
                 [worst 1h | <= 1h] [latency 200ms]          (<-> or <> for two-way)
    ownership    System owns entity | is system of record for | is authoritative copy for | is replica for
                 | reads | writes  entity, entity
    element      System: Name [(Category)] | Channel: Name | Entity: Name, Name | Stakeholder: Name, role, team
    bare name    Name [(Category)]        (a new system)
    requirement  REQ [must|should|could|won't] [type]: Title [@Source stakeholder] [#channel …] [AC: crit; crit]
    decision     ADR [proposed|accepted|rejected|deprecated]: Title [-> REQ-3, REQ-5]
    stakeholder  @Name[, role[, team]]
    any line     [Scenario name] …   (written into that scenario; see scenario_prefix)

Names with commas, colons, arrows or keywords go in double quotes. The grammar knows nothing of the
database: codes (patterns, roles, priorities) are plain strings that the tests check against models.vocab.

This module is the entry: `parse`, `rewrite`, `EXAMPLES` and the dispatch on the kind of line; every public
name of the grammar is importable from here. The parts: `words` (vocabulary -> codes), `results` (what a line
parses into), `tokens`, and one module of clause parsers per kind of line — `flow_line`, `ownership_line`,
`marked_lines` (requirement, decision, stakeholder).
"""

from __future__ import annotations

import re

from app.capture.element_lines import ELEMENT_HEADS, _element, element_head
from app.capture.flow_line import _flow
from app.capture.marked_lines import _decision, _requirement, _stakeholder
from app.capture.ownership_line import _ownership
from app.capture.results import (
    DecisionLine,
    ElementLine,
    FlowLine,
    Line,
    Name,
    OwnershipLine,
    ParseError,
    RequirementLine,
    RequirementRef,
    StakeholderLine,
)
from app.capture.tokens import _Fail, _fail, _tokenize
from app.capture.words import (
    BARE_UNITS,
    FLOW_KEYWORDS,
    FREQUENCY_WORDS,
    OWNERSHIP_PHRASES,
    PATTERN_HELP,
    PATTERN_WORDS,
    PRIORITY_WORDS,
    UNITS,
    describe_seconds,
    fold,
)

__all__ = [
    "BARE_UNITS",
    "ELEMENT_HEADS",
    "EXAMPLES",
    "FLOW_KEYWORDS",
    "FREQUENCY_WORDS",
    "MAX_LINE",
    "OWNERSHIP_PHRASES",
    "PATTERN_HELP",
    "PATTERN_WORDS",
    "PRIORITY_WORDS",
    "UNITS",
    "DecisionLine",
    "ElementLine",
    "FlowLine",
    "Line",
    "Name",
    "OwnershipLine",
    "ParseError",
    "RequirementLine",
    "RequirementRef",
    "StakeholderLine",
    "describe_seconds",
    "fold",
    "parse",
    "rewrite",
    "scenario_prefix",
]

MAX_LINE = 1000

# Examples shown in the help panel and docs; the tests parse every one of them.
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Shopify Plus -> Fluent OMS: order, customer via API every 5s", "a data flow; missing systems are created"),
    ("Fluent OMS <-> SAP S/4: inventory via MuleSoft as event worst 1h", "two-way, through middleware"),
    ("SAP S/4 -> Fluent OMS: product, price as batch nightly", "a nightly batch file"),
    ("SAP S/4 owns product", "system of record"),
    ("Fluent OMS is system of record for inventory", "system of record, long form"),
    ("POS reads price, promotion", "one ownership per entity"),
    ("Shopify Plus writes order", "writes"),
    ("Data Hub is replica for inventory", "replica"),
    ("Salesforce is authoritative copy for customer", "authoritative copy"),
    ("System: Zendesk (CRM)", "a system with its category"),
    ("Salesforce Service Cloud", "just a name: a new system (category guessed)"),
    ("Channel: Showroom", "a channel"),
    ("Entity: Delivery slot, Return label", "two data entities"),
    ("REQ must: Store stock visible on web within 60s @Dana Ruiz #web #mobile-app", "a requirement"),
    ("REQ must data: Stock on web #web AC: freshness(inventory, web) <= 60s", "with a type and a criterion"),
    ("ADR: Centralise ATP in the OMS -> REQ-3, REQ-5", "a proposed decision addressing two requirements"),
    ("ADR accepted: Keep SAP as price master -> REQ-4", "a decision with its status"),
    ("@Dana Ruiz, Head of E-commerce, Digital", "a stakeholder: name, role, team"),
)


# --- entry points ---------------------------------------------------------------------------------


def parse(line: str) -> Line | ParseError:
    """Parse one capture line."""
    try:
        return _parse(line)
    except _Fail as exc:
        column = max(1, min(exc.start + 1, len(line) + 1))
        return ParseError(exc.message, column, max(1, exc.length))


def rewrite(line: str, name: Name, replacement: str) -> str:
    """The line with `name` replaced by `replacement` — hyphenated or quoted when that is needed for the
    new line to read the replacement back as that one name."""
    want = fold(replacement)
    candidates = [replacement]
    if name.hyphens_are_spaces and "-" not in replacement:
        candidates.append("-".join(replacement.split()))
    if '"' not in replacement:
        candidates.append(f'"{replacement}"')
    for candidate in candidates:
        new = line[: name.start] + candidate + line[name.end :]
        parsed = parse(new)
        if not isinstance(parsed, ParseError) and any(n.start == name.start and want in n.keys for n in parsed.names):
            return new
    return line[: name.start] + candidates[-1] + line[name.end :]


def scenario_prefix(line: str) -> tuple[str | None, str, int]:
    """A leading `[Scenario name]` names the scenario the line writes into: (that name or None, the line with
    the prefix blanked out so every column stays where it was, the prefix's 0-based start)."""
    start = len(line) - len(line.lstrip())
    if not line[start:].startswith("["):
        return None, line, start
    end = line.find("]", start)
    if end < 0:
        return None, line, start
    return " ".join(line[start + 1:end].split()), line[:start] + " " * (end + 1 - start) + line[end + 1:], start


# --- dispatch -------------------------------------------------------------------------------------

_REQ_HEAD = re.compile(r"\s*REQ(?![\w-])(?P<words>(?:[ \t]+[^\s:]+){0,2})[ \t]*:", re.IGNORECASE)
_REQ_WORD = re.compile(r"\s*REQ(?![\w-])", re.IGNORECASE)
_ADR_HEAD = re.compile(r"\s*ADR(?![\w-])(?P<words>[ \t]+[^\s:]+)?[ \t]*:", re.IGNORECASE)
_ADR_WORD = re.compile(r"\s*ADR(?![\w-])", re.IGNORECASE)
_ARROW_ANYWHERE = re.compile(r"->|<>|→|↔")


def _parse(line: str) -> Line:
    if not line.strip():
        _fail("Type a line to capture; press ? for the grammar.", 0)
    if len(line) > MAX_LINE:
        _fail(f"A capture line has at most {MAX_LINE} characters.", MAX_LINE, len(line) - MAX_LINE)
    for i, ch in enumerate(line):
        if (ord(ch) < 32 and ch != "\t") or ord(ch) == 127:
            _fail("The line contains a control character.", i)
    first = len(line) - len(line.lstrip())
    if line[first] == "@":
        return _stakeholder(line, first)
    head = _REQ_HEAD.match(line)
    if head:
        return _requirement(line, head)
    word = _REQ_WORD.match(line)
    if word and not _ARROW_ANYWHERE.search(line):
        _fail("Write “REQ:” or “REQ must:” (must, should, could or won’t), then the title.", word.end())
    head = _ADR_HEAD.match(line)
    if head:
        return _decision(line, head)
    word = _ADR_WORD.match(line)
    if word and not _ARROW_ANYWHERE.search(line):
        _fail("Write “ADR:” then the decision’s title.", word.end())
    head = element_head(line)
    if head and not _ARROW_ANYWHERE.search(line):
        return _element(line, head)
    tokens = _tokenize(line)
    if any(t.kind in ("arrow", "both") for t in tokens):
        return _flow(line, tokens)
    return _ownership(line, tokens)

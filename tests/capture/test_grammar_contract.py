"""The quick-capture grammar's contract: refusals point at the fault, rewrites, agreement with docs and models.

Every refusal says what is wrong and where; a suggestion rewrites just its name; the grammar agrees with its
docs, the models' codes and the package's purity rule.

Pure tests: no app, no database. What each kind of line means: test_grammar.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.capture.grammar import (
    EXAMPLES,
    OWNERSHIP_PHRASES,
    PATTERN_WORDS,
    PRIORITY_WORDS,
    FlowLine,
    ParseError,
    RequirementLine,
    fold,
    parse,
    rewrite,
)
from app.capture.suggest import CATEGORY_HINTS
from models import name_key
from models.vocab import FLOW_PATTERNS, OWNERSHIP_ROLES, PRIORITIES, SYSTEM_CATEGORIES

ROOT = Path(__file__).resolve().parents[2]


def parsed(line, kind):
    result = parse(line)
    assert isinstance(result, kind), result
    return result


# --- junk: every refusal says what is wrong and where ---------------------------------------------

JUNK = [
    ("", "Type a line", 1),
    ("    ", "Type a line", 1),
    ("hello, world", "Not understood", 1),
    ("System:", "Write the system’s name", 8),
    ("Entity: Delivery slot,", "Expected a name after “,”", 23),
    ("Channel: Showroom (retail)", "Only a system takes a (category)", 19),
    ("System: Zendesk ()", "Write the category", 17),
    ("REQ must should: x", "one priority and one type", 10),
    ("REQ: Stock AC:", "acceptance criteria after “AC:”", 15),
    ("ADR superseded: x", "Unknown status “superseded”", 5),
    ("Shopify Plus -> Fluent OMS", "Add “:” and the entities", 27),
    ("-> Fluent OMS: order", "Missing the source system", 1),
    ("Shopify Plus -> : order", "Missing the target system", 17),
    ("Shopify Plus -> Fluent OMS:", "List the entities", 28),
    ("A -> B: order,", "Expected an entity name after “,”", 15),
    ("A -> B -> C: order", "Only one arrow", 8),
    ("A -> a: order", "Source and target are the same system", 6),
    ("A -> B via MuleSoft: order", "Write “via …” after the entities", 8),
    ("A -> B: order via", "after “via”", 18),
    ("A -> B: order as pigeon post", "Unknown pattern “pigeon post”", 18),
    ("A -> B: order via API as event", "The pattern is already given", 23),
    ("A -> B: order via X via Y", "The middleware is already given", 21),
    ("A -> B: order via a", "The middleware must differ", 19),
    ("A -> B: order every", "Expected a duration after “every”", 20),
    ("A -> B: order every 5", "Add a unit to “5”", 21),
    ("A -> B: order every 5 parsecs", "Add a unit to “5”", 21),
    ("A -> B: order every 5parsecs", "Unknown unit “parsecs”", 21),
    ("A -> B: order every 0s", "more than zero", 21),
    ("A -> B: order every soon", "“soon” is not a duration", 21),
    ("A -> B: order daily every 1h", "The frequency is already given", 21),
    ("A -> B: order every 1h worst 5 min", "worst latency (5 min) is below the typical one (1 h)", 24),
    ("A -> B: order every 5s realtime", "Unexpected “realtime”", 24),
    ("A -> B: order via MuleSoft, customer", "List all the entities first", 27),
    ('"Shopify -> B: order', "never closed", 1),
    ('Shop "ify" -> B: order', "Quote the whole name", 6),
    ('A -> "  ": order', "Empty quotes", 6),
    ("B <- A: order", "from left to right", 3),
    ("SAP owns", "Name the data entity", 9),
    ("SAP owns product: price", "Unexpected “:”", 17),
    ("owns product", "Start with the system", 1),
    ("POS read price", "Did you mean “reads”", 5),
    ("Salesforce is master for customer", "After “is”", 12),
    ("REQ", "Write “REQ:”", 4),
    ("REQ must Store stock visible", "Write “REQ:”", 4),
    ("REQ mus: Store stock", "Unknown priority “mus”", 5),
    ("REQ must:", "title", 10),
    ("REQ must:   @Dana Ruiz", "title", 13),
    ("REQ must: Stock on web #mobile app", "Unexpected “app”", 32),
    ("REQ: Stock @Dana @Lee", "Only one @source", 18),
    ("ADR", "Write “ADR:”", 4),
    ("ADR:   ", "title", 8),
    ("ADR: Centralise ATP ->", "List requirement refs", 21),
    ("ADR: Centralise ATP -> REQ-3, OMS", "“OMS” is not one", 31),
    ("@", "name after @", 2),
    ("@ , Head of E-commerce", "name after @", 2),
    ("@Dana, Head, Digital, extra", "Too many commas", 21),
    ("x" * 1001, "at most 1000 characters", 1001),
    ("A -> B: order\x00", "control character", 14),
]


@pytest.mark.parametrize(("line", "fragment", "column"), JUNK, ids=[repr(j[0][:40]) for j in JUNK])
def test_a_line_that_does_not_parse_is_pointed_at_with_a_message_and_a_column(line, fragment, column):
    result = parse(line)
    assert isinstance(result, ParseError), result
    assert fragment in result.message
    assert result.column == column


def test_the_error_underlines_the_whole_offending_word():
    error = parse("REQ mustn't: Stock")
    assert (error.column, error.length) == (5, len("mustn't"))


# --- rewriting a name with a suggestion -----------------------------------------------------------


def test_a_suggestion_replaces_just_that_name_in_the_line():
    line = "Shopfy Plus -> Fluent: order via API"
    flow = parsed(line, FlowLine)
    assert rewrite(line, flow.source, "Shopify Plus") == "Shopify Plus -> Fluent: order via API"
    assert rewrite(line, flow.target, "Fluent OMS") == "Shopfy Plus -> Fluent OMS: order via API"


def test_a_suggested_name_is_quoted_only_when_the_line_would_misread_it():
    line = "A -> B: sales"
    entity = parsed(line, FlowLine).entities[0]
    assert rewrite(line, entity, "Sales order") == "A -> B: Sales order"
    assert rewrite(line, entity, "Daily sales") == 'A -> B: "Daily sales"'
    assert rewrite(line, entity, "Sales, EMEA") == 'A -> B: "Sales, EMEA"'


def test_a_suggested_channel_is_hyphenated_and_a_source_is_replaced_after_the_at_sign():
    line = "REQ: Stock visible @Dana Ruis #mobil"
    req = parsed(line, RequirementLine)
    assert rewrite(line, req.channels[0], "Mobile app") == "REQ: Stock visible @Dana Ruis #Mobile-app"
    assert rewrite(line, req.source, "Dana Ruiz") == "REQ: Stock visible @Dana Ruiz #mobil"


# --- the grammar, its docs and the model agree ----------------------------------------------------


@pytest.mark.parametrize(("line", "what"), EXAMPLES)
def test_every_help_example_parses(line, what):
    assert not isinstance(parse(line), ParseError), (line, parse(line))


def test_the_documentation_shows_every_example():
    doc = (ROOT / "docs" / "quick-capture.md").read_text(encoding="utf-8")
    for line, _what in EXAMPLES:
        assert line in doc, line


def test_the_codes_the_grammar_produces_are_the_models_codes():
    assert set(PATTERN_WORDS.values()) <= set(FLOW_PATTERNS)
    assert {role for _words, role in OWNERSHIP_PHRASES} == set(OWNERSHIP_ROLES)
    assert set(PRIORITY_WORDS.values()) == set(PRIORITIES)
    assert set(CATEGORY_HINTS.values()) <= set(SYSTEM_CATEGORIES)


@pytest.mark.parametrize("text", ["Shopify Plus", "  shopify   PLUS ", "Straße", "Ünïcode  Name"])
def test_names_fold_exactly_as_the_catalog_keys_them(text):
    assert fold(text) == name_key(text)


def test_the_capture_package_imports_no_flask_sqlalchemy_models_or_services():
    forbidden = ("flask", "sqlalchemy", "models", "app.services", "app.web", "app.extensions")
    for path in (ROOT / "app" / "capture").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            for module in modules:
                assert not module.startswith(forbidden), f"{path.name} imports {module}"

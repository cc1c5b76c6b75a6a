"""The quick-capture grammar, line by line: what each kind of line means, and where junk is pointed at.

Pure tests: no app, no database.
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
    DecisionLine,
    FlowLine,
    OwnershipLine,
    ParseError,
    RequirementLine,
    StakeholderLine,
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


def texts(names):
    return [n.text for n in names]


# --- flows ----------------------------------------------------------------------------------------


def test_a_flow_line_names_source_target_entities_pattern_and_frequency():
    flow = parsed("Shopify Plus -> Fluent OMS: order, customer via API every 5s", FlowLine)
    assert (flow.source.text, flow.target.text) == ("Shopify Plus", "Fluent OMS")
    assert texts(flow.entities) == ["order", "customer"]
    assert flow.pattern == "api" and flow.via is None and flow.two_way is False
    assert flow.frequency == "every 5 s" and flow.latency_seconds == 5
    assert flow.worst_latency_seconds is None


def test_via_a_name_that_is_not_a_pattern_word_is_the_middleware():
    flow = parsed("Fluent OMS -> SAP S/4: inventory via MuleSoft as event", FlowLine)
    assert flow.via.text == "MuleSoft"
    assert flow.pattern == "event"


def test_middleware_and_pattern_can_both_follow_via_in_either_order():
    flow = parsed("A -> B: order via events via SAP PI", FlowLine)
    assert (flow.pattern, flow.via.text) == ("event", "SAP PI")


def test_a_middleware_whose_name_starts_with_a_pattern_word_is_still_middleware():
    flow = parsed("A -> B: order via Batch Server", FlowLine)
    assert flow.via.text == "Batch Server" and flow.pattern is None


def test_a_middleware_called_exactly_like_a_pattern_word_is_written_in_quotes():
    flow = parsed('A -> B: order via "Batch"', FlowLine)
    assert flow.via.text == "Batch" and flow.pattern is None


@pytest.mark.parametrize(("words", "code"), sorted(PATTERN_WORDS.items()))
def test_every_pattern_word_works_after_via_and_after_as(words, code):
    assert parsed(f"A -> B: order via {words}", FlowLine).pattern == code
    assert parsed(f"A -> B: order as {words.upper()}", FlowLine).pattern == code


def test_as_may_take_an_article():
    assert parsed("A -> B: order as a batch", FlowLine).pattern == "batch"


def test_a_flow_that_does_not_say_its_pattern_leaves_it_unsaid():
    assert parsed("A -> B: order", FlowLine).pattern is None


@pytest.mark.parametrize(("arrow", "two_way"), [("->", False), ("→", False), ("<->", True), ("<>", True), ("↔", True)])
def test_arrows_say_whether_a_flow_is_one_way_or_two_way(arrow, two_way):
    flow = parsed(f"Fluent OMS {arrow} SAP S/4: inventory", FlowLine)
    assert flow.two_way is two_way
    assert (flow.source.text, flow.target.text) == ("Fluent OMS", "SAP S/4")


def test_arrows_need_no_spaces_around_them():
    flow = parsed("Shopify->OMS:order,customer", FlowLine)
    assert (flow.source.text, flow.target.text, texts(flow.entities)) == ("Shopify", "OMS", ["order", "customer"])


@pytest.mark.parametrize(
    ("words", "frequency", "seconds"),
    [
        ("every 5s", "every 5 s", 5),
        ("every 5 s", "every 5 s", 5),
        ("every 15 min", "every 15 min", 900),
        ("every 15m", "every 15 min", 900),
        ("every 2h", "every 2 h", 7200),
        ("every 1.5 hours", "every 1.5 h", 5400),
        ("every 500ms", "every 500 ms", 0.5),
        ("every 2 days", "every 2 d", 172800),
        ("every hour", "every hour", 3600),
        ("every night", "every night", 86400),
        ("hourly", "hourly", 3600),
        ("daily", "daily", 86400),
        ("nightly", "nightly", 86400),
        ("NIGHTLY", "nightly", 86400),
        ("weekly", "weekly", 604800),
    ],
)
def test_a_frequency_sets_the_frequency_text_and_the_typical_latency(words, frequency, seconds):
    flow = parsed(f"A -> B: order as batch {words}", FlowLine)
    assert flow.frequency == frequency
    assert flow.latency_seconds == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("words", "worst"),
    [("worst 1h", 3600), ("worst case 2 h", 7200), ("<= 30s", 30), ("<=30s", 30), ("≤ 1d", 86400)],
)
def test_the_worst_latency_follows_worst_or_less_or_equal(words, worst):
    flow = parsed(f"A -> B: order via API every 5s {words}", FlowLine)
    assert flow.worst_latency_seconds == worst
    assert flow.latency_seconds == 5


def test_latency_sets_the_typical_latency_alone_and_wins_over_the_frequency():
    flow = parsed("A -> B: order as batch nightly latency 2h worst 1d", FlowLine)
    assert flow.frequency == "nightly"
    assert (flow.latency_seconds, flow.worst_latency_seconds) == (7200, 86400)
    assert parsed("A -> B: order latency 200ms", FlowLine).latency_seconds == pytest.approx(0.2)


def test_clauses_may_come_in_any_order():
    flow = parsed("A -> B: order worst 1h every 5 min as event via MuleSoft", FlowLine)
    assert (flow.pattern, flow.via.text, flow.latency_seconds, flow.worst_latency_seconds) == (
        "event",
        "MuleSoft",
        300,
        3600,
    )


def test_names_in_quotes_may_hold_commas_colons_arrows_and_keywords():
    flow = parsed('"Sales, Daily -> hub" -> "DWH: core": "Order lines", "Every sale" nightly', FlowLine)
    assert (flow.source.text, flow.target.text) == ("Sales, Daily -> hub", "DWH: core")
    assert texts(flow.entities) == ["Order lines", "Every sale"]
    assert flow.source.quoted and flow.frequency == "nightly"


def test_spaces_are_tidied_but_the_case_is_kept():
    flow = parsed("   shopify    Plus  ->  Fluent   OMS :  order ", FlowLine)
    assert (flow.source.text, flow.target.text) == ("shopify Plus", "Fluent OMS")


def test_an_entity_named_twice_is_kept_once():
    assert texts(parsed("A -> B: order, Order,  ORDER", FlowLine).entities) == ["order"]


def test_every_name_knows_where_it_stands_in_the_line():
    line = "Shopify Plus -> Fluent OMS: order, customer via MuleSoft"
    flow = parsed(line, FlowLine)
    for name in flow.names:
        assert line[name.start : name.end] == name.text
        assert name.column == name.start + 1


def test_a_system_whose_name_begins_with_req_or_adr_can_still_send_flows():
    assert parsed("REQ Tracker -> Jira: order", FlowLine).source.text == "REQ Tracker"
    assert parsed("ADR Archive -> DWH: order", FlowLine).source.text == "ADR Archive"


# --- ownership ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "system", "role"),
    [
        ("SAP S/4 owns product", "SAP S/4", "sor"),
        ("Fluent OMS is system of record for inventory", "Fluent OMS", "sor"),
        ("Fluent OMS is the system of record of inventory", "Fluent OMS", "sor"),
        ("Fluent OMS is SoR for inventory", "Fluent OMS", "sor"),
        ("Salesforce is authoritative copy for customer", "Salesforce", "authoritative"),
        ("Salesforce is the authoritative copy of customer", "Salesforce", "authoritative"),
        ("Salesforce is authoritative for customer", "Salesforce", "authoritative"),
        ("Data Hub is replica for inventory", "Data Hub", "replica"),
        ("Data Hub is a replica of inventory", "Data Hub", "replica"),
        ("Data Hub replicates inventory", "Data Hub", "replica"),
        ("POS reads price", "POS", "reads"),
        ("Web writes order", "Web", "writes"),
        ("Oasis Is System Of Record For product", "Oasis", "sor"),
    ],
)
def test_ownership_phrases_give_the_role(line, system, role):
    ownership = parsed(line, OwnershipLine)
    assert (ownership.system.text, ownership.role) == (system, role)
    assert len(ownership.entities) == 1


def test_one_ownership_line_can_name_several_entities():
    ownership = parsed('POS reads price, promotion, "Gift card"', OwnershipLine)
    assert texts(ownership.entities) == ["price", "promotion", "Gift card"]


# --- requirements ---------------------------------------------------------------------------------


def test_a_requirement_line_has_a_priority_a_title_a_source_and_channels():
    req = parsed("REQ must: Store stock visible on web within 60s @Dana Ruiz #web #mobile-app", RequirementLine)
    assert req.priority == "must" and req.priority_given
    assert req.title == "Store stock visible on web within 60s"
    assert req.title_column == 11
    assert req.source.text == "Dana Ruiz"
    assert texts(req.channels) == ["web", "mobile-app"]


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("must", "must"),
        ("Should", "should"),
        ("COULD", "could"),
        ("won't", "wont"),
        ("wont", "wont"),
        ("won’t", "wont"),
    ],
)
def test_priorities_are_moscow_words(word, code):
    assert parsed(f"REQ {word}: Stock visible", RequirementLine).priority == code


def test_without_a_priority_a_requirement_is_a_should():
    req = parsed("req: Stock visible", RequirementLine)
    assert (req.priority, req.priority_given, req.title) == ("should", False, "Stock visible")


def test_a_hyphenated_channel_also_matches_its_spaced_name_and_a_quoted_one_is_taken_as_is():
    hyphen, quoted = parsed('REQ: Stock #mobile-app #"call centre"', RequirementLine).channels
    assert hyphen.keys == ("mobile-app", "mobile app")
    assert (quoted.text, quoted.keys) == ("call centre", ("call centre",))


def test_the_source_and_channels_can_come_in_any_order_with_or_without_commas():
    req = parsed("REQ could: Click and collect #store, #web @Lee Chen", RequirementLine)
    assert req.source.text == "Lee Chen" and texts(req.channels) == ["store", "web"]


def test_a_quoted_source_may_hold_a_comma():
    assert parsed('REQ: Stock visible @"Ruiz, Dana" #web', RequirementLine).source.text == "Ruiz, Dana"


def test_at_and_hash_inside_words_belong_to_the_title():
    req = parsed("REQ: Mail ops@acme.example about C# clients", RequirementLine)
    assert req.title == "Mail ops@acme.example about C# clients"
    assert req.source is None and req.channels == ()


# --- decisions ------------------------------------------------------------------------------------


def test_a_decision_line_lists_the_requirements_it_addresses():
    adr = parsed("ADR: Centralise ATP in the OMS -> REQ-3, REQ-5", DecisionLine)
    assert adr.title == "Centralise ATP in the OMS"
    assert [r.ref for r in adr.requirements] == ["REQ-3", "REQ-5"]
    assert adr.requirements[0].column == 35


def test_a_decision_may_address_no_requirement():
    adr = parsed("ADR: Keep the ERP as the price master", DecisionLine)
    assert adr.requirements == ()


def test_refs_ignore_case_commas_and_the_dash_and_are_listed_once():
    adr = parsed("adr: Centralise ATP -> req-3 REQ4, REQ-3", DecisionLine)
    assert [r.number for r in adr.requirements] == [3, 4]


def test_only_the_last_arrow_of_a_decision_introduces_its_requirements():
    adr = parsed("ADR: Route Web -> OMS orders directly -> REQ-2", DecisionLine)
    assert adr.title == "Route Web -> OMS orders directly"
    assert [r.number for r in adr.requirements] == [2]


# --- stakeholders ---------------------------------------------------------------------------------


def test_a_stakeholder_line_gives_name_role_and_team():
    who = parsed("@Dana Ruiz, Head of E-commerce, Digital", StakeholderLine)
    assert (who.name.text, who.role, who.team) == ("Dana Ruiz", "Head of E-commerce", "Digital")


def test_a_stakeholder_needs_only_a_name():
    who = parsed("  @Lee Chen", StakeholderLine)
    assert (who.name.text, who.role, who.team) == ("Lee Chen", "", "")


def test_a_quoted_stakeholder_part_may_hold_a_comma():
    who = parsed('@Dana Ruiz, "Head of E-commerce, EMEA", Digital', StakeholderLine)
    assert (who.role, who.team) == ("Head of E-commerce, EMEA", "Digital")


# --- junk: every refusal says what is wrong and where ---------------------------------------------

JUNK = [
    ("", "Type a line", 1),
    ("    ", "Type a line", 1),
    ("hello world", "Not understood", 1),
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

"""The quick-capture grammar, line by line: what each kind of line means.

Flow, ownership, requirement, decision and stakeholder lines. Pure tests: no app, no database. Refusals,
rewriting and the grammar's agreement with its docs and the models: test_grammar_contract.py.
"""

from __future__ import annotations

import pytest

from app.capture.grammar import (
    PATTERN_WORDS,
    DecisionLine,
    FlowLine,
    OwnershipLine,
    RequirementLine,
    StakeholderLine,
    parse,
)


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

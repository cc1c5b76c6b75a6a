"""The criteria language: what parses, and where the message points when something does not."""

from __future__ import annotations

import pytest

from app.graph.criteria_syntax import CriterionSyntaxError, is_criterion, parse


def test_a_freshness_criterion_parses_to_seconds():
    c = parse("freshness(inventory, web) <= 60s")
    assert (c.function, [n.text for n in c.names], c.op, c.value) == ("freshness", ["inventory", "web"], "<=", 60)


@pytest.mark.parametrize(("text", "seconds"), [
    ("freshness(price, app) < 15min", 900), ("freshness(price, app) < 2 h", 7200),
    ("freshness(price, app) < 1.5h", 5400), ("freshness(price, app) < 1d", 86400),
    ("freshness(price, app) < 3 minutes", 180),
])  # fmt: skip
def test_durations_take_s_min_h_and_d(text, seconds):
    assert parse(text).value == seconds


def test_the_other_functions_parse_with_their_arguments():
    assert [n.text for n in parse("reachable(order, store -> OMS)").names] == ["order", "store", "OMS"]
    assert parse("sor_count(customer) == 1").value == 1
    assert parse("no_pattern(order, manual)").op is None
    assert parse("MAX_HOPS(Price, Mobile app) ≤ 2").names[1].text == "Mobile app"
    assert parse('reachable(order, "Store associate app" → "E-commerce platform")').names[2].text == (
        "E-commerce platform"
    )


def test_a_line_is_a_criterion_when_it_starts_with_a_known_function_or_looks_like_a_call():
    assert is_criterion("  freshness(inventory, web) <= 60s")
    assert is_criterion("Sor_count (customer) == 1")
    assert is_criterion("has_path(order, web -> ERP)")  # a typo is an error to fix, not prose
    assert is_criterion("availability(checkout) >= 99.95%")
    assert not is_criterion("Exactly one system of record for Customer.")
    assert not is_criterion("Stores (all of them) show stock")
    assert not is_criterion("")


def test_an_unknown_function_offers_the_function_meant_or_the_closest_spelling():
    with pytest.raises(CriterionSyntaxError, match="unknown function 'has_path'; did you mean 'reachable'"):
        parse("has_path(order, web -> ERP)")
    with pytest.raises(CriterionSyntaxError, match="did you mean 'freshness'"):
        parse("freshnes(inventory, web) <= 60s")


@pytest.mark.parametrize(("text", "column", "message"), [
    ("freshness(inventory, web) <= 60", 32, "add a unit to 60"),
    ("freshness(inventory, web) <= 60ms", 32, "unknown unit 'ms'"),
    ("freshness(inventory web) <= 60s", 24, "takes 2 argument(s)"),
    ("freshness(inventory, web, store) <= 60s", 27, "takes 2 argument(s)"),
    ("freshness(inventory, web)", 26, "needs a comparison"),
    ("freshness(inventory, web <= 60s", 26, "expected ',' or ')'"),
    ("freshness inventory", 11, "expected '(' after freshness"),
    ("freshness(, web) <= 60s", 11, "expected a name"),
    ("freshness(inventory, web) <= soon", 30, "expected a number"),
    ("freshness(inventory, web) <=", 29, "expected a duration"),
    ("freshness(inventory, web) <= 60s please", 34, "unexpected 'please'"),
    ("sor_count(customer) == 1.5", 24, "expected a whole number"),
    ("sor_count(customer) == 1s", 24, "expected a whole number"),
    ("reachable(order, store -> OMS) == 1", 32, "true or false by itself"),
    ("reachable(order, store)", 18, "expected 'channel -> target'"),
    ("no_pattern(order -> web, manual)", 21, "'->' is not allowed"),
    ('no_pattern("order, manual)', 12, "the quote \" is never closed"),
    ("sor_count(customer) ! 1", 21, "did you mean '!='"),
])  # fmt: skip
def test_a_malformed_criterion_points_at_the_column_of_the_mistake(text, column, message):
    with pytest.raises(CriterionSyntaxError) as err:
        parse(text)
    assert err.value.column == column and message in err.value.message

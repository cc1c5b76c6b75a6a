"""Quick capture's guards against a real engagement, on both databases: look-alikes, unknown names, all or nothing.

Look-alikes wait for a choice, entities must exist, and a line creates everything it shows or nothing at all.
"""

from __future__ import annotations

import pytest

from app.services.catalog import capture as capture
from app.services.catalog import capture_lines
from app.services.catalog import elements as svc
from app.services.catalog.capture import Choices
from app.services.errors import ValidationError
from models import (
    Change,
    DataFlow,
    Decision,
    Element,
    Engagement,
    System,
    TraceLink,
)
from tests.support.capture import FLOW, add_system, by_role, count

# --- look-alikes: offered before anything new is created ------------------------------------------


def test_a_typo_offers_the_catalog_name_and_waits_for_a_choice(session, engagement, user):
    add_system(session, engagement, "Shopify Plus", "ecommerce")
    add_system(session, engagement, "Fluent OMS", "oms")
    line = "Shopfy Plus -> Fluent: order"

    preview = capture.preview(session, engagement, line)

    source, target = preview.items[:2]
    assert (source.label, source.new, [s.name for s in source.suggestions]) == ("Shopfy Plus", True, ["Shopify Plus"])
    assert source.suggestions[0].line == "Shopify Plus -> Fluent: order"
    assert [s.name for s in target.suggestions] == ["Fluent OMS"]
    assert target.suggestions[0].line == "Shopfy Plus -> Fluent OMS: order"
    assert not preview.ready and not preview.has_errors and preview.pending == [source, target]
    with pytest.raises(ValidationError, match="looks like “Shopify Plus”"):
        capture.apply(session, engagement, line, user.id)
    assert count(session, System) == 2 and count(session, DataFlow) == 0


def test_picking_the_suggestions_uses_the_existing_systems(session, engagement, user):
    add_system(session, engagement, "Shopify Plus", "ecommerce")
    add_system(session, engagement, "Fluent OMS", "oms")
    preview = capture.preview(session, engagement, "Shopfy Plus -> Fluent: order")
    line = capture.preview(session, engagement, preview.items[0].suggestions[0].line).items[1].suggestions[0].line

    assert line == "Shopify Plus -> Fluent OMS: order"
    capture.apply(session, engagement, line, user.id)
    assert count(session, System) == 2 and count(session, DataFlow) == 1


def test_confirming_look_alikes_as_new_creates_them(session, engagement, user):
    add_system(session, engagement, "Shopify Plus", "ecommerce")
    add_system(session, engagement, "Fluent OMS", "oms")
    choices = Choices(confirm_new=frozenset({"system:shopfy plus", "system:fluent"}))

    assert capture.preview(session, engagement, "Shopfy Plus -> Fluent: order", choices).ready
    capture.apply(session, engagement, "Shopfy Plus -> Fluent: order", user.id, choices)
    assert count(session, System) == 4


# --- entities and channels must exist -------------------------------------------------------------


def test_an_unknown_entity_is_an_error_with_suggestions_and_nothing_is_created(session, engagement, user):
    preview = capture.preview(session, engagement, "Shopify Plus -> Fluent OMS: ordr")

    entity = by_role(preview, "entity")
    assert entity.error.startswith("No data entity called “ordr”")
    assert [s.name for s in entity.suggestions] == ["Order"]
    assert entity.suggestions[0].line == "Shopify Plus -> Fluent OMS: Order"
    assert preview.has_errors and not preview.ready
    with pytest.raises(ValidationError, match="Column 29: ordr: No data entity"):
        capture.apply(session, engagement, "Shopify Plus -> Fluent OMS: ordr", user.id)
    assert count(session, System) == 0


def test_an_entity_like_nothing_known_says_where_to_add_it(session, engagement):
    entity = by_role(capture.preview(session, engagement, "A -> B: loyalty points"), "entity")
    assert "add it on the Data entities page first" in entity.error


def test_entities_written_without_commas_get_a_hint(session, engagement):
    entity = by_role(capture.preview(session, engagement, "A -> B: order customer"), "entity")
    assert "Separate entities with commas: order, customer." in entity.error


def test_plural_entity_names_find_the_entity_and_the_same_entity_twice_counts_once(session, engagement):
    preview = capture.preview(session, engagement, "A -> B: orders, prices, order")
    assert preview.ready
    assert by_role(preview, "data flow").label == "A → B: Order, Price"


# --- all or nothing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "",
        "hello, world",
        "Shopify Plus -> Fluent OMS",
        "Shopify Plus -> Fluent OMS: order every 5",
        "REQ mus: Stock on web",
        "ADR: Centralise ATP -> OMS",
        "@Dana, Head, Digital, extra",
    ],
)
def test_a_line_that_does_not_parse_creates_nothing(session, engagement, user, line):
    before = count(session, Element)
    with pytest.raises(ValidationError) as raised:
        capture.apply(session, engagement, line, user.id)
    assert raised.value.errors["line"]
    assert count(session, Element) == before
    assert count(session, Change) == 0


def test_a_failure_while_saving_undoes_the_systems_already_created(session, engagement, user, monkeypatch):
    real = capture_lines.save_element

    def refuse_flows(session_, engagement_, kind, data, **kw):
        if kind == "flow":
            raise ValidationError({"__all__": "The flow breaks a rule of the model."})
        return real(session_, engagement_, kind, data, **kw)

    monkeypatch.setattr(capture_lines, "save_element", refuse_flows)
    with pytest.raises(ValidationError, match="breaks a rule"):
        capture.apply(session, engagement, FLOW, user.id)

    assert count(session, System) == 0 and count(session, DataFlow) == 0
    assert count(session, Change) == 0


def test_a_failure_on_the_last_link_undoes_the_decision_and_its_number(session, engagement, user, monkeypatch):
    for title in ("Stock on web", "Click and collect"):
        svc.save_element(session, engagement, "requirement", {"title": title})
    real = capture_lines.add_link
    calls = []

    def fail_second(*args, **kw):
        calls.append(args)
        if len(calls) == 2:
            raise ValidationError({"target_id": "These two are already linked."})
        return real(*args, **kw)

    monkeypatch.setattr(capture_lines, "add_link", fail_second)
    with pytest.raises(ValidationError):
        capture.apply(session, engagement, "ADR: Centralise ATP -> REQ-1, REQ-2", user.id)

    assert count(session, Decision) == 0 and count(session, TraceLink) == 0
    assert session.get(Engagement, engagement.id).next_decision_number == 1


def test_apply_resolves_the_line_again_instead_of_trusting_the_preview(session, engagement, user):
    preview = capture.preview(session, engagement, FLOW)
    assert preview.items[0].new
    add_system(session, engagement, "Shopify Plus", "ecommerce")  # someone else, between preview and confirm

    created = capture.apply(session, engagement, FLOW, user.id)

    assert [e.kind for e in created] == ["system", "flow"]
    assert count(session, System) == 2


def test_an_empty_line_previews_nothing(session, engagement):
    preview = capture.preview(session, engagement, "   ")
    assert preview.empty and preview.items == [] and not preview.ready

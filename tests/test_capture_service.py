"""Quick capture against a real engagement, on both databases: what each kind of line previews and creates.

Look-alikes, entities that must exist and all-or-nothing: test_capture_service_guards.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.catalog import capture as capture
from app.services.catalog import elements as svc
from app.services.catalog.capture import Choices
from app.services.errors import ValidationError
from models import (
    Change,
    DataFlow,
    Decision,
    Engagement,
    Ownership,
    Requirement,
    Stakeholder,
    System,
    TraceLink,
)
from tests.support.capture import FLOW, by_role, count, system

# --- flows ----------------------------------------------------------------------------------------


def test_a_flow_line_previews_new_systems_existing_entities_and_the_flow(session, engagement):
    preview = capture.preview(session, engagement, FLOW)

    assert preview.ready and preview.problems == []
    assert [(i.kind, i.label, i.new) for i in preview.items] == [
        ("system", "Shopify Plus", True),
        ("system", "Fluent OMS", True),
        ("entity", "Order", False),
        ("entity", "Customer", False),
        ("flow", "Shopify Plus → Fluent OMS: Order, Customer", True),
    ]
    assert (by_role(preview, "source system").category, by_role(preview, "target system").category) == (
        "ecommerce",
        "oms",
    )
    details = dict(by_role(preview, "data flow").details)
    assert details["Pattern"] == "API request/response"
    assert details["Frequency"] == "every 5 s" and details["Typical latency"] == "5 s"
    assert details["Scenario"] == "Current state"
    assert preview.creates == "2 systems, 1 data flow"
    assert count(session, System) == 0, "a preview creates nothing"


def test_applying_a_flow_line_creates_the_systems_and_the_flow_in_the_current_state(session, engagement, user):
    created = capture.apply(session, engagement, FLOW, user.id)

    assert [e.kind for e in created] == ["system", "system", "flow"]
    flow = session.scalar(select(DataFlow))
    assert (flow.source.name, flow.target.name) == ("Shopify Plus", "Fluent OMS")
    assert [e.name for e in flow.entities] == ["Order", "Customer"]
    assert (flow.pattern, flow.frequency, flow.latency_seconds, flow.direction) == ("api", "every 5 s", 5, "one_way")
    assert [s.name for s in flow.scenarios] == ["Current state"]
    assert (system(session, "Shopify Plus").category, system(session, "Fluent OMS").category) == ("ecommerce", "oms")
    changes = session.scalars(select(Change).where(Change.action == "create")).all()
    assert {c.user_id for c in changes} == {user.id} and len(changes) == 3


def test_a_second_flow_reuses_systems_named_in_any_case(session, engagement, user):
    capture.apply(session, engagement, FLOW, user.id)
    preview = capture.preview(session, engagement, "fluent oms <-> SHOPIFY PLUS: inventory as event worst 1 min")

    assert [i.new for i in preview.items[:2]] == [False, False]
    capture.apply(session, engagement, "fluent oms <-> SHOPIFY PLUS: inventory as event worst 1 min", user.id)
    assert count(session, System) == 2
    flow = session.scalar(select(DataFlow).where(DataFlow.pattern == "event"))
    assert (flow.direction, flow.worst_latency_seconds, flow.source.name) == ("two_way", 60, "Fluent OMS")


def test_a_flow_via_unknown_middleware_creates_it_as_ipaas_and_routes_through_it(session, engagement, user):
    capture.apply(session, engagement, "Fluent OMS -> SAP S/4: inventory via Data Bridge as event", user.id)

    flow = session.scalar(select(DataFlow))
    assert flow.via.name == "Data Bridge" and flow.via.category == "ipaas"
    assert system(session, "SAP S/4").category == "erp"


def test_a_flow_that_does_not_say_its_pattern_is_api_and_the_preview_says_so(session, engagement):
    preview = capture.preview(session, engagement, "A -> B: order")
    assert "(default" in dict(by_role(preview, "data flow").details)["Pattern"]


def test_a_chosen_category_replaces_the_guess(session, engagement, user):
    choices = Choices(categories={"fluent": "oms", "shopify plus": "not-a-category"})
    preview = capture.preview(session, engagement, "Shopify Plus -> Fluent: order", choices)
    assert (preview.items[0].category, preview.items[1].category) == ("ecommerce", "oms")

    capture.apply(session, engagement, "Shopify Plus -> Fluent: order", user.id, choices)
    assert system(session, "Fluent").category == "oms"


def test_a_flow_between_systems_already_linked_is_flagged_as_a_possible_duplicate(session, engagement, user):
    capture.apply(session, engagement, FLOW, user.id)
    preview = capture.preview(session, engagement, "Fluent OMS -> Shopify Plus: order")
    assert preview.ready
    assert "already run between these two systems" in by_role(preview, "data flow").notes[0]


# --- ownership ------------------------------------------------------------------------------------


def test_an_ownership_line_creates_the_system_and_one_ownership_per_entity(session, engagement, user):
    created = capture.apply(session, engagement, "SAP S/4 owns product, price", user.id)

    assert [e.kind for e in created] == ["system", "ownership", "ownership"]
    rows = session.scalars(select(Ownership).order_by(Ownership.id)).all()
    assert [(o.system.name, o.role, o.entity.name) for o in rows] == [
        ("SAP S/4", "sor", "Product"),
        ("SAP S/4", "sor", "Price"),
    ]
    assert system(session, "SAP S/4").category == "erp"


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("POS reads price", "reads"),
        ("Shopify Plus writes order", "writes"),
        ("Data Hub is replica for inventory", "replica"),
        ("Salesforce is authoritative copy for customer", "authoritative"),
        ("Fluent OMS is system of record for inventory", "sor"),
    ],
)
def test_each_ownership_phrase_records_its_role(session, engagement, user, line, role):
    capture.apply(session, engagement, line, user.id)
    assert session.scalar(select(Ownership.role)) == role


def test_an_ownership_that_exists_already_is_refused_and_nothing_is_created(session, engagement, user):
    capture.apply(session, engagement, "SAP S/4 owns product", user.id)

    preview = capture.preview(session, engagement, "SAP S/4 owns price, product")
    assert [i.error for i in preview.items if i.kind == "ownership"] == [
        None,
        "SAP S/4 is already system of record for Product.",
    ]
    with pytest.raises(ValidationError):
        capture.apply(session, engagement, "SAP S/4 owns price, product", user.id)
    assert count(session, Ownership) == 1


def test_a_second_system_of_record_is_pointed_out_but_allowed(session, engagement, user):
    capture.apply(session, engagement, "SAP S/4 owns product", user.id)
    preview = capture.preview(session, engagement, "PIM owns product")
    assert preview.ready
    assert preview.items[-1].notes == [
        "SAP S/4 is already system of record for Product: two systems of record is worth a question."
    ]


# --- requirements ---------------------------------------------------------------------------------


def test_a_requirement_line_creates_the_requirement_with_its_source_and_channels(session, engagement, user):
    line = "REQ must: Store stock visible on web within 60s @Dana Ruiz #web #mobile-app"
    preview = capture.preview(session, engagement, line)
    assert preview.ready and preview.creates == "1 stakeholder, 1 requirement"
    assert dict(preview.items[-1].details)["Ref"] == "REQ-1"

    capture.apply(session, engagement, line, user.id)

    req = session.scalar(select(Requirement))
    assert (req.ref, req.name, req.priority, req.status) == (
        "REQ-1",
        "Store stock visible on web within 60s",
        "must",
        "draft",
    )
    assert req.source.name == "Dana Ruiz"
    assert [c.name for c in req.channels] == ["Web", "Mobile app"]


def test_a_known_source_stakeholder_is_reused(session, engagement, user):
    svc.save_element(session, engagement, "stakeholder", {"name": "Dana Ruiz"})
    capture.apply(session, engagement, "REQ: Stock on web @dana ruiz", user.id)
    assert count(session, Stakeholder) == 1
    assert session.scalar(select(Requirement)).priority == "should"


def test_an_unknown_channel_is_an_error_with_the_closest_channel(session, engagement, user):
    preview = capture.preview(session, engagement, "REQ: Stock visible #webb #mobile")
    webb, mobile = (i for i in preview.items if i.kind == "channel")
    assert [s.name for s in webb.suggestions] == ["Web"]
    assert mobile.suggestions[0].line == "REQ: Stock visible #webb #Mobile-app"
    with pytest.raises(ValidationError):
        capture.apply(session, engagement, "REQ: Stock visible #webb", user.id)
    assert count(session, Requirement) == 0
    session.refresh(engagement)
    assert engagement.next_requirement_number == 1


def test_a_title_over_the_limit_is_an_error_in_the_preview(session, engagement):
    preview = capture.preview(session, engagement, "REQ: " + "x" * 301)
    assert preview.items[-1].error == "At most 300 characters."


# --- decisions ------------------------------------------------------------------------------------


def test_a_decision_line_creates_a_proposed_decision_addressing_the_requirements(session, engagement, user):
    for title in ("Stock on web", "Click and collect", "Returns in store"):
        svc.save_element(session, engagement, "requirement", {"title": title})

    created = capture.apply(session, engagement, "ADR: Centralise ATP in the OMS -> REQ-1, REQ-3", user.id)

    decision = created[0]
    assert (decision.ref, decision.name, decision.status) == ("ADR-1", "Centralise ATP in the OMS", "proposed")
    links = session.scalars(select(TraceLink).order_by(TraceLink.id)).all()
    assert [(link.kind, link.source.ref, link.target.ref) for link in links] == [
        ("addresses", "REQ-1", "ADR-1"),
        ("addresses", "REQ-3", "ADR-1"),
    ]


def test_a_decision_naming_a_missing_requirement_creates_nothing_and_keeps_the_adr_number(session, engagement, user):
    svc.save_element(session, engagement, "requirement", {"title": "Stock on web"})

    preview = capture.preview(session, engagement, "ADR: Centralise ATP -> REQ-1, REQ-9")
    assert [i.error for i in preview.items] == [None, None, "There is no REQ-9 in this engagement."]
    with pytest.raises(ValidationError, match="REQ-9"):
        capture.apply(session, engagement, "ADR: Centralise ATP -> REQ-1, REQ-9", user.id)
    assert count(session, Decision) == 0 and count(session, TraceLink) == 0
    assert session.get(Engagement, engagement.id).next_decision_number == 1


# --- stakeholders ---------------------------------------------------------------------------------


def test_a_stakeholder_line_creates_the_stakeholder_once(session, engagement, user):
    capture.apply(session, engagement, "@Dana Ruiz, Head of E-commerce, Digital", user.id)
    who = session.scalar(select(Stakeholder))
    assert (who.name, who.role, who.team) == ("Dana Ruiz", "Head of E-commerce", "Digital")

    again = capture.preview(session, engagement, "@dana ruiz")
    assert again.items[0].error == "A stakeholder with this name already exists." and not again.ready


def test_a_stakeholder_like_an_existing_one_must_be_confirmed(session, engagement, user):
    capture.apply(session, engagement, "@Dana Ruiz", user.id)
    preview = capture.preview(session, engagement, "@Dana Ruis, Buyer")
    assert [s.name for s in preview.items[0].suggestions] == ["Dana Ruiz"] and not preview.ready
    choices = Choices(confirm_new=frozenset({"stakeholder:dana ruis"}))
    capture.apply(session, engagement, "@Dana Ruis, Buyer", user.id, choices)
    assert count(session, Stakeholder) == 2

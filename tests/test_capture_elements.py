"""Quick capture of the lines a new user types first: systems, channels and entities by name, requirements with a
type and acceptance criteria, decisions with a status — into the scenario in view, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.catalog import capture
from app.services.catalog.capture import Choices
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import Channel, DataEntity, Decision, Requirement, System, TraceLink
from tests.support.capture import add_system, count, system


def target_of(session, engagement):
    """A second scenario of the engagement, to capture into."""
    return save_scenario(session, engagement, "Target")


def test_system_colon_name_and_category_creates_that_system_with_that_category(session, engagement, user):
    preview = capture.preview(session, engagement, "System: Zendesk (CRM)")

    assert preview.ready, preview.problems
    assert [(i.kind, i.label, i.new, i.category) for i in preview.items] == [("system", "Zendesk", True, "crm")]
    capture.apply(session, engagement, "System: Zendesk (CRM)", user.id)
    assert system(session, "Zendesk").category == "crm"
    assert [s.name for s in system(session, "Zendesk").scenarios] == ["Current state"]


def test_a_bare_name_creates_a_system_and_the_preview_says_how_to_add_other_kinds(session, engagement, user):
    preview = capture.preview(session, engagement, "Salesforce Service Cloud")

    assert preview.ready and preview.items[0].kind == "system"
    assert any("Channel: …" in note for note in preview.items[0].notes)
    capture.apply(session, engagement, "Salesforce Service Cloud", user.id)
    assert system(session, "Salesforce Service Cloud").category == "custom"


def test_channel_and_entity_lines_create_them_one_per_comma(session, engagement, user):
    capture.apply(session, engagement, "Channel: Showroom", user.id)
    capture.apply(session, engagement, "Entity: Delivery slot, Warranty claim", user.id)

    session.expire_all()
    assert session.scalar(select(Channel).where(Channel.name == "Showroom")) is not None
    names = set(session.scalars(select(DataEntity.name)))
    assert {"Delivery slot", "Warranty claim"} <= names


def test_a_name_that_exists_already_is_refused_and_nothing_is_created(session, engagement, user):
    add_system(session, engagement, "Zendesk")
    before = count(session, System)

    preview = capture.preview(session, engagement, "System: zendesk")
    assert not preview.ready
    assert "already exists" in preview.problems[0]
    with pytest.raises(ValidationError):
        capture.apply(session, engagement, "System: zendesk", user.id)
    assert count(session, System) == before


def test_an_unknown_category_names_the_categories_there_are(session, engagement):
    preview = capture.preview(session, engagement, "System: Zendesk (helpdesk)")

    assert not preview.ready
    assert "Unknown category “helpdesk”" in preview.problems[0] and "CRM" in preview.problems[0]


def test_a_system_line_joins_the_scenario_in_view(session, engagement, user):
    target = target_of(session, engagement)

    capture.apply(session, engagement, "System: Zendesk (CRM)", user.id, Choices(scenario_id=target.id))
    assert [s.name for s in system(session, "Zendesk").scenarios] == ["Target"]


def test_a_requirement_line_sets_type_priority_and_acceptance_criteria(session, engagement, user):
    line = "REQ must data: Stock visible on web #web AC: freshness(inventory, web) <= 60s; shown to shoppers"
    preview = capture.preview(session, engagement, line)

    assert preview.ready, preview.problems
    details = dict(preview.items[-1].details)
    assert details["Type"] == "Data" and details["Priority"] == "Must"
    capture.apply(session, engagement, line, user.id)
    requirement = session.scalar(select(Requirement))
    assert (requirement.type, requirement.priority) == ("data", "must")
    assert requirement.acceptance == "freshness(inventory, web) <= 60s\nshown to shoppers"


def test_a_criterion_naming_an_unknown_entity_is_an_error_in_the_preview(session, engagement, user):
    preview = capture.preview(session, engagement, "REQ: Stock on web AC: freshness(unicorn, web) <= 60s")

    assert not preview.ready and "unicorn" in " ".join(preview.problems)
    with pytest.raises(ValidationError):
        capture.apply(session, engagement, "REQ: Stock on web AC: freshness(unicorn, web) <= 60s", user.id)
    assert count(session, Requirement) == 0


def test_a_decision_line_sets_its_status_and_the_scenario_in_view(session, engagement, user):
    target = target_of(session, engagement)
    capture.apply(session, engagement, "REQ: Stock on web", user.id)

    capture.apply(session, engagement, "ADR accepted: Centralise ATP -> REQ-1", user.id, Choices(scenario_id=target.id))
    decision = session.scalar(select(Decision))
    assert (decision.status, decision.scenario_id) == ("accepted", target.id)
    links = session.execute(select(TraceLink.kind, TraceLink.target_id)).all()
    assert links == [("addresses", decision.id)]


def test_a_look_alike_entity_must_be_confirmed_before_it_is_created(session, engagement, user):
    preview = capture.preview(session, engagement, "Entity: Orders list")

    assert preview.pending and not preview.ready
    confirmed = Choices(confirm_new=frozenset({preview.pending[0].confirm_key}))
    capture.apply(session, engagement, "Entity: Orders list", user.id, confirmed)
    assert session.scalar(select(DataEntity).where(DataEntity.name == "Orders list")) is not None

"""A capture line naming a flow the scenario in view already has changes it there, and only there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import load_snapshot
from app.services.catalog import capture
from app.services.catalog.capture import Choices
from app.services.catalog.elements import save_element
from app.services.scenarios import list_scenarios, save_scenario
from models import DataEntity, DataFlow

LINE = "Dynamics AX -> Commerce Cloud: inventory as event every 30s"


@pytest.fixture
def model(session, engagement):
    current = list_scenarios(session, engagement.id)[0]
    inventory = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == engagement.id, DataEntity.name == "Inventory")
    )
    erp = save_element(session, engagement, "system", {"name": "Dynamics AX", "category": "erp"})
    shop = save_element(session, engagement, "system", {"name": "Commerce Cloud", "category": "ecommerce"})
    feed = save_element(session, engagement, "flow", {
        "source_id": erp.id, "target_id": shop.id, "entity_ids": [inventory.id], "pattern": "batch",
        "frequency": "nightly", "latency_seconds": 86400, "worst_latency_seconds": 86400,
    })
    target = save_scenario(session, engagement, "Target", copy_from=current)
    return current, target, feed


def test_the_preview_shows_the_changes_to_the_existing_flow_in_the_scenario_in_view(session, engagement, model):
    _current, target, feed = model
    result = capture.preview(session, engagement, LINE, Choices(scenario_id=target.id))

    flow = result.items[-1]
    assert (flow.new, flow.element_id) == (False, feed.id)
    assert ("Pattern", "Batch file → Event / stream") in flow.details
    assert ("Scenario", "Target") in flow.details
    assert any("in Target only" in note for note in flow.notes)


def test_applying_it_changes_the_flow_in_the_target_and_leaves_the_current_state_alone(session, engagement, model):
    current, target, feed = model
    capture.apply(session, engagement, LINE, None, Choices(scenario_id=target.id))

    assert session.scalar(select(func.count()).select_from(DataFlow)) == 1
    in_target = load_snapshot(session, target).flows[0]
    in_current = load_snapshot(session, current).flows[0]
    assert (in_target.pattern, in_target.latency) == ("event", 30)
    assert (in_current.pattern, in_current.latency) == ("batch", 86400)


def test_a_worst_latency_below_the_new_typical_one_is_refused_and_nothing_changes(session, engagement, model):
    _current, target, _feed = model
    from app.services.errors import ValidationError

    with pytest.raises(ValidationError):
        capture.apply(session, engagement, LINE.replace("every 30s", "every 2d"), None,
                      Choices(scenario_id=target.id))
    session.rollback()
    assert load_snapshot(session, target).flows[0].pattern == "batch"


def test_a_line_that_changes_nothing_says_so(session, engagement, model):
    _current, target, _feed = model
    result = capture.preview(session, engagement, "Dynamics AX -> Commerce Cloud: inventory via batch",
                             Choices(scenario_id=target.id))
    assert any("nothing to change" in note for note in result.items[-1].notes)


def test_other_entities_still_make_a_new_flow(session, engagement, model):
    _current, target, _feed = model
    result = capture.preview(session, engagement, "Dynamics AX -> Commerce Cloud: product",
                             Choices(scenario_id=target.id))
    assert result.items[-1].new

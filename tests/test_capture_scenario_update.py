"""A capture line naming a flow the scenario in view already has changes it there, and only there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import load_snapshot
from app.services.catalog import capture
from app.services.catalog.capture import Choices
from models import DataFlow
from tests.support.scenarios import batch_feed

LINE = "Dynamics AX -> Commerce Cloud: inventory as event every 30s"


@pytest.fixture
def model(session, engagement):
    m = batch_feed(session, engagement, frequency="nightly", worst_latency_seconds=86400)
    return m["current"], m["target"], m["feed"]


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


def test_a_scenario_prefix_writes_the_line_into_that_scenario_whatever_is_in_view(session, engagement, model):
    current, target, _feed = model
    capture.apply(session, engagement, f"[target] {LINE}", None, Choices(scenario_id=current.id))

    assert load_snapshot(session, target).flows[0].pattern == "event"
    assert load_snapshot(session, current).flows[0].pattern == "batch"


def test_an_unknown_scenario_prefix_is_an_error_listing_the_scenarios(session, engagement, model):
    result = capture.preview(session, engagement, f"[Tagret B] {LINE}")

    assert result.error is not None and result.error.column == 1
    assert "Tagret B" in result.error.message and "[Target]" in result.error.message
    assert not result.items


def test_the_prefix_keeps_every_column_of_the_rest_of_the_line():
    from app.capture.grammar import parse, scenario_prefix

    name, rest, start = scenario_prefix("  [Target A]  Shop -> OMS: order")
    assert (name, start) == ("Target A", 2)
    assert len(rest) == len("  [Target A]  Shop -> OMS: order")
    parsed = parse(rest)
    assert parsed.source.start == rest.index("Shop")
    assert scenario_prefix("Shop -> OMS: order") == (None, "Shop -> OMS: order", 0)

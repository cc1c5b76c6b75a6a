"""Scenarios branch: a value changed in one scenario stays in it, unless the user applies it to all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import load_snapshot
from app.services.catalog import scenario_values as sv
from app.services.catalog.elements import delete_element
from app.services.errors import Conflict, ValidationError
from app.services.scenarios import save_scenario
from models import Change, DataEntity, ScenarioValue
from tests.support.scenarios import batch_feed


@pytest.fixture
def model(session, engagement):
    """Current state with a batch inventory feed ERP -> Web shop, and a target copied from it."""
    return batch_feed(session, engagement, worst_latency_seconds=86400)


def _flow(session, scenario, flow_id):
    return next(f for f in load_snapshot(session, scenario).flows if f.id == flow_id)


def test_an_edit_in_the_target_scenario_leaves_the_current_state_untouched(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"],
                        {"pattern": "event", "latency_seconds": 30, "worst_latency_seconds": 30})

    in_target = _flow(session, model["target"], model["feed"].id)
    in_current = _flow(session, model["current"], model["feed"].id)
    assert (in_target.pattern, in_target.latency, in_target.worst_latency) == ("event", 30, 30)
    assert (in_current.pattern, in_current.latency, in_current.worst_latency) == ("batch", 86400, 86400)
    assert sv.values_in(session, model["feed"], model["current"])["pattern"] == "batch"
    assert sv.values_in(session, model["feed"], model["target"])["pattern"] == "event"


def test_applying_an_edit_to_all_scenarios_changes_every_one_and_forgets_their_own_values(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"})
    sv.save_in_scenario(session, engagement, model["feed"], model["current"], {"pattern": "manual"}, scope="all")

    assert _flow(session, model["target"], model["feed"].id).pattern == "manual"
    assert _flow(session, model["current"], model["feed"].id).pattern == "manual"
    assert sv.overrides_of(session, model["target"].id) == {}


def test_setting_a_scenario_back_to_the_shared_value_keeps_nothing_of_its_own(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"})
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "batch"})

    assert sv.overrides_of(session, model["target"].id) == {}


def test_a_scenario_copied_from_another_starts_with_its_values(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"latency_seconds": 60})
    variant = save_scenario(session, engagement, "Target B", copy_from=model["target"])

    assert _flow(session, variant, model["feed"].id).latency == 60
    sv.save_in_scenario(session, engagement, model["feed"], variant, {"latency_seconds": 5})
    assert _flow(session, model["target"], model["feed"].id).latency == 60


def test_lists_of_references_and_system_values_differ_per_scenario(session, engagement, model):
    web = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id,
                                                  DataEntity.name == "Product"))
    sv.save_in_scenario(session, engagement, model["feed"], model["target"],
                        {"entity_ids": [model["inventory"].id, web.id]})
    sv.save_in_scenario(session, engagement, model["erp"], model["target"], {"lifecycle": "retiring"})

    assert _flow(session, model["target"], model["feed"].id).entity_ids == {model["inventory"].id, web.id}
    assert _flow(session, model["current"], model["feed"].id).entity_ids == {model["inventory"].id}
    lifecycle = {s.id: s.lifecycle for s in load_snapshot(session, model["target"]).systems}
    assert lifecycle[model["erp"].id] == "retiring"
    assert {s.id: s.lifecycle for s in load_snapshot(session, model["current"]).systems}[model["erp"].id] == "active"


def test_a_shared_field_changed_in_a_scenario_changes_everywhere(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["erp"], model["target"], {"name": "Dynamics 365"})

    assert {s.name for s in load_snapshot(session, model["current"]).systems} >= {"Dynamics 365"}
    assert sv.overrides_of(session, model["target"].id) == {}


def test_values_cannot_be_given_in_a_scenario_the_object_is_not_in(session, engagement, model):
    empty = save_scenario(session, engagement, "Greenfield")
    with pytest.raises(ValidationError) as err:
        sv.save_in_scenario(session, engagement, model["feed"], empty, {"pattern": "event"})
    assert "not in the scenario 'Greenfield'" in err.value.errors["scenario"][0]
    assert session.scalar(select(func.count()).select_from(ScenarioValue)) == 0


def test_bad_input_is_refused_naming_the_field_and_saves_nothing(session, engagement, model):
    with pytest.raises(ValidationError) as err:
        sv.save_in_scenario(session, engagement, model["feed"], model["target"],
                            {"pattern": "carrier pigeon", "latency_seconds": 5})
    assert "pattern" in err.value.errors
    session.rollback()
    assert sv.overrides_of(session, model["target"].id) == {}
    with pytest.raises(ValidationError):
        sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"}, scope="some")


def test_an_edit_in_another_scenario_is_no_conflict_but_a_stale_one_in_the_same_scenario_is(
        session, engagement, model):
    token_current = sv.version_in(session, model["feed"], model["current"])
    token_target = sv.version_in(session, model["feed"], model["target"])
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"},
                        version=token_target)

    sv.save_in_scenario(session, engagement, model["feed"], model["current"], {"frequency": "nightly"},
                        version=token_current)
    with pytest.raises(Conflict):
        sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "api"},
                            version=token_target)


def test_a_change_of_the_shared_values_conflicts_with_an_edit_started_in_any_scenario(session, engagement, model):
    token_target = sv.version_in(session, model["feed"], model["target"])
    sv.save_in_scenario(session, engagement, model["feed"], model["current"], {"pattern": "api"}, scope="all")

    with pytest.raises(Conflict):
        sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"},
                            version=token_target)


def test_history_records_the_scenario_an_edit_applied_to(session, engagement, model, user):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"}, user_id=user.id)

    change = session.scalars(select(Change).where(Change.element_id == model["feed"].id).order_by(Change.id)).all()[-1]
    assert change.scenario_id == model["target"].id
    assert (change.before["pattern"], change.after["pattern"]) == ("batch", "event")


def test_deleting_the_object_or_the_scenario_takes_its_values_with_it(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"})
    sv.save_in_scenario(session, engagement, model["erp"], model["target"], {"lifecycle": "retiring"})
    delete_element(session, engagement, model["feed"])
    assert set(sv.overrides_of(session, model["target"].id)) == {model["erp"].id}

    from app.services.scenarios import delete_scenario

    delete_scenario(session, engagement, model["target"])
    assert session.scalar(select(func.count()).select_from(ScenarioValue)) == 0


def test_the_model_rules_hold_for_the_object_as_the_scenario_sees_it(session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"latency_seconds": 30,
                                                                              "worst_latency_seconds": 60})
    with pytest.raises(ValidationError) as err:
        sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"worst_latency_seconds": 10})
    assert "worst_latency_seconds" in err.value.errors
    with pytest.raises(ValidationError) as err:
        sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"via_id": model["erp"].id})
    assert "via_id" in err.value.errors

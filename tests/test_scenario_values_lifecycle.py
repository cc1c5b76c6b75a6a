"""Values a scenario holds of its own survive what users do to the model: backups, deletes, undo and revert."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from app.services.analysis.scenario import load_snapshot
from app.services.bundle.transfer import export_bundle, import_bundle
from app.services.catalog import scenario_values as sv
from app.services.catalog.elements import delete_element, history_of, save_element
from app.services.catalog.history import revert, undo_delete
from app.services.errors import ValidationError
from app.services.scenarios import list_scenarios, save_scenario
from models import Change, DataEntity


@pytest.fixture
def model(session, engagement):
    """Current state: ERP -> shop inventory batch feed through an iPaaS; a target copied from it."""
    current = list_scenarios(session, engagement.id)[0]
    inventory = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == engagement.id, DataEntity.name == "Inventory")
    )
    erp = save_element(session, engagement, "system", {"name": "Dynamics AX", "category": "erp"})
    shop = save_element(session, engagement, "system", {"name": "Commerce Cloud", "category": "ecommerce"})
    ipaas = save_element(session, engagement, "system", {"name": "MuleSoft", "category": "ipaas"})
    owner = save_element(session, engagement, "stakeholder", {"name": "Dana Ruiz"})
    feed = save_element(session, engagement, "flow", {
        "source_id": erp.id, "target_id": shop.id, "entity_ids": [inventory.id], "pattern": "batch",
        "latency_seconds": 86400,
    })
    target = save_scenario(session, engagement, "Target", copy_from=current)
    sv.save_in_scenario(session, engagement, feed, target, {"pattern": "event", "via_id": ipaas.id,
                                                            "latency_seconds": 30})
    sv.save_in_scenario(session, engagement, erp, target, {"lifecycle": "retiring", "owner_id": owner.id})
    return {"current": current, "target": target, "erp": erp, "shop": shop, "ipaas": ipaas, "owner": owner,
            "feed": feed}


def _by_name(snapshot):
    return {s.name: s for s in snapshot.systems}


def test_a_backup_restores_every_value_a_scenario_holds_of_its_own(session, engagement, model, user):
    document = export_bundle(session, engagement)
    assert {e["scenario"] for e in document["scenario_values"]} == {"scenario-2"}

    restored = import_bundle(session, copy.deepcopy(document), owner=user)

    current, target = list_scenarios(session, restored.id)
    flow = load_snapshot(session, target).flows[0]
    assert (flow.pattern, flow.latency) == ("event", 30)
    assert _by_name(load_snapshot(session, target))["Dynamics AX"].lifecycle == "retiring"
    assert load_snapshot(session, current).flows[0].pattern == "batch"
    assert export_bundle(session, restored)["scenario_values"] == document["scenario_values"]


def test_a_bundle_with_a_bad_scenario_value_names_the_place_and_imports_nothing(session, engagement, model, user):
    from models import Engagement

    document = export_bundle(session, engagement)
    before = len(session.scalars(select(Engagement)).all())
    bad = copy.deepcopy(document)
    bad["scenario_values"][0]["values"]["name"] = "Renamed"
    with pytest.raises(ValidationError) as err:
        import_bundle(session, bad, owner=user)
    assert any(".values.name" in key for key in err.value.errors)
    bad = copy.deepcopy(document)
    entry = next(e for e in bad["scenario_values"] if "pattern" in e["values"])
    entry["values"]["pattern"] = "carrier pigeon"
    with pytest.raises(ValidationError) as err:
        import_bundle(session, bad, owner=user)
    assert any(key.endswith(".values.pattern") for key in err.value.errors)
    assert len(session.scalars(select(Engagement)).all()) == before


def test_deleting_an_object_a_scenario_points_at_drops_the_reference_there_too(session, engagement, model):
    delete_element(session, engagement, model["ipaas"])

    flow = load_snapshot(session, model["target"]).flows[0]
    assert flow.via is None and flow.pattern == "event"


def test_undoing_a_delete_brings_back_the_values_the_object_held_per_scenario(session, engagement, model, user):
    change = delete_element(session, engagement, model["erp"], user_id=user.id)
    undo_delete(session, engagement, change.id, user_id=user.id)

    assert _by_name(load_snapshot(session, model["target"]))["Dynamics AX"].lifecycle == "retiring"
    assert _by_name(load_snapshot(session, model["current"]))["Dynamics AX"].lifecycle == "active"
    restored_flow = load_snapshot(session, model["target"]).flows[0]
    assert restored_flow.pattern == "event"


def test_reverting_a_change_made_in_a_scenario_reverts_it_there_only(session, engagement, model, user):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "webhook"}, user_id=user.id)
    earlier = next(c for c in history_of(session, engagement.id, model["feed"].id)
                   if c.scenario_id == model["target"].id and c.after["pattern"] == "event")

    revert(session, engagement, earlier.id, version=model["feed"].version, user_id=user.id)

    assert load_snapshot(session, model["target"]).flows[0].pattern == "event"
    assert load_snapshot(session, model["current"]).flows[0].pattern == "batch"
    last = session.scalars(select(Change).order_by(Change.id.desc())).first()
    assert last.scenario_id == model["target"].id


def test_the_history_page_says_which_scenario_a_change_applied_to(browser, session, engagement, model, user):
    page = browser.get(f"/e/{engagement.id}/history").get_data(as_text=True)
    assert "in Target" in page


def test_the_client_report_lists_each_scenarios_own_values(session, engagement, model):
    from app.services.reports.sections import integrations_table, systems_table

    target_flows, _ = integrations_table(session, model["target"])
    current_flows, _ = integrations_table(session, model["current"])
    assert [(r[2], r[4], r[5]) for r in target_flows.rows] == [("Event / stream", "30 s", "MuleSoft")]
    assert [(r[2], r[5]) for r in current_flows.rows] == [("Batch file", "—")]
    lifecycles = {r[0]: (r[4], r[5]) for r in systems_table(session, model["target"]).rows}
    assert lifecycles["Dynamics AX"] == ("Retiring", "Dana Ruiz")
    assert {r[0]: r[4] for r in systems_table(session, model["current"]).rows}["Dynamics AX"] == "Active"


def test_an_archimate_export_of_one_scenario_carries_that_scenarios_values(session, engagement, model):
    from app.services.interchange.archimate_export import export_archimate

    target = export_archimate(session, engagement, model["target"].id).decode()
    current = export_archimate(session, engagement, model["current"].id).decode()
    assert "Event / stream" in target and "Batch file" not in target
    assert "Batch file" in current and "Event / stream" not in current
    assert "Retiring" in target and "Retiring" not in current

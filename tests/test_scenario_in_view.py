"""The scenario in view: pages show the values a scenario holds of its own and edits write into it, so a change
made while looking at the target never changes the current state (issue 14)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.catalog import ownership_matrix as ownership_matrix
from app.services.catalog import scenario_values as sv
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from app.services.scenarios import list_scenarios, save_scenario
from models import DataFlow, Ownership, System
from tests.support.scenarios import batch_feed
from tests.test_query_counts import _grow, assert_same_statements_after


@pytest.fixture
def model(session, engagement):
    """Current state with a batch inventory feed ERP -> web shop, and a target copied from it."""
    return batch_feed(session, engagement)


def _row(browser, engagement, flow, scenario) -> str:
    resp = browser.get(f"/e/{engagement.id}/flows/{flow.id}/row?scenario={scenario.id}", htmx=True)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _edit_inline(browser, engagement, flow, scenario, version, scope="scenario", **values):
    data = {"_inline": "1", "pattern": "batch", "direction": "one_way", "latency_seconds": "86400",
            "worst_latency_seconds": "", "via_id": "", "version": str(version), "scenario": str(scenario.id),
            "scope": scope, **values}
    return browser.post(f"/e/{engagement.id}/flows/{flow.id}/edit", data=data, htmx=True)


def test_a_pattern_edited_inline_in_the_target_leaves_the_current_states_list_showing_the_old_one(
        browser, session, engagement, model):
    feed, target, current = model["feed"], model["target"], model["current"]

    resp = _edit_inline(browser, engagement, feed, target, sv.version_in(session, feed, target), pattern="event")

    assert resp.status_code == 200 and "Event / stream" in resp.get_data(as_text=True)
    assert "in this scenario" in resp.get_data(as_text=True)
    current_list = browser.get(f"/e/{engagement.id}/flows?scenario={current.id}", htmx=True).get_data(as_text=True)
    assert "Batch file" in current_list and "Event / stream" not in current_list
    target_list = browser.get(f"/e/{engagement.id}/flows?scenario={target.id}", htmx=True).get_data(as_text=True)
    assert "Event / stream" in target_list and "Batch file" not in target_list
    assert session.get(DataFlow, feed.id).pattern == "batch"


def test_an_edit_saved_in_all_scenarios_changes_both(browser, session, engagement, model):
    feed, target, current = model["feed"], model["target"], model["current"]

    resp = _edit_inline(browser, engagement, feed, target, sv.version_in(session, feed, target), scope="all",
                        pattern="api")

    assert resp.status_code == 200
    assert "API request/response" in _row(browser, engagement, feed, current)
    assert "API request/response" in _row(browser, engagement, feed, target)
    assert sv.overrides_of(session, target.id) == {}


def test_a_stale_version_in_the_same_scenario_is_a_conflict_showing_both_values(browser, session, engagement, model):
    feed, target = model["feed"], model["target"]
    seen = sv.version_in(session, feed, target)
    assert _edit_inline(browser, engagement, feed, target, seen, pattern="event").status_code == 200

    resp = _edit_inline(browser, engagement, feed, target, seen, pattern="manual")

    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Saved meanwhile: Event / stream" in html and 'selected value="manual"' in html
    assert sv.values_in(session, feed, target)["pattern"] == "event"


def test_an_edit_in_another_scenario_meanwhile_is_no_conflict(browser, session, engagement, model):
    feed, target, current = model["feed"], model["target"], model["current"]
    seen_in_current = sv.version_in(session, feed, current)
    assert _edit_inline(browser, engagement, feed, target, sv.version_in(session, feed, target),
                        pattern="event").status_code == 200

    resp = _edit_inline(browser, engagement, feed, current, seen_in_current, latency_seconds="3600")

    assert resp.status_code == 200
    assert sv.values_in(session, feed, current)["latency_seconds"] == 3600
    assert sv.values_in(session, feed, target)["pattern"] == "event"


def test_the_full_form_offers_this_scenario_or_all_and_saves_into_the_scenario_in_view(
        browser, session, engagement, model):
    erp, target, current = model["erp"], model["target"], model["current"]
    form = browser.get(f"/e/{engagement.id}/systems/{erp.id}/edit?scenario={target.id}").get_data(as_text=True)
    assert "This scenario only (Target)" in form and "All scenarios" in form

    data = {"name": "Dynamics AX", "category": "erp", "vendor": "Microsoft", "hosting": "saas", "notes": "Core ERP",
            "lifecycle": "retiring", "version": sv.version_in(session, erp, target), "scenario": target.id,
            "scope": "scenario", "scenario_ids": [current.id, target.id]}
    resp = browser.post(f"/e/{engagement.id}/systems/{erp.id}/edit", data=data)

    assert resp.status_code == 302
    assert sv.values_in(session, erp, target)["lifecycle"] == "retiring"
    assert sv.values_in(session, erp, current)["lifecycle"] == "active"
    assert (sv.values_in(session, erp, target)["vendor"], sv.values_in(session, erp, current)["vendor"]) == (
        "Microsoft", "")
    assert sv.values_in(session, erp, current)["notes"] == "Core ERP"  # notes are shared by every scenario
    detail = browser.get(f"/e/{engagement.id}/systems/{erp.id}?scenario={target.id}").get_data(as_text=True)
    assert "Values as in <strong>Target</strong>" in detail and "in this scenario" in detail


def test_the_scenario_in_view_is_remembered_per_engagement(browser, engagement, model):
    browser.get(f"/e/{engagement.id}/flows?scenario={model['target'].id}")

    page = browser.get(f"/e/{engagement.id}/systems").get_data(as_text=True)

    assert f'<option value="{model["target"].id}" selected>Target</option>' in page
    assert "Values as in <strong>Target</strong>" in page


def test_another_engagements_scenario_in_the_url_never_shows(browser, session, engagement, model, make_user):
    other = create_engagement(session, "Globex", client="Globex", owner=make_user(email="o@example.com"))
    secret = save_scenario(session, other, "Globex secret merger",
                           copy_from=list_scenarios(session, other.id)[0])

    resp = browser.get(f"/e/{engagement.id}/flows?scenario={secret.id}")

    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Globex secret merger" not in html and "Values as in <strong>Current state</strong>" in html
    later = browser.get(f"/e/{engagement.id}/flows").get_data(as_text=True)
    assert "Globex secret merger" not in later


def test_a_flow_created_while_viewing_the_target_is_a_member_of_the_target_only(browser, session, engagement, model):
    form = browser.get(f"/e/{engagement.id}/flows/new?scenario={model['target'].id}").get_data(as_text=True)
    assert f'<option selected value="{model["target"].id}">' in form

    data = {"source_id": model["shop"].id, "target_id": model["erp"].id, "entity_ids": [model["inventory"].id],
            "pattern": "event", "direction": "one_way", "scenario": model["target"].id}
    resp = browser.post(f"/e/{engagement.id}/flows/new", data=data)

    assert resp.status_code == 302
    flow = session.scalar(select(DataFlow).where(DataFlow.source_id == model["shop"].id))
    assert [s.name for s in flow.scenarios] == ["Target"]


def test_a_system_added_in_the_list_row_while_viewing_the_target_joins_the_target(
        browser, session, engagement, model):
    data = {"_inline": "1", "name": "Fluent OMS", "category": "oms", "vendor": "", "lifecycle": "planned",
            "owner_id": "", "scenario": model["target"].id}

    resp = browser.post(f"/e/{engagement.id}/systems/new", data=data, htmx=True)

    assert resp.status_code == 200
    system = session.scalar(select(System).where(System.name == "Fluent OMS"))
    assert [s.name for s in system.scenarios] == ["Target"]


def test_filters_and_sorting_use_the_values_in_view(browser, session, engagement, model):
    sv.save_in_scenario(session, engagement, model["feed"], model["target"], {"pattern": "event"})
    base = f"/e/{engagement.id}/flows"

    in_target = browser.get(f"{base}?scenario={model['target'].id}&pattern=event", htmx=True).get_data(as_text=True)
    in_current = browser.get(f"{base}?scenario={model['current'].id}&pattern=event", htmx=True).get_data(as_text=True)

    assert f"flow-{model['feed'].id}-row" in in_target
    assert f"flow-{model['feed'].id}-row" not in in_current
    for sort in ("pattern", "latency_seconds"):
        assert browser.get(f"{base}?scenario={model['target'].id}&sort={sort}", htmx=True).status_code == 200


def test_the_ownership_matrix_shows_the_role_a_scenario_holds_of_its_own(browser, session, engagement, model):
    ownership_matrix.set_cell(session, engagement, model["current"], model["erp"].id, model["inventory"].id, "sor")
    ownership_matrix.set_cell(session, engagement, model["target"], model["erp"].id, model["inventory"].id, "sor")
    cell = next(o for o in ownership_matrix.build(session, engagement, model["target"]).cells.values())[0]
    sv.save_in_scenario(session, engagement, session.get(Ownership, cell.id), model["target"], {"role": "replica"})

    target = ownership_matrix.build(session, engagement, model["target"])
    current = ownership_matrix.build(session, engagement, model["current"])

    assert target.roles(model["inventory"].id, model["erp"].id) == ["replica"]
    assert current.roles(model["inventory"].id, model["erp"].id) == ["sor"]
    page = browser.get(f"/e/{engagement.id}/ownership-matrix?scenario={model['target'].id}").get_data(as_text=True)
    assert 'value="replica" selected' in page


def test_quick_capture_adds_a_flow_to_the_scenario_in_view(browser, session, engagement, model):
    resp = browser.post(f"/e/{engagement.id}/capture", data={
        "line": "Commerce Cloud -> Dynamics AX: inventory as event",
        "previewed": "Commerce Cloud -> Dynamics AX: inventory as event", "scenario": model["target"].id}, htmx=True)

    assert resp.status_code == 200
    flow = session.scalar(select(DataFlow).where(DataFlow.source_id == model["shop"].id))
    assert flow is not None and [s.name for s in flow.scenarios] == ["Target"]


def test_a_list_with_a_scenarios_own_values_runs_the_same_number_of_queries_for_5_and_15_rows(
        browser, session, engagement, engine, model):
    def grow(n, offset):
        _grow(session, engagement, n, offset)
        for flow in session.scalars(select(DataFlow).where(DataFlow.engagement_id == engagement.id)):
            if model["target"] not in flow.scenarios:
                save_element(session, engagement, "flow", {"scenario_ids": [model["current"].id, model["target"].id]},
                             flow, partial=True)
            sv.save_in_scenario(session, engagement, flow, model["target"], {"pattern": "event"})

    grow(5, 0)
    url = f"/e/{engagement.id}/flows?scenario={model['target'].id}"
    assert_same_statements_after(browser, engine, url, lambda: grow(10, 100))

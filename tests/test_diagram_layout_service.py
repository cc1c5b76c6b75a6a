"""Remembered diagram layouts on the demo engagement: the service keeps positions through edits and stores
them in the engagement's settings, pins survive a re-layout, another scenario's or engagement's layout is
never read, and the layout page and its forms answer bad input with a clear 4xx."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.analysis import diagram_layout as layouts
from app.services.analysis import scenario as analysis
from app.services.analysis.diagrams import DiagramRequest
from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.errors import ValidationError
from app.services.scenarios import list_scenarios
from exports.diagrams.layout import Remembered, as_drawn, movement
from exports.graphviz_render import layout_json
from models import DataEntity, Engagement, System

LANDSCAPE = DiagramRequest("landscape")


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def named(session, model, engagement, name):
    return session.scalar(select(model).where(model.engagement_id == engagement.id, model.name == name))


def add_flow(session, engagement, source="Snowflake", target="Bleckmann 3PL"):
    inventory = named(session, DataEntity, engagement, "Inventory")
    return save_element(session, engagement, "flow", {
        "source_id": named(session, System, engagement, source).id,
        "target_id": named(session, System, engagement, target).id,
        "entity_ids": [inventory.id], "pattern": "api"})


def seen(drawing) -> dict:
    """Where Graphviz draws each node, from the picture's top-left corner."""
    return as_drawn(layout_json(drawing.source), drawing.laid.figure)


def stored(session, engagement) -> dict:
    session.commit()
    return (session.get(Engagement, engagement.id).settings or {}).get(layouts.LAYOUTS, {})


def key(session, engagement, kind="landscape/category", scenario=None):
    scenario = scenario or analysis.find_scenario(session, engagement)
    return f"{scenario.id}/{kind}"


def test_the_first_drawing_is_remembered_and_a_flow_added_later_moves_no_node(session, demo):
    first = layouts.draw(session, demo, LANDSCAPE)
    assert first.laid.fresh and key(session, demo) in stored(session, demo)
    add_flow(session, demo)
    second = layouts.draw(session, demo, LANDSCAPE)
    assert not second.laid.fresh
    moved = movement(seen(first), seen(second))
    assert moved.compared == 16 and moved.moved == 0 and moved.largest <= 1.0


def test_a_new_system_is_placed_and_remembered_with_the_others(session, demo):
    first = layouts.draw(session, demo, LANDSCAPE)
    system = save_element(session, demo, "system", {"name": "Fluent Order Management", "category": "oms"})
    order = named(session, DataEntity, demo, "Order")
    save_element(session, demo, "flow", {"source_id": system.id, "entity_ids": [order.id],
                                         "target_id": named(session, System, demo, "SAP ECC").id, "pattern": "api"})
    second = layouts.draw(session, demo, LANDSCAPE)
    assert second.laid.placed == (f"s{system.id}",)
    assert f"s{system.id}" in stored(session, demo)[key(session, demo)]["positions"]
    assert movement(seen(first), seen(second)).moved == 0


def test_the_inventory_view_keeps_its_layout_too(session, demo):
    request = DiagramRequest("entity", entity="Inventory")
    first = layouts.draw(session, demo, request)
    add_flow(session, demo, "Talon.One", "Salesforce Service Cloud")  # two new holders of Inventory
    second = layouts.draw(session, demo, request)
    holders = {f"s{named(session, System, demo, name).id}" for name in ("Talon.One", "Salesforce Service Cloud")}
    assert holders <= set(second.laid.placed)  # with the channel the service cloud serves
    assert movement(seen(first), seen(second)).moved == 0


def test_pins_survive_a_re_layout(session, demo):
    layouts.draw(session, demo, LANDSCAPE)
    erp = f"s{named(session, System, demo, 'SAP ECC').id}"
    assert next(n for n in layouts.pin(session, demo, LANDSCAPE, erp).nodes if n.ident == erp).pinned
    pinned_at = stored(session, demo)[key(session, demo)]["positions"][erp]
    after = layouts.relayout(session, demo, LANDSCAPE)
    assert after.stored and stored(session, demo)[key(session, demo)]["frame"] is None
    add_flow(session, demo)
    redrawn = layouts.draw(session, demo, LANDSCAPE)
    assert redrawn.laid.fresh and list(redrawn.laid.positions[erp]) == pinned_at
    entry = stored(session, demo)[key(session, demo)]
    assert entry["pins"] == [erp] and entry["positions"][erp] == pinned_at and len(entry["positions"]) == 16


def test_unpinning_releases_the_node(session, demo):
    erp = f"s{named(session, System, demo, 'SAP ECC').id}"
    layouts.pin(session, demo, LANDSCAPE, erp)
    state = layouts.pin(session, demo, LANDSCAPE, erp, pinned=False)
    assert not any(n.pinned for n in state.nodes) and stored(session, demo)[key(session, demo)]["pins"] == []


def far_away(session, engagement) -> dict:
    """A layout no engine would draw: every system in a row far to the top right."""
    systems = analysis.analyse(session, engagement).snapshot.systems
    return {f"s{s.id}": (4000.0 + 150 * i, 4000.0) for i, s in enumerate(systems)}


def plant(session, engagement, at_key, positions):
    """Store a layout by hand, as the service would, so that reading it (or not) shows in the drawing."""
    scenario = analysis.find_scenario(session, engagement)
    engagement.settings = {**(engagement.settings or {}), layouts.LAYOUTS: {at_key: {
        **Remembered(positions, frozenset(), (0.0, 5000.0)).to_doc(),
        "scenario_created": scenario.created_at.isoformat(), "seq": 1}}}
    session.commit()


def test_a_layout_is_read_for_its_own_scenario_and_engagement_only(session, demo, user):
    far = far_away(session, demo)
    plant(session, demo, key(session, demo), far)
    assert layouts.draw(session, demo, LANDSCAPE).laid.positions == far  # the planted layout is used where it belongs
    target = list_scenarios(session, demo.id)[1]
    plant(session, demo, key(session, demo, scenario=target), far)  # filed under another scenario
    assert not set(far.items()) & set(layouts.draw(session, demo, LANDSCAPE).laid.positions.items())
    other = load_demo(session, owner=user)
    plant(session, demo, f"{analysis.find_scenario(session, other).id}/landscape/category", far)  # in another
    drawn = layouts.draw(session, other, LANDSCAPE)  # engagement's settings, under this engagement's key
    assert drawn.laid.fresh and not any(p[1] == 4000.0 for p in drawn.laid.positions.values())


def test_a_layout_left_by_a_deleted_scenario_of_the_same_id_is_not_read(session, demo):
    far = far_away(session, demo)
    plant(session, demo, key(session, demo), far)
    settings = dict(demo.settings)
    settings[layouts.LAYOUTS] = {k: {**v, "scenario_created": "1999-01-01T00:00:00"}
                                 for k, v in settings[layouts.LAYOUTS].items()}
    demo.settings = settings
    session.commit()
    assert layouts.draw(session, demo, LANDSCAPE).laid.fresh


def test_storing_a_layout_keeps_the_rule_settings_and_old_layouts_make_way(session, demo, monkeypatch):
    analysis.set_rule(session, demo, "sor.multiple", enabled=False)
    monkeypatch.setattr(layouts, "MAX_LAYOUTS", 2)
    price = named(session, DataEntity, demo, "Price")
    by_channel, prices = DiagramRequest("landscape", cluster="channel"), DiagramRequest("entity", entity="Price")
    for request in (LANDSCAPE, by_channel, prices):
        layouts.draw(session, demo, request)
    session.commit()
    settings = session.get(Engagement, demo.id).settings
    assert settings["rules"]["sor.multiple"]["enabled"] is False
    newest = [key(session, demo, "landscape/channel"), key(session, demo, f"entity/{price.id}")]
    assert sorted(settings[layouts.LAYOUTS]) == sorted(newest)


def test_bad_pins_are_refused_clearly(session, demo):
    with pytest.raises(ValidationError, match="No node 's999999'"):
        layouts.pin(session, demo, LANDSCAPE, "s999999")
    with pytest.raises(ValidationError, match="Only landscape and entity diagrams keep a layout"):
        layouts.pin(session, demo, DiagramRequest("impact", system="SAP ECC"), "s1")


def test_impact_and_diff_diagrams_are_drawn_afresh_and_not_stored(session, demo):
    drawing = layouts.draw(session, demo, DiagramRequest("impact", system="SAP ECC"))
    assert drawing.laid is None and drawing.source == drawing.diagram.dot and not stored(session, demo)


# --- the layout page and its forms ------------------------------------------------------------------------------


def test_the_layout_page_lists_the_nodes_and_a_pin_swaps_the_panel(browser, session, demo):
    base = f"/e/{demo.id}/analysis/diagram/layout"
    overview = browser.get(f"/e/{demo.id}/analysis").get_data(as_text=True)
    assert "/analysis/diagram/layout?" in overview and "Layout and pins" in overview
    html = browser.get(f"{base}?kind=landscape&cluster=category").get_data(as_text=True)
    assert "SAP ECC" in html and ">Re-layout</button>" in html and "Pin SAP ECC" in html
    erp = f"s{named(session, System, demo, 'SAP ECC').id}"
    resp = browser.post(f"{base}/pin", data={"kind": "landscape", "cluster": "category", "node": erp}, htmx=True)
    assert resp.status_code == 200 and 'id="layout-panel"' in resp.get_data(as_text=True)
    assert "Unpin SAP ECC" in resp.get_data(as_text=True)
    resp = browser.post(f"{base}/relayout", data={"kind": "landscape", "cluster": "category"})
    assert resp.status_code == 302 and "/analysis/diagram/layout?" in resp.headers["Location"]
    assert stored(session, demo)[key(session, demo)]["pins"] == [erp]
    svg = browser.get(f"/e/{demo.id}/analysis/diagram.svg?kind=landscape&cluster=category")
    assert svg.status_code == 200 and b"SAP ECC" in svg.data
    assert stored(session, demo)[key(session, demo)]["frame"] is not None  # the GET laid it out and stored it


def test_bad_layout_requests_get_a_clear_4xx(browser, demo):
    base = f"/e/{demo.id}/analysis/diagram/layout"
    unknown = browser.post(f"{base}/pin", data={"kind": "landscape", "node": "s999999"})
    assert unknown.status_code == 422 and "No node" in unknown.get_data(as_text=True)
    fragment = browser.post(f"{base}/pin", data={"kind": "landscape", "node": "<script>"}, htmx=True)
    assert fragment.status_code == 422 and "<script>" not in fragment.get_data(as_text=True)
    assert browser.post(f"{base}/pin", data={"kind": "impact", "system": "SAP ECC", "node": "s1"}).status_code == 422
    assert browser.post(f"{base}/relayout", data={"kind": "landscape", "scenario": "999999"}).status_code == 404
    assert browser.get(f"{base}?kind=entity").status_code == 422
    assert browser.post(f"{base}/pin", data={"kind": "landscape", "node": "s1"}, csrf=False).status_code == 400


def test_readers_see_the_layout_but_cannot_pin_or_re_layout(make_browser, make_user, session, demo):
    reader = make_user(email="viewer@example.com", name="Viewer")
    set_membership(session, demo, reader.email, "viewer")
    b = make_browser(reader)
    html = b.get(f"/e/{demo.id}/analysis/diagram/layout?kind=landscape").get_data(as_text=True)
    assert "SAP ECC" in html and "Re-layout</button>" not in html and "Pin SAP ECC" not in html
    erp = f"s{named(session, System, demo, 'SAP ECC').id}"
    pin = b.post(f"/e/{demo.id}/analysis/diagram/layout/pin", data={"kind": "landscape", "node": erp})
    assert pin.status_code == 403


def test_the_command_line_can_ask_for_a_fresh_layout(app, session, demo, tmp_path):
    session.commit()
    out = tmp_path / "landscape.svg"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["diagram", str(demo.id), "--kind", "landscape", "-o", str(out)]).exit_code == 0
    result = runner.invoke(args=["diagram", str(demo.id), "--kind", "landscape", "--relayout", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert b"SAP ECC" in out.read_bytes() and key(session, demo) in stored(session, demo)

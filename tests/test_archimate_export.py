"""ArchiMate exchange export: the demo engagement as a valid exchange file, per scenario or with plateaus."""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.services.bundle.transfer import import_bundle
from app.services.catalog.elements import save_element
from app.services.interchange.archimate_export import export_archimate
from exports.archimate import NS, XSI_TYPE, Item, Link, Model, export_model, grid_positions, parse_plain, schema_errors
from exports.archimate_import import parse_exchange
from models import DataFlow, Ownership, Scenario, System, TraceLink, scenario_members
from tests.support.bundles import demo_document

A = f"{{{NS}}}"


@pytest.fixture
def demo(session, user):
    return import_bundle(session, demo_document(), owner=user)


def _tree(xml: bytes):
    return etree.fromstring(xml).getroottree()


def _types(xml: bytes, tag: str) -> Counter:
    root = etree.fromstring(xml)
    return Counter(node.get(XSI_TYPE) for node in root.iter(f"{A}{tag}"))


def _baseline_count(session, engagement, model) -> int:
    baseline = session.scalar(
        select(Scenario).where(Scenario.engagement_id == engagement.id, Scenario.is_baseline.is_(True))
    )
    return session.scalar(
        select(func.count())
        .select_from(model)
        .join(scenario_members, scenario_members.c.element_id == model.id)
        .where(model.engagement_id == engagement.id, scenario_members.c.scenario_id == baseline.id)
    )


def test_the_current_state_of_the_demo_validates_against_the_exchange_schema(session, demo):
    xml = export_archimate(session, demo)
    assert schema_errors(_tree(xml)) == []
    elements, relationships = _types(xml, "element"), _types(xml, "relationship")
    assert elements["ApplicationComponent"] == _baseline_count(session, demo, System)
    assert elements["BusinessInterface"] == 6 and elements["DataObject"] == 10 and elements["Stakeholder"] == 9
    assert elements["Requirement"] == 13 and elements["Principle"] == 5
    assert "Plateau" not in elements
    assert relationships["Flow"] == _baseline_count(session, demo, DataFlow)
    assert relationships["Access"] == _baseline_count(session, demo, Ownership)


def test_all_scenarios_export_one_plateau_each_aggregating_its_members_and_validate(session, demo):
    xml = export_archimate(session, demo, "all")
    assert schema_errors(_tree(xml)) == []
    root = etree.fromstring(xml)
    plateaus = {
        node.get("identifier"): node.findtext(f"{A}name")
        for node in root.iter(f"{A}element")
        if node.get(XSI_TYPE) == "Plateau"
    }
    assert sorted(plateaus.values()) == ["Current state", "Target A — central OMS"]
    members = Counter(
        plateaus[rel.get("source")]
        for rel in root.iter(f"{A}relationship")
        if rel.get(XSI_TYPE) == "Aggregation" and rel.get("source") in plateaus
    )
    target = session.scalar(select(Scenario).where(Scenario.engagement_id == demo.id, Scenario.is_baseline.is_(False)))
    in_target = session.scalar(
        select(func.count()).select_from(scenario_members).where(scenario_members.c.scenario_id == target.id)
    )
    assert members["Target A — central OMS"] == in_target
    # Every system of every scenario is there once.
    assert _types(xml, "element")["ApplicationComponent"] == session.scalar(
        select(func.count()).select_from(System).where(System.engagement_id == demo.id)
    )


def test_a_scenario_is_chosen_by_name_and_an_unknown_one_is_refused(session, demo):
    from app.services.errors import NotFound

    xml = export_archimate(session, demo, "target a — central oms")
    assert schema_errors(_tree(xml)) == []
    with pytest.raises(NotFound, match="No scenario 'Nowhere'"):
        export_archimate(session, demo, "Nowhere")


def test_identifiers_are_xml_ids_and_the_same_on_every_export(session, demo):
    first, second = export_archimate(session, demo, "all"), export_archimate(session, demo, "all")
    assert first == second
    system = session.scalars(select(System).where(System.engagement_id == demo.id).order_by(System.id)).first()
    assert f'identifier="id-system-{system.id}"' in first.decode()


def test_flows_carry_entities_and_pattern_as_properties_and_ownership_sets_the_access_type(session, demo):
    xml = export_archimate(session, demo)
    model = parse_exchange(xml)
    flow = session.scalars(select(DataFlow).where(DataFlow.engagement_id == demo.id).order_by(DataFlow.id)).first()
    exported = next(r for r in model.relationships if r.identifier == f"id-flow-{flow.id}")
    props = dict(exported.properties)
    assert props["Entities"] == "; ".join(e.name for e in flow.entities)
    assert props["Pattern"] and exported.source == f"id-system-{flow.source_id}"
    sor = session.scalars(select(Ownership).where(Ownership.engagement_id == demo.id, Ownership.role == "sor")).first()
    access = next(r for r in model.relationships if r.identifier == f"id-ownership-{sor.id}")
    assert dict(access.attributes) == {"accessType": "ReadWrite"}
    assert dict(access.properties) == {"Role": "System of record"}


def test_trace_links_become_influence_realization_and_association_relationships(session, demo):
    model = parse_exchange(export_archimate(session, demo, "all"))
    types = {e.identifier: e.type for e in model.elements}
    kinds = Counter(
        (types.get(r.source, "relationship"), r.type, types.get(r.target, "relationship"))
        for r in model.relationships
        if r.identifier.startswith("id-link-")
    )
    links = Counter(session.scalars(select(TraceLink.kind).where(TraceLink.engagement_id == demo.id)))
    assert kinds[("Principle", "Influence", "Requirement")] == links["addresses"]
    assert sum(n for (s, t, _), n in kinds.items() if s == "Principle" and t == "Association") == links["affects"]
    assert sum(kinds.values()) == sum(links.values())


def test_names_with_markup_characters_and_non_ascii_survive_and_control_characters_are_dropped(
    session, engagement
):
    name = "Shop & <Ops> \"quoted\" 'single' Zürich — 東京\x07"
    save_element(session, engagement, "system", {"name": name, "category": "ecommerce", "notes": "a < b && c"})
    xml = export_archimate(session, engagement)
    assert schema_errors(_tree(xml)) == []
    model = parse_exchange(xml)
    system = next(e for e in model.elements if e.type == "ApplicationComponent")
    assert system.name == "Shop & <Ops> \"quoted\" 'single' Zürich — 東京"
    assert system.documentation == "a < b && c"


def test_the_generated_view_shows_every_element_laid_out_by_graphviz(session, demo):
    xml = export_archimate(session, demo)
    root = etree.fromstring(xml)
    view = root.find(f"{A}views/{A}diagrams/{A}view")
    nodes = view.findall(f"{A}node")
    assert len(nodes) == len(root.findall(f"{A}elements/{A}element"))
    positions = {(int(n.get("x")), int(n.get("y"))) for n in nodes}
    assert len(positions) == len(nodes)  # no two nodes on top of each other
    assert positions != set(grid_positions([n.get("elementRef") for n in nodes]).values())
    connections = view.findall(f"{A}connection")
    relationship_ids = {r.get("identifier") for r in root.iter(f"{A}relationship")}
    assert connections and all(c.get("relationshipRef") in relationship_ids for c in connections)


def test_dot_plain_output_becomes_top_left_pixel_corners_with_y_pointing_down():
    plain = "graph 1 3.0 2.0\nnode n0 1.0 1.5 1.9 0.8 \"\" solid box black lightgrey\nnode n1 2.0 0.5 1.9 0.8\nstop\n"
    assert parse_plain(plain, ["a", "b"]) == {"a": (22, 26), "b": (94, 98)}
    assert parse_plain("graph 1 3 2\nstop\n", ["a"]) is None


def test_a_large_model_is_laid_out_on_a_grid_and_still_validates():
    items = tuple(Item(f"system:{i}", "system", f"S{i}") for i in range(300))
    links = tuple(Link(f"flow:{i}", "flow", f"system:{i}", f"system:{(i + 1) % 300}") for i in range(300))
    xml = export_model(Model("Big", items=items, links=links))
    assert schema_errors(_tree(xml)) == []
    first = etree.fromstring(xml).find(f"{A}views/{A}diagrams/{A}view/{A}node")
    assert (first.get("x"), first.get("y")) == ("20", "20")


def test_a_member_downloads_the_file_with_an_ascii_name(browser, session, demo):
    response = browser.get(f"/e/{demo.id}/export/archimate?scenario=all")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.isascii()
    assert disposition.endswith('-archimate.xml"')
    assert schema_errors(_tree(response.data)) == []


def test_a_non_member_cannot_download_and_an_unknown_scenario_is_not_found(
    browser, make_user, make_browser, session, demo
):
    outsider = make_browser(make_user(email="outsider@example.com"))
    assert outsider.get(f"/e/{demo.id}/export/archimate").status_code == 404
    assert browser.get(f"/e/{demo.id}/export/archimate?scenario=999999").status_code == 404


def test_the_cli_writes_the_file_for_a_named_scenario(app, session, demo, tmp_path):
    path = tmp_path / "model.xml"
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["export", "archimate", str(demo.id), "--scenario", "all", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert f"to {path}" in result.stdout
    assert schema_errors(etree.parse(str(path))) == []
    missing = app.test_cli_runner().invoke(args=["export", "archimate", str(demo.id), "--scenario", "Nope"])
    assert missing.exit_code == 1 and "No scenario 'Nope'" in missing.output

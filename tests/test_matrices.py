"""Ownership and traceability matrices: edited in place, problems highlighted, suspect links caught."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.catalog import elements as elements
from app.services.catalog import ownership_matrix as ownership_matrix
from app.services.catalog import trace as trace
from app.services.catalog import traceability as traceability
from app.services.scenarios import list_scenarios, save_scenario
from models import Element, Ownership, TraceLink


def _entity(session, engagement, name):
    return session.scalar(select(Element).where(Element.engagement_id == engagement.id, Element.name == name))


@pytest.fixture
def model(session, engagement):
    erp = elements.save_element(session, engagement, "system", {"name": "SAP S/4", "category": "erp"})
    oms = elements.save_element(session, engagement, "system", {"name": "Fluent OMS", "category": "oms"})
    baseline = list_scenarios(session, engagement.id)[0]
    target = save_scenario(session, engagement, "Target A", copy_from=baseline)
    return {"erp": erp, "oms": oms, "baseline": baseline, "target": target,
            "inventory": _entity(session, engagement, "Inventory")}


def test_an_entity_with_no_system_of_record_and_one_with_two_are_flagged(session, engagement, model):
    inv = model["inventory"]
    ownership_matrix.set_cell(session, engagement, model["baseline"], model["erp"].id, inv.id, "sor")
    ownership_matrix.set_cell(session, engagement, model["baseline"], model["oms"].id, inv.id, "sor")
    matrix = ownership_matrix.build(session, engagement, model["baseline"])
    assert matrix.problem(inv.id) == "2 systems of record"
    assert matrix.problem(_entity(session, engagement, "Order").id) == "No system of record"


def test_changing_a_cell_in_one_scenario_leaves_the_other_scenario_alone(session, engagement, model):
    inv = model["inventory"]
    ownership_matrix.set_cell(session, engagement, model["baseline"], model["erp"].id, inv.id, "sor")
    ownership_matrix.set_cell(session, engagement, model["target"], model["erp"].id, inv.id, "sor")
    ownership_matrix.set_cell(session, engagement, model["target"], model["erp"].id, inv.id, "replica")

    baseline = ownership_matrix.build(session, engagement, model["baseline"])
    target = ownership_matrix.build(session, engagement, model["target"])
    assert baseline.roles(inv.id, model["erp"].id) == ["sor"]
    assert target.roles(inv.id, model["erp"].id) == ["replica"]

    ownership_matrix.set_cell(session, engagement, model["baseline"], model["erp"].id, inv.id, "")
    assert [o.role for o in session.scalars(select(Ownership))] == ["replica"]


def test_the_matrix_cell_endpoint_answers_with_the_highlighted_row(browser, engagement, model):
    url = f"/e/{engagement.id}/ownership-matrix/{model['baseline'].id}/cell"
    resp = browser.post(url, data={"system_id": model["erp"].id, "entity_id": model["inventory"].id, "role": "sor"},
                        htmx=True)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert f'id="entity-{model["inventory"].id}-ownership"' in body and "No system of record" not in body
    bad = browser.post(url, data={"system_id": model["erp"].id, "entity_id": model["inventory"].id, "role": "owner"},
                       htmx=True)
    assert bad.status_code == 422 and "Must be one of" in bad.get_data(as_text=True)


def test_a_link_becomes_suspect_when_an_end_changes_and_clean_again_after_review(session, engagement, model):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web", "priority": "must"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS", "status": "accepted"})
    addresses = trace.add_link(session, engagement, "addresses", req.id, adr.id)
    affects = trace.add_link(session, engagement, "affects", adr.id, model["oms"].id)
    assert traceability.suspect_count(session, engagement.id) == 0

    elements.save_element(session, engagement, "system", {"vendor": "Fluent Commerce"}, model["oms"], partial=True)
    assert [link.id for link in traceability.suspect_links(session, engagement.id)] == [affects.id]
    elements.save_element(session, engagement, "requirement", {"text": "Within 60 seconds"}, req, partial=True)
    assert traceability.suspect_count(session, engagement.id) == 2

    traceability.review_link(session, engagement, addresses.id)
    assert [link.id for link in traceability.suspect_links(session, engagement.id)] == [affects.id]


def test_coverage_counts_unaddressed_requirements_unaccepted_musts_and_orphan_decisions(session, engagement, model):
    must = elements.save_element(session, engagement, "requirement", {"title": "A", "priority": "must"})
    elements.save_element(session, engagement, "requirement", {"title": "B", "priority": "could"})
    elements.save_element(session, engagement, "requirement", {"title": "C", "status": "dropped"})
    proposed = elements.save_element(session, engagement, "decision", {"title": "Maybe"})
    elements.save_element(session, engagement, "decision", {"title": "Orphan", "status": "accepted"})
    trace.add_link(session, engagement, "addresses", must.id, proposed.id)

    cov = traceability.coverage(session, engagement)
    assert cov.requirements == 2
    assert cov.without_decision == 1
    assert (cov.must_unaddressed, [r.name for r in cov.must_unaddressed_first]) == (1, ["A"])  # only a proposal
    assert (cov.decisions_without_requirement, [d.name for d in cov.orphan_decisions_first]) == (1, ["Orphan"])


def test_toggling_a_matrix_cell_links_and_unlinks(browser, session, engagement):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    data = {"requirement_id": req.id, "decision_id": adr.id}
    first = browser.post(f"/e/{engagement.id}/traceability/toggle", data=data, htmx=True)
    assert first.status_code == 200 and 'aria-pressed="true"' in first.get_data(as_text=True)
    assert session.scalar(select(TraceLink).where(TraceLink.kind == "addresses"))
    second = browser.post(f"/e/{engagement.id}/traceability/toggle", data=data, htmx=True)
    assert 'aria-pressed="false"' in second.get_data(as_text=True)
    assert session.scalar(select(TraceLink)) is None


def test_the_traceability_page_and_dashboard_show_coverage(browser, engagement):
    page = browser.get(f"/e/{engagement.id}/traceability")
    assert page.status_code == 200 and "Suspect links" in page.get_data(as_text=True)
    dash = browser.get(f"/e/{engagement.id}/").get_data(as_text=True)
    assert "suspect links" in dash and "must-haves with no accepted decision" in dash


def test_links_can_be_added_from_either_end(browser, session, engagement, model):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    base = f"/e/{engagement.id}/links"
    from_decision = browser.post(base, data={"element_kind": "decision", "element_id": adr.id,
                                             "kind": "in:addresses", "other_id": req.id})
    assert from_decision.status_code == 302
    from_system = browser.post(base, data={"element_kind": "system", "element_id": model["oms"].id,
                                           "kind": "in:affects", "other_id": adr.id})
    assert from_system.status_code == 302
    links = {(link.kind, link.source_id, link.target_id) for link in session.scalars(select(TraceLink))}
    assert links == {("addresses", req.id, adr.id), ("affects", adr.id, model["oms"].id)}
    wrong = browser.post(base, data={"element_kind": "system", "element_id": model["oms"].id,
                                     "kind": "in:addresses", "other_id": req.id})
    assert wrong.status_code == 302
    assert len(list(session.scalars(select(TraceLink)))) == 2
    page = browser.get(f"/e/{engagement.id}/systems/{model['oms'].id}").get_data(as_text=True)
    assert "affected by" in page and "Central OMS" in page


def test_the_link_picker_filters_candidates_by_kind_and_text(browser, session, engagement, model):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    elements.save_element(session, engagement, "decision", {"title": "Keep the ERP"})
    url = f"/e/{engagement.id}/links/candidates?element_kind=requirement&element_id={req.id}&kind=out:addresses&q=oms"
    body = browser.get(url, htmx=True).get_data(as_text=True)
    assert "Central OMS" in body and "Keep the ERP" not in body and "Fluent OMS" not in body
    systems = browser.get(url.replace("out:addresses", "out:satisfied_by"), htmx=True).get_data(as_text=True)
    assert "Fluent OMS" in systems and "Central OMS" not in systems


def test_large_landscapes_show_only_relevant_matrix_columns(session, engagement, model, monkeypatch):
    monkeypatch.setattr(ownership_matrix, "ALL_COLUMNS_UP_TO", 1)
    monkeypatch.setattr(traceability, "ALL_COLUMNS_UP_TO", 1)
    ownership_matrix.set_cell(session, engagement, model["baseline"], model["erp"].id, model["inventory"].id, "sor")
    owners = ownership_matrix.build(session, engagement, model["baseline"])
    assert [s.name for s in owners.systems] == ["SAP S/4"] and owners.total_systems == 2
    with_oms = ownership_matrix.build(session, engagement, model["baseline"], category="oms")
    assert sorted(s.name for s in with_oms.systems) == ["Fluent OMS", "SAP S/4"]

    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    linked = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    elements.save_element(session, engagement, "decision", {"title": "Unrelated"})
    trace.add_link(session, engagement, "addresses", req.id, linked.id)
    page = traceability.matrix(session, engagement)
    assert [d.name for d in page.decisions] == ["Central OMS"] and page.total_decisions == 2

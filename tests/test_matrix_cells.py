"""The matrices' cells drawn in Python (app/web/matrix_cells.py) and their cheaper loading: a scenario's own roles,
the same cell with the page or alone, read-only cells, escaped names, and the decisions' effects of one page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.catalog import elements as elements
from app.services.catalog import ownership_matrix as ownership_matrix
from app.services.catalog import trace as trace
from app.services.catalog import traceability as traceability
from app.services.catalog.scenario_values import save_in_scenario
from app.services.scenarios import list_scenarios, save_scenario
from models import DataEntity, Ownership


def _html(browser, url: str, **kw) -> str:
    resp = browser.get(url, **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


@pytest.fixture
def model(session, engagement):
    erp = elements.save_element(session, engagement, "system", {"name": "SAP <S/4>", "category": "erp"})
    baseline = list_scenarios(session, engagement.id)[0]
    inventory = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == engagement.id, DataEntity.name == "Inventory")
    )
    ownership_matrix.set_cell(session, engagement, baseline, erp.id, inventory.id, "sor")
    target = save_scenario(session, engagement, "Target A", copy_from=baseline)
    return {"erp": erp, "baseline": baseline, "target": target, "inventory": inventory}


def test_a_role_a_scenario_holds_of_its_own_shows_in_its_matrix_only(browser, session, engagement, model):
    erp, inv = model["erp"], model["inventory"]
    ownership = session.scalar(select(Ownership).where(Ownership.system_id == erp.id))
    save_in_scenario(session, engagement, ownership, model["target"], {"role": "replica"})

    baseline = ownership_matrix.build(session, engagement, model["baseline"])
    target = ownership_matrix.build(session, engagement, model["target"])
    assert baseline.roles(inv.id, erp.id) == ["sor"] and baseline.problem(inv.id) is None
    assert target.roles(inv.id, erp.id) == ["replica"] and target.problem(inv.id) == "No system of record"
    html = _html(browser, f"/e/{engagement.id}/ownership-matrix?scenario={model['target'].id}")
    row = html.split(f'id="entity-{inv.id}-ownership"')[1].split("</tr>")[0]
    assert '<option value="replica" selected>Rep</option>' in row and "No system of record" in row


def test_names_in_ownership_cells_are_escaped(browser, engagement, model):
    html = _html(browser, f"/e/{engagement.id}/ownership-matrix")
    assert 'aria-label="SAP &lt;S/4&gt; role for Inventory"' in html and "SAP <S/4>" not in html
    assert '<option value="sor" selected>SoR</option>' in html and "cell is-sor" in html


def test_a_trace_cell_answered_alone_is_the_cell_the_page_draws(browser, session, engagement):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    cell = browser.post(f"/e/{engagement.id}/traceability/toggle", data={"pair": f"{req.id}-{adr.id}"}, htmx=True)
    alone = cell.get_data(as_text=True)
    drawn = re.search(rf'<td id="trace-{req.id}-{adr.id}".*?</td>', _html(browser, f"/e/{engagement.id}/traceability"))
    assert drawn.group(0) == alone.strip()
    assert 'class="linked"' in alone and 'aria-pressed="true" title="Unlink">●</button>' in alone


def test_a_suspect_link_is_marked_in_its_cell(browser, session, engagement):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    trace.add_link(session, engagement, "addresses", req.id, adr.id)
    elements.save_element(session, engagement, "requirement", {"title": "Stock on web, within a minute"}, req,
                          partial=True)
    html = _html(browser, f"/e/{engagement.id}/traceability")
    cell = re.search(rf'<td id="trace-{req.id}-{adr.id}".*?</td>', html).group(0)
    assert 'class="linked suspect"' in cell and 'title="Suspect: an end changed since review. Unlink">!' in cell


def test_a_viewer_sees_the_marks_without_buttons_or_selects(make_browser, make_user, session, engagement, model):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    trace.add_link(session, engagement, "addresses", req.id, adr.id)
    viewer = make_user(email="viewer@example.com", name="Vi")
    set_membership(session, engagement, viewer.email, "viewer")
    b = make_browser(viewer)
    trace_html = _html(b, f"/e/{engagement.id}/traceability")
    assert f'<td id="trace-{req.id}-{adr.id}" class="linked">●</td>' in trace_html and 'name="pair"' not in trace_html
    owners = _html(b, f"/e/{engagement.id}/ownership-matrix").split('id="ownership-matrix"')[1]
    assert '<td class="cell is-sor">SoR<a class="cell-comment"' in owners and "<select" not in owners


def test_the_affects_row_names_what_the_decisions_on_the_page_affect_and_nothing_else(session, engagement,
                                                                                  monkeypatch):
    monkeypatch.setattr(traceability, "ALL_COLUMNS_UP_TO", 1)
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    shown = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    hidden = elements.save_element(session, engagement, "decision", {"title": "Unrelated"})
    oms = elements.save_element(session, engagement, "system", {"name": "Fluent OMS", "category": "oms"})
    pos = elements.save_element(session, engagement, "system", {"name": "Till", "category": "pos"})
    trace.add_link(session, engagement, "addresses", req.id, shown.id)
    trace.add_link(session, engagement, "affects", shown.id, oms.id)
    trace.add_link(session, engagement, "affects", hidden.id, pos.id)
    page = traceability.matrix(session, engagement)
    assert [d.id for d in page.decisions] == [shown.id]
    assert {d: [link.target.name for link in links] for d, links in page.affects.items()} == {shown.id: ["Fluent OMS"]}


def test_the_client_reports_ownership_table_reads_the_cheaper_matrix(session, engagement, model):
    from app.services.reports.sections import ownership_table

    oms = elements.save_element(session, engagement, "system", {"name": "Fluent OMS", "category": "oms"})
    ownership_matrix.set_cell(session, engagement, model["baseline"], oms.id, model["inventory"].id, "reads")
    table, notes = ownership_table(session, engagement, model["baseline"])
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Inventory"] == ("SAP <S/4>", "Fluent OMS (reads)", "OK")
    assert rows["Order"][-1] == "No system of record" and notes

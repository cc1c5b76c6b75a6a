"""The analysis pages on the demo engagement: findings, rules, freshness, impact, criteria, compare, diagrams."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.analysis import scenario as analysis
from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.scenarios import list_scenarios
from exports.graphviz_render import DiagramError
from models import Channel, DataEntity, DataFlow, System

SPOF = "Salesforce Commerce Cloud is a single point of failure"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def named(session, model, engagement, name):
    return session.scalar(select(model).where(model.engagement_id == engagement.id, model.name == name))


def page(browser, url, status=200, **kw):
    resp = browser.get(url, **kw)
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/analysis", "/analysis/rules", "/analysis/freshness", "/analysis/impact",
                                  "/analysis/criteria", "/analysis/compare"])
def test_every_analysis_page_answers_for_the_demo(browser, demo, path):
    html = page(browser, f"/e/{demo.id}{path}")
    assert 'aria-current="page"' in html
    assert "object-src 'none'" in browser.get(f"/e/{demo.id}{path}").headers["Content-Security-Policy"]
    assert "<object" not in html


def test_an_inlined_diagram_is_the_svg_element_alone_with_its_node_links_under_the_page_policy(browser, demo):
    resp = browser.get(f"/e/{demo.id}/analysis/diagram.svg?embed=1&inline=1&kind=landscape", htmx=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "object-src 'none'" in resp.headers["Content-Security-Policy"]
    svg = resp.get_data(as_text=True)
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert f'xlink:href="/e/{demo.id}/systems/' in svg and "<script" not in svg


def test_overview_groups_findings_by_severity_with_links_remedies_and_metrics(browser, session, demo):
    html = page(browser, f"/e/{demo.id}/analysis")
    erp = named(session, System, demo, "SAP ECC")
    assert html.index('id="sev-critical"') < html.index('id="sev-high"') < html.index('id="sev-medium"')
    assert "Inventory has 2 systems of record" in html
    assert f'href="/e/{demo.id}/systems/{erp.id}"' in html
    assert "Remedy:" in html and "integrations (system pairs)" in html
    assert "inventory on Web (worst)" in html
    assert f"/e/{demo.id}/analysis/diagram.svg?embed=1&amp;inline=1&amp;kind=landscape" in html
    assert 'hx-trigger="load"' in html


def test_the_scenario_picker_analyses_the_scenario_asked_for(browser, session, demo):
    target = next(s for s in list_scenarios(session, demo.id) if not s.is_baseline)
    html = page(browser, f"/e/{demo.id}/analysis?scenario={target.id}")
    assert f'<option value="{target.id}" selected>' in html
    assert "Inventory has 2 systems of record" not in html
    page(browser, f"/e/{demo.id}/analysis?scenario=999999", status=404)


def test_analysing_takes_one_analyse_per_page(browser, session, demo, monkeypatch):
    calls = []
    real = analysis.analyse
    monkeypatch.setattr(analysis, "analyse", lambda *a, **k: calls.append(1) or real(*a, **k))
    erp = named(session, System, demo, "SAP ECC")
    for path in ("", "/freshness", "/criteria", f"/impact?system={erp.id}"):
        calls.clear()
        page(browser, f"/e/{demo.id}/analysis{path}")
        assert len(calls) == 1, path


def test_switching_a_rule_off_and_reweighting_another_changes_the_findings(browser, demo):
    base = f"/e/{demo.id}/analysis"
    resp = browser.post(f"{base}/rules", data={"rule": "sor.multiple", "enabled": "0"}, htmx=True)
    assert resp.status_code == 200
    row = resp.get_data(as_text=True)
    assert row.startswith('<tr id="rule-sor-multiple" class="rule-off')
    assert "<html" not in row
    resp = browser.post(f"{base}/rules", data={"rule": "system.spof", "enabled": ["0", "1"], "severity": "critical"})
    assert resp.status_code == 302
    html = page(browser, base)
    assert "Inventory has 2 systems of record" not in html
    assert "rules switched off: sor.multiple" in html
    critical = html[html.index('id="sev-critical"'):html.index('id="sev-high"')]
    assert SPOF in critical
    rules = page(browser, f"{base}/rules")
    assert '<option value="critical" selected>critical</option>' in rules
    resp = browser.post(f"{base}/rules", data={"rule": "system.spof", "enabled": ["0", "1"], "severity": "dire"},
                        htmx=True)
    assert resp.status_code == 422 and "Must be one of" in resp.get_data(as_text=True)
    assert browser.post(f"{base}/rules", data={"rule": "no.such", "enabled": "1"}, htmx=True).status_code == 422


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_reviewers_and_viewers_read_but_cannot_switch_rules(make_browser, make_user, session, demo, role):
    reader = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, demo, reader.email, role)
    b = make_browser(reader)
    rules = page(b, f"/e/{demo.id}/analysis/rules")
    assert 'name="enabled"' not in rules
    assert b.post(f"/e/{demo.id}/analysis/rules", data={"rule": "sor.multiple", "enabled": "0"}).status_code == 403
    assert "Inventory has 2 systems of record" in page(b, f"/e/{demo.id}/analysis")


def test_a_non_member_gets_404_everywhere(make_browser, make_user, demo):
    stranger = make_browser(make_user(email="stranger@example.com", name="Stranger"))
    for path in ("", "/rules", "/freshness", "/freshness/path?entity=1&channel=1", "/impact?system=1", "/criteria",
                 "/compare", "/diagram.svg?kind=landscape", "/diagram.png?kind=landscape",
                 "/diagram.dot?kind=landscape"):
        assert stranger.get(f"/e/{demo.id}/analysis{path}").status_code == 404, path
    assert stranger.post(f"/e/{demo.id}/analysis/rules", data={"rule": "sor.multiple"}).status_code == 404


def test_the_heat_map_colours_cells_and_a_cell_loads_its_path(browser, session, demo):
    inventory = named(session, DataEntity, demo, "Inventory")
    web = named(session, Channel, demo, "Web")
    html = page(browser, f"/e/{demo.id}/analysis/freshness")
    assert "fresh-cell f-1d" in html and "fresh-cell f-unknown" in html and "fresh-cell f-60s" in html
    assert "No path" in html and "No SoR" in html  # unknown cells say why, in words (the label filter)
    url = f"/e/{demo.id}/analysis/freshness/path?entity={inventory.id}&channel={web.id}"
    assert "freshness/path?scenario=" in html and f"entity={inventory.id}&amp;channel={web.id}" in html
    fragment = page(browser, url, htmx=True)
    assert "<html" not in fragment
    assert "Inventory on Web" in fragment
    assert re.search(r"Worst</dt><dd>24 h</dd>\s*<dt>Typical</dt><dd>12 h</dd>", fragment)
    assert fragment.count("Batch file") == 2 and "(from middleware)" in fragment
    assert "kind=entity" in fragment  # the entity's flow diagram
    full = page(browser, url)
    assert "<html" in full and "is-selected" in full and "Inventory on Web" in full
    page(browser, f"/e/{demo.id}/analysis/freshness/path?entity=999999&channel={web.id}", status=404, htmx=True)


def test_impact_of_a_system_lists_both_directions_and_what_it_touches(browser, session, demo):
    erp = named(session, System, demo, "SAP ECC")
    html = page(browser, f"/e/{demo.id}/analysis/impact?system={erp.id}&depth=1")
    assert "Upstream" in html and "Downstream" in html and "Channels touched" in html
    assert "Oracle Xstore POS" in html and "Requirements touched" in html and "Decisions touched" in html
    assert "kind=impact&amp;scenario=" in html and f"system={erp.id}" in html
    detail = page(browser, f"/e/{demo.id}/systems/{erp.id}")
    assert f'href="/e/{demo.id}/analysis/impact?system={erp.id}"' in detail
    flow = session.scalar(select(DataFlow).where(DataFlow.engagement_id == demo.id).order_by(DataFlow.id))
    assert "Impact of flow" in page(browser, f"/e/{demo.id}/analysis/impact?flow={flow.id}")
    assert "No system" in page(browser, f"/e/{demo.id}/analysis/impact?system=999999", status=404)


def test_user_text_stays_text_on_the_pages(browser, session, demo):
    evil = save_element(session, demo, "system", {"name": "<script>alert(1)</script>", "category": "pos"})
    html = page(browser, f"/e/{demo.id}/analysis/impact?system={evil.id}")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_criteria_show_verdicts_evidence_and_errors(browser, session, demo):
    req = save_element(session, demo, "requirement", {"title": "Broken criterion",
                                                      "acceptance": "sor_count(inventory) == 1"})
    # Stored before criteria were checked on save (saving it now is refused): the page still shows the error.
    req.acceptance = "freshness(inventory web) <= 60s\nsor_count(inventory) == 1"
    session.commit()
    html = page(browser, f"/e/{demo.id}/analysis/criteria")
    assert "REQ-1" in html and "status-fail" in html and "status-pass" in html
    assert "SAP ECC</a> <span class=\"arrow\"" in html  # the path as evidence
    block = html[html.index(f'id="req-{req.id}"'):]
    assert "status-error" in block and "column" in block
    heading = block[:block.index("</h2>")]
    assert "status-error" in heading  # the card's badge is the worst of its lines, not "unknown"


def test_compare_shows_model_findings_criteria_and_metrics_side_by_side(browser, session, demo):
    scenarios = list_scenarios(session, demo.id)
    html = page(browser, f"/e/{demo.id}/analysis/compare")
    assert "Target A — central OMS" in html and "Manhattan Active Omni" in html
    assert "22 resolved" in html and "Inventory freshness on Web (worst)" in html
    assert "flips" in html
    assert f"kind=diff&amp;scenario={scenarios[0].id}&amp;against={scenarios[1].id}" in html
    same = page(browser, f"/e/{demo.id}/analysis/compare?a={scenarios[0].id}&b={scenarios[0].id}")
    assert "Pick two different scenarios" in same


def svg_of(resp):
    return ElementTree.fromstring(resp.get_data())


def test_diagrams_download_as_svg_png_and_dot(browser, session, demo):
    base = f"/e/{demo.id}/analysis"
    resp = browser.get(f"{base}/diagram.svg?kind=landscape&cluster=channel")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    root = svg_of(resp)
    hrefs = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")]
    assert hrefs and all(h.startswith(f"/e/{demo.id}/") for h in hrefs)
    png = browser.get(f"{base}/diagram.png?kind=entity&entity=inventory&download=1")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    dot = browser.get(f"{base}/diagram.dot?kind=impact&system=SAP ECC&entity=inventory")
    assert dot.get_data(as_text=True).startswith("digraph impact {")
    assert 'filename="impact-sap-ecc-current-state.dot"' in dot.headers["Content-Disposition"]
    assert "URL=" not in dot.get_data(as_text=True)  # links only in the SVG the app serves
    target = list_scenarios(session, demo.id)[1]
    diff = browser.get(f"{base}/diagram.svg?kind=diff&against={target.id}")
    assert diff.status_code == 200 and "Manhattan Active Omni" in diff.get_data(as_text=True)
    by_name = browser.get(f"{base}/diagram.dot?kind=diff&scenario=current&against=target a")
    assert by_name.status_code == 200 and "Current state → Target A — central OMS" in by_name.get_data(as_text=True)


def test_bad_diagram_requests_get_a_clear_error(browser, demo):
    base = f"/e/{demo.id}/analysis"
    assert browser.get(f"{base}/diagram.svg?kind=nope").status_code == 422
    assert browser.get(f"{base}/diagram.svg?kind=entity").status_code == 422
    assert browser.get(f"{base}/diagram.svg?kind=entity&entity=unicorns").status_code == 404


def test_a_failed_render_explains_itself_and_offers_the_dot(browser, demo, monkeypatch):
    def broken(*_a, **_k):
        raise DiagramError("Graphviz took longer than 10 s and was stopped")

    monkeypatch.setattr("app.web.analysis.diagram.render", broken)
    base = f"/e/{demo.id}/analysis"
    embed = browser.get(f"{base}/diagram.svg?kind=landscape&embed=1&_external=1")
    assert embed.status_code == 200 and embed.headers["X-Diagram-Error"] == "1"
    root = svg_of(embed)
    text = " ".join(root.itertext())
    assert "took longer than 10 s" in text and "Download the DOT source" in text
    links = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")]
    assert links and all(link.startswith(f"/e/{demo.id}/analysis/diagram.dot?kind=landscape") for link in links)
    download = browser.get(f"{base}/diagram.png?kind=landscape")
    assert download.status_code == 422
    html = download.get_data(as_text=True)
    assert "took longer than 10 s" in html and "diagram.dot?kind=landscape" in html

"""Pages that stay small at scale: criteria and findings a page per group with the rest loaded on request, the
ownership matrix a page of columns with compact cells, compact traceability cells, and the cheap URL builder."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from app.services.catalog import elements as elements
from app.services.catalog import ownership_matrix as ownership_matrix
from app.services.demo import load_demo
from app.services.scenarios import list_scenarios
from app.web.analysis import detail
from app.web.templating import url_builder
from models import DataEntity, TraceLink


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def page(browser, url, status=200, **kw):
    resp = browser.get(url, **kw)
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def more_link(html: str, fragment: str) -> str:
    """The htmx URL of the first "Show more" control pointing at `fragment`."""
    return re.search(rf'hx-get="([^"]*/{fragment}\?[^"]+)"', html).group(1).replace("&amp;", "&")


def test_criteria_show_a_page_per_status_and_load_the_rest_in_place(browser, demo, monkeypatch):
    monkeypatch.setattr(detail, "PAGE_SIZE", 1)
    html = page(browser, f"/e/{demo.id}/analysis/criteria")
    assert 'id="crit-fail"' in html and 'id="crit-pass"' in html
    assert html.count('class="card requirement-criteria"') <= 3  # one per status group
    url = more_link(html, "analysis/criteria/more")
    fragment = page(browser, url, htmx=True)
    assert fragment.count('class="card requirement-criteria"') == 1 and "<html" not in fragment
    shown = set(re.findall(r'id="req-(\d+)"', html)) | set(re.findall(r'id="req-(\d+)"', fragment))
    assert len(shown) == len(re.findall(r'id="req-(\d+)"', html)) + 1  # the next one, not a repeat


def test_every_requirement_with_criteria_is_reachable_through_the_pages(browser, session, demo, monkeypatch):
    monkeypatch.setattr(detail, "PAGE_SIZE", 1)
    html = page(browser, f"/e/{demo.id}/analysis/criteria")
    seen = set(re.findall(r'id="req-(\d+)"', html))
    for status in detail.CRITERIA_GROUPS:
        url = f"/e/{demo.id}/analysis/criteria/more?status={status}&offset=1"
        while url:
            fragment = page(browser, url, htmx=True)
            seen |= set(re.findall(r'id="req-(\d+)"', fragment))
            found = re.search(r'hx-get="([^"]+)"', fragment)
            url = found.group(1).replace("&amp;", "&") if found else None
    from app.services.analysis import scenario as analysis

    report = analysis.analyse(session, demo).criteria()
    assert seen == {str(r.requirement_id) for r in report.requirements}


def test_without_javascript_the_more_link_opens_the_page_at_that_point(browser, demo, monkeypatch):
    monkeypatch.setattr(detail, "PAGE_SIZE", 1)
    summary = page(browser, f"/e/{demo.id}/analysis/criteria")
    status = next(s for n, s in re.findall(r"(\d+) (fail|unknown|pass)</a>", summary) if int(n) >= 2)
    resp = browser.get(f"/e/{demo.id}/analysis/criteria/more?status={status}&offset=1")
    assert resp.status_code == 302 and f"/analysis/criteria?status={status}&offset=1" in resp.headers["Location"]
    html = page(browser, f"/e/{demo.id}/analysis/criteria?status={status}&offset=1")
    assert "Previous 1" in html


@pytest.mark.parametrize("url", ["/analysis/criteria?status=maybe", "/analysis/criteria/more?status=maybe",
                                 "/analysis/criteria/more", "/analysis/findings?severity=dire",
                                 "/analysis/findings"])
def test_an_unknown_group_is_a_404_not_a_500(browser, demo, url):
    page(browser, f"/e/{demo.id}{url}", status=404, htmx=True)


def test_an_offset_past_the_end_shows_the_last_item_not_an_empty_page(browser, demo, monkeypatch):
    monkeypatch.setattr(detail, "PAGE_SIZE", 1)
    fragment = page(browser, f"/e/{demo.id}/analysis/criteria/more?status=fail&offset=99999", htmx=True)
    assert fragment.count('class="card requirement-criteria"') == 1 and "Show" not in fragment


def test_long_evidence_is_shortened_and_the_rest_loads_on_request(browser, session, engagement):
    inventory = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id,
                                                        DataEntity.name == "Inventory"))
    erp = elements.save_element(session, engagement, "system", {"name": "SAP S/4", "category": "erp"})
    for n in range(12):
        shop = elements.save_element(session, engagement, "system", {"name": f"Shop {n}", "category": "ecommerce"})
        elements.save_element(session, engagement, "flow", {"source_id": erp.id, "target_id": shop.id,
                                                            "entity_ids": [inventory.id], "pattern": "batch"})
    req = elements.save_element(session, engagement, "requirement", {
        "title": "No stock by file", "acceptance": "no_pattern(inventory, batch)"})
    html = page(browser, f"/e/{engagement.id}/analysis/criteria")
    block = html[html.index(f'id="req-{req.id}"'):].split("</article>")[0]
    assert "and 2 more" in block and block.count("/flows/") == 10
    url = re.search(r'hx-get="([^"]*/analysis/criteria/evidence\?[^"]+kind=flow[^"]*)"', block).group(1)
    url = url.replace("&amp;", "&")
    full = page(browser, url, htmx=True)
    assert full.count("/flows/") == 12 and "<html" not in full
    assert "Evidence of a criterion" in page(browser, url)  # a page of its own without JavaScript
    page(browser, url.replace(f"requirement={req.id}", "requirement=999999"), status=404)
    page(browser, url.replace("kind=flow", "kind=person"), status=404)


def test_findings_show_counts_by_rule_and_a_page_per_severity(browser, session, demo, monkeypatch):
    monkeypatch.setattr(detail, "PAGE_SIZE", 1)
    html = page(browser, f"/e/{demo.id}/analysis")
    assert "By rule:" in html and 'id="sev-critical"' in html
    url = more_link(html, "analysis/findings")
    fragment = page(browser, url, htmx=True)
    assert fragment.count('<article class="finding') == 1 and "<html" not in fragment
    assert 'id="finding-2-' in fragment  # numbered after the first page
    assert browser.get(url).status_code == 302  # a plain request opens the overview at that point


@pytest.fixture
def landscape(session, engagement):
    erp = elements.save_element(session, engagement, "system", {"name": "SAP S/4", "category": "erp"})
    oms = elements.save_element(session, engagement, "system", {"name": "Fluent OMS", "category": "oms"})
    baseline = list_scenarios(session, engagement.id)[0]
    inventory = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id,
                                                        DataEntity.name == "Inventory"))
    return {"erp": erp, "oms": oms, "baseline": baseline, "inventory": inventory}


def test_the_ownership_matrix_pages_its_columns_and_counts_sors_over_every_page(
        browser, session, engagement, landscape, monkeypatch):
    monkeypatch.setattr(ownership_matrix, "PAGE_SIZE", 1)
    inv, base = landscape["inventory"], landscape["baseline"]
    ownership_matrix.set_cell(session, engagement, base, landscape["erp"].id, inv.id, "sor")
    ownership_matrix.set_cell(session, engagement, base, landscape["oms"].id, inv.id, "sor")
    first = ownership_matrix.build(session, engagement, base)
    second = ownership_matrix.build(session, engagement, base, offset=1)
    assert len(first.systems) == len(second.systems) == 1 and first.systems != second.systems
    assert first.next_offset == 1 and second.next_offset is None and second.prev_offset == 0
    assert first.problem(inv.id) == "2 systems of record"  # the other SoR is on the other page
    html = page(browser, f"/e/{engagement.id}/ownership-matrix")
    assert "Systems 1–1 of 2" in html and "offset=1" in html
    assert 'name="csrf_token"' not in html.split('id="ownership-matrix"')[1]  # compact cells: htmx sends it
    everything = ownership_matrix.build(session, engagement, base, every_column=True)
    assert len(everything.systems) == 2  # the client report still sees every column


def test_a_cell_on_the_second_page_answers_with_that_pages_columns(browser, session, engagement, landscape,
                                                                   monkeypatch):
    monkeypatch.setattr(ownership_matrix, "PAGE_SIZE", 1)
    inv, base = landscape["inventory"], landscape["baseline"]
    second = ownership_matrix.build(session, engagement, base, offset=1).systems[0]
    resp = browser.post(f"/e/{engagement.id}/ownership-matrix/{base.id}/cell?offset=1",
                        data={"cell": f"{second.id}-{inv.id}", "role": "sor"}, htmx=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f'"cell": "{second.id}-{inv.id}"' in body and body.count("<select") == 1
    assert ownership_matrix.build(session, engagement, base, every_column=True).roles(inv.id, second.id) == ["sor"]
    bad = browser.post(f"/e/{engagement.id}/ownership-matrix/{base.id}/cell",
                       data={"cell": f"{second.id}-{inv.id}", "role": "owner"}, htmx=True)
    assert bad.status_code == 422 and "Must be one of" in bad.get_data(as_text=True)


def test_a_compact_trace_cell_toggles_and_replaces_only_itself(browser, session, engagement):
    req = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    adr = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    url = f"/e/{engagement.id}/traceability/toggle"
    resp = browser.post(url, data={"pair": f"{req.id}-{adr.id}"}, htmx=True)
    assert resp.status_code == 200 and resp.headers["HX-Retarget"] == f"#trace-{req.id}-{adr.id}"
    assert 'aria-pressed="true"' in resp.get_data(as_text=True)
    assert session.scalar(select(TraceLink).where(TraceLink.kind == "addresses"))
    html = page(browser, f"/e/{engagement.id}/traceability")
    assert 'id="trace-form"' in html and f'value="{req.id}-{adr.id}"' in html
    plain = browser.post(url, data={"pair": f"{req.id}-{adr.id}"})  # the form without JavaScript
    assert plain.status_code == 302 and session.scalar(select(TraceLink)) is None


def test_a_trace_pair_naming_nothing_is_a_clear_error_in_a_toast(browser, session, engagement):
    resp = browser.post(f"/e/{engagement.id}/traceability/toggle", data={"pair": "999999-888888"}, htmx=True)
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "#toasts"
    assert "toast-error" in resp.get_data(as_text=True) and session.scalar(select(TraceLink)) is None


def test_the_url_builder_gives_what_url_for_gives(app, engagement):
    with app.test_request_context(f"/e/{engagement.id}/"):
        from flask import g

        g.engagement = engagement
        build = url_builder("catalog.system_detail", eid=engagement.id)
        for element_id in (1, 42, 10**9):
            assert build(element_id) == url_for("catalog.system_detail", eid=engagement.id, element_id=element_id)
        assert url_builder("catalog.system_detail", eid=engagement.id) is build  # built once per request


def test_a_scenario_page_lists_the_first_members_and_links_to_all_of_them(browser, session, engagement, monkeypatch):
    from app.web import scenarios as scenario_pages

    monkeypatch.setattr(scenario_pages, "MEMBERS_SHOWN", 2)
    for name in ("Alpha", "Bravo", "Charlie"):
        elements.save_element(session, engagement, "system", {"name": name, "category": "erp"})
    baseline = list_scenarios(session, engagement.id)[0]
    html = page(browser, f"/e/{engagement.id}/scenarios/{baseline.id}")
    assert "Alpha" in html and "Bravo" in html and "Charlie" not in html
    assert "(3)" in html and f"/systems?scenario={baseline.id}" in html and "All 3 systems" in html

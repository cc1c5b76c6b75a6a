"""The datasets and ATP pages: upload with mapping, reports, rules editor, runs, comparison, roles."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.services.accounts import set_membership
from app.services.analysis.scenario import find_scenario
from app.services.engines import atp_rules as atp_rules
from app.services.engines import runs as engine_runs
from models import DatasetVersion, EngineRun
from tests.support.datasets import LOCATIONS, erp, load_small_network


def test_every_dataset_and_atp_page_answers(browser, session, engagement):
    versions = load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp = engine_runs.run_now(session, engagement, scenario, "atp")
    replay = engine_runs.run_now(session, engagement, scenario, "replay")
    e = engagement.id
    for url in (f"/e/{e}/datasets", f"/e/{e}/datasets/{versions['orders'].dataset_id}",
                f"/e/{e}/datasets/versions/{versions['orders'].id}", f"/e/{e}/atp", f"/e/{e}/atp/rules/{scenario.id}",
                f"/e/{e}/atp/runs/{atp.id}", f"/e/{e}/atp/runs/{replay.id}", f"/e/{e}/atp/runs/{atp.id}/skus?q=a",
                f"/e/{e}/atp/runs/{atp.id}/sku?sku=A", f"/e/{e}/atp/compare", f"/e/{e}/atp/runs/{replay.id}/status"):
        assert browser.get(url).status_code == 200, url
    page = browser.get(f"/e/{e}/atp/runs/{replay.id}").get_data(as_text=True)
    assert "<svg" in page and "Share of each channel&#39;s lines oversold, per day" in page


def test_the_template_downloads_as_csv(browser, engagement):
    resp = browser.get(f"/e/{engagement.id}/datasets/template?kind=inventory")
    assert resp.mimetype == "text/csv"
    assert resp.get_data(as_text=True).splitlines()[0].startswith("sku,location_id,on_hand")


def test_an_upload_with_other_headers_asks_for_a_mapping_then_stores_it(browser, session, engagement):
    system = erp(session, engagement)
    client = b"Code,Kind,Lat,Lon\nDC1,dc,52,-1\n"
    resp = browser.post(f"/e/{engagement.id}/datasets/upload", htmx=True,
                        data={"kind": "locations", "system_id": str(system.id), "name": "",
                              "file": (io.BytesIO(client), "sites.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Map the columns of sites.csv" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    resp = browser.post(f"/e/{engagement.id}/datasets/upload", htmx=True,
                        data={"kind": "locations", "system_id": str(system.id), "token": token,
                              "map-location_id": "Code", "map-type": "Kind", "map-latitude": "Lat",
                              "map-longitude": "Lon"})
    assert resp.status_code == 204 and "/datasets/versions/" in resp.headers["HX-Redirect"]
    version = session.scalar(select(DatasetVersion))
    assert version.column_mapping["location_id"] == "Code" and version.row_count == 1


def test_a_rejected_upload_shows_the_report_and_stores_nothing(browser, session, engagement):
    system = erp(session, engagement)
    bad = LOCATIONS.replace("52.25", "north").encode()
    resp = browser.post(f"/e/{engagement.id}/datasets/upload",
                        data={"kind": "locations", "system_id": str(system.id), "file": (io.BytesIO(bad), "l.csv")},
                        content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "nothing was stored" in html and "&#39;north&#39; is not a number." in html
    assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 0


def test_the_rules_form_saves_what_it_shows(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    document = {
        "channels": ["web", "store"],
        "thresholds": {"store": 2},
        "safety_stock": {"by_type": {"dc": {"percent": 5}}},
        "eligibility": {"default": "none", "grants": [
            {"channel": "web", "fulfillment": "ship", "location_types": ["dc"]},
            {"channel": "web", "fulfillment": "ship", "location_types": ["store"], "only_flagged": True},
            {"channel": "store", "fulfillment": "pickup", "location_types": ["store"]}]},
        "allocation": {"mode": "ring_fenced", "ring_fences": [{"channel": "store", "quantity": 3}], "unused": "share"},
    }
    saved = atp_rules.save_rules(session, engagement, scenario, document)
    session.commit()
    form = _form_fields(browser.get(f"/e/{engagement.id}/atp/rules/{scenario.id}").get_data(as_text=True))
    resp = browser.post(f"/e/{engagement.id}/atp/rules/{scenario.id}", data=form)
    assert resp.status_code == 302
    session.expire_all()
    assert atp_rules.rules_document(session, scenario) == saved


def test_the_rules_form_saves_every_level_and_keeps_segments_and_distribution_groups(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    document = {
        "channels": ["web", "amazon"],
        "sku_groups": {"coats": ["COAT-*", "PARKA-1"]},
        "safety_stock": {"default": {"percent": 25}, "by_sku_group": {"coats": {"percent": 12.5}}},
        "thresholds": {"store": {"percent": 10}, "dc": 3, "default": {"quantity": 1},
                       "by_location": {"LON-OXF": {"quantity": 2}}, "by_sku": {"PARKA-1": {"percent": 5}}},
        "network": {"online_threshold": {"quantity": 10}, "channels": ["web"],
                    "by_sku_group": {"coats": {"percent": 2.5}}, "brokering_queue": {"PARKA-1": 4}},
        "reservations": [{"sku": "PARKA-1", "location": "LON-OXF", "quantity": 2, "expires_at": "2025-03-10T18:00:00Z"},
                         {"sku": "COAT-9", "quantity": 1}],
        "in_transit": {"enabled": True, "horizon_days": 5, "past_due_days": 2, "discount_by_type": {"po": 20}},
        "segments": [{"name": "amazon", "channels": ["amazon"], "percent": 10, "consumption": "segment_only"}],
        "distribution": {"groups": {"dcs": {"location_types": ["dc"]}}, "regions": ["north"],
                         "assignments": [{"channel": "web", "group": "dcs", "sku_group": "coats"}]},
    }
    saved = atp_rules.save_rules(session, engagement, scenario, document)
    session.commit()
    form = _form_fields(browser.get(f"/e/{engagement.id}/atp/rules/{scenario.id}").get_data(as_text=True))
    resp = browser.post(f"/e/{engagement.id}/atp/rules/{scenario.id}", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    session.expire_all()
    assert atp_rules.rules_document(session, scenario) == saved


@pytest.mark.parametrize(("field", "value", "place"), [
    ("reservations", "PARKA-1, LON-OXF, two", "reservations[0].quantity"),
    ("reservations", "PARKA-1, *, 2, next tuesday", "reservations[0].expires_at"),
    ("online_threshold", "120%", "network.online_threshold.percent"),
    ("threshold-by_sku_group", "hats = 2", "thresholds.by_sku_group.hats"),
    ("in_transit_past_due_days", "soon", "in_transit.past_due_days"),
    ("brokering_queue", "PARKA-1 = lots", "network.brokering_queue.PARKA-1"),
])
def test_a_bad_rule_in_the_form_is_a_422_naming_its_field_and_nothing_is_saved(browser, session, engagement,
                                                                              field, value, place):
    scenario = find_scenario(session, engagement)
    before = atp_rules.rules_document(session, scenario)
    form = _form_fields(browser.get(f"/e/{engagement.id}/atp/rules/{scenario.id}").get_data(as_text=True))
    resp = browser.post(f"/e/{engagement.id}/atp/rules/{scenario.id}", data={**form, field: value})
    assert resp.status_code == 422
    assert f"<code>{place}</code>" in resp.get_data(as_text=True)
    session.expire_all()
    assert atp_rules.rules_document(session, scenario) == before


def test_an_atp_run_page_shows_segments_and_regions(browser, session, engagement):
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, {
        "channels": ["web"], "segments": [{"name": "vip", "quantity": 1}],
        "distribution": {"groups": {"dcs": {"location_types": ["dc"]}}, "regions": ["north"],
                         "assignments": [{"channel": "web", "group": "dcs", "region": "north"}]},
    })
    run = engine_runs.run_now(session, engagement, scenario, "atp")
    html = browser.get(f"/e/{engagement.id}/atp/runs/{run.id}").get_data(as_text=True)
    assert 'id="segment-table"' in html and "<th scope=\"row\">vip</th>" in html
    assert 'id="region-table"' in html and "<th scope=\"row\">north</th>" in html


def test_the_overview_summarises_levels_and_network_rules_in_words(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, {
        "thresholds": {"store": {"percent": 10}, "dc": 2, "by_sku": {"X": {"quantity": 1}}},
        "network": {"online_threshold": {"quantity": 10}},
        "reservations": [{"sku": "X", "quantity": 1}], "segments": [{"name": "vip", "quantity": 1}],
    })
    session.commit()
    html = browser.get(f"/e/{engagement.id}/atp").get_data(as_text=True)
    assert "store 10.0 %, dc 2, by sku (1)" in html
    assert "online threshold 10" in html and "1 reservation(s)" in html and "1 segment(s)" in html
    assert "{&#39;" not in html  # no raw dictionaries


def test_the_sku_drill_down_shows_the_buffers_the_rules_resolved(browser, session, engagement):
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, {"safety_stock": {"default": {"percent": 25}},
                                                         "thresholds": {"dc": {"percent": 10}}})
    run = engine_runs.run_now(session, engagement, scenario, "atp")
    html = browser.get(f"/e/{engagement.id}/atp/runs/{run.id}/sku?sku=A").get_data(as_text=True)
    # A at DC1: on hand 10, safety 25 % -> 3, buffer 10 % -> 1, ATP 6.
    row = html[html.index('<td class="ref">DC1</td>'):]
    cells = re.findall(r'<td class="num">(?:<strong>)?(\d+)', row[:row.index("</tr>")])
    assert cells == ["10", "0", "3", "1", "6"]


def test_invalid_rules_are_shown_with_their_place_and_not_saved(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/atp/rules/{scenario.id}",
                        data={"mode": "json", "document": '{"allocation": {"mode": "ring_fenced"}}'})
    assert resp.status_code == 422
    assert "allocation.ring_fences" in resp.get_data(as_text=True)
    assert atp_rules.rules_document(session, scenario)["allocation"]["mode"] == "shared"


def test_running_a_replay_from_the_page_stores_the_run_and_shows_it(browser, session, engagement):
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/atp/runs", data={"scenario_id": scenario.id, "kind": "replay",
                                                              "latency-web": "3600"})
    assert resp.status_code == 302
    run = session.scalar(select(EngineRun))
    assert run.status == "done" and run.parameters["latency"]["web"]["seconds"] == 3600
    assert resp.headers["Location"].endswith(f"/atp/runs/{run.id}")
    overview = browser.get(f"/e/{engagement.id}/atp").get_data(as_text=True)
    assert f"{scenario.name}</strong>: " in overview  # the side-by-side sentence


def test_a_large_run_goes_to_the_background_and_the_page_polls_it(app, browser, session, engagement):
    from app.jobs import jobs

    app.config["ENGINE_INLINE_ROWS"] = 0
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/atp/runs", data={"scenario_id": scenario.id, "kind": "atp"})
    run_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    jobs(app).futures[f"run-{run_id}"].result(timeout=30)
    status = browser.get(f"/e/{engagement.id}/atp/runs/{run_id}/status", htmx=True)
    assert status.headers.get("HX-Refresh") == "true"
    assert "done" in status.get_data(as_text=True)


def test_reviewers_see_the_pages_but_cannot_upload_edit_rules_or_run(make_browser, make_user, session, engagement):
    load_small_network(session, engagement)
    reviewer = make_user(email="rev@example.com", name="Rev")
    set_membership(session, engagement, reviewer.email, "reviewer")
    b = make_browser(reviewer)
    scenario = find_scenario(session, engagement)
    assert b.get(f"/e/{engagement.id}/atp").status_code == 200
    assert b.get(f"/e/{engagement.id}/atp/rules/{scenario.id}").status_code == 200
    assert b.post(f"/e/{engagement.id}/datasets/upload", data={"kind": "locations"}).status_code == 403
    assert b.post(f"/e/{engagement.id}/atp/rules/{scenario.id}", data={"channels": "web"}).status_code == 403
    assert b.post(f"/e/{engagement.id}/atp/runs", data={"scenario_id": scenario.id, "kind": "atp"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(EngineRun)) == 0


def _form_fields(html: str) -> dict[str, str]:
    """The values the rules form would post as shown (inputs, checked boxes, selected options, textareas)."""
    form = html[html.index('id="rules-form"'):html.index("</form>", html.index('id="rules-form"'))]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                fields[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body) or re.search(r"<option[^>]*selected>([^<]*)<",
                                                                                          body)
        fields[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[name] = body
    return fields

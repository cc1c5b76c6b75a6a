"""The routing pages: overview, cost model editor, runs from the page, results, comparison, roles."""

from __future__ import annotations

from sqlalchemy import func, select

from app.services.accounts import set_membership
from app.services.analysis.scenario import find_scenario
from app.services.engines import routing as routing
from app.services.engines import runs as engine_runs
from app.services.scenarios import save_scenario
from models import EngineRun
from tests.support.routing import load


def test_every_routing_page_answers_and_compares_strategies_and_scenarios(browser, session, engagement):
    load(session, engagement)
    current = find_scenario(session, engagement)
    target = save_scenario(session, engagement, "Target")
    runs = [engine_runs.run_now(session, engagement, s, "routing", strategy=name)
            for s in (current, target) for name in ("channel_origin", "rules", "optimal", "guided")]
    e = engagement.id
    for url in (f"/e/{e}/routing", f"/e/{e}/routing/cost/{current.id}", f"/e/{e}/routing/runs/{runs[0].id}",
                f"/e/{e}/routing/runs/{runs[2].id}", f"/e/{e}/routing/runs/{runs[3].id}",
                f"/e/{e}/routing/runs/{runs[0].id}/status",
                f"/e/{e}/routing/compare", f"/e/{e}/routing/compare?run={runs[1].id}&run={runs[2].id}"):
        assert browser.get(url).status_code == 200, url
    overview = browser.get(f"/e/{e}/routing").get_data(as_text=True)
    assert 'id="routing-comparison"' in overview and "Target · optimal" in overview
    assert overview.count("<svg") >= 2 and "Cost per order, per scenario and strategy" in overview
    page = browser.get(f"/e/{e}/routing/runs/{runs[2].id}").get_data(as_text=True)
    assert 'id="solver"' in page and "The whole run solved as one problem: proven optimal" in page
    assert "gap to the global lower bound" in page and "<circle" in page


def test_an_atp_run_id_is_not_a_routing_run(browser, session, engagement):
    load(session, engagement)
    atp = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "atp")
    assert browser.get(f"/e/{engagement.id}/routing/runs/{atp.id}").status_code == 404


def test_running_from_the_page_stores_the_run_and_shows_it(browser, session, engagement):
    load(session, engagement)
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/routing/runs", data={"scenario_id": scenario.id, "strategy": "rules"})
    assert resp.status_code == 302
    run = session.scalar(select(EngineRun))
    assert run.status == "done" and run.kind == "routing" and resp.headers["Location"].endswith(
        f"/routing/runs/{run.id}")
    resp = browser.post(f"/e/{engagement.id}/routing/runs", data={"scenario_id": scenario.id, "strategy": "nope"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/routing")


def test_a_large_run_goes_to_the_background_and_the_page_polls_it(app, browser, session, engagement):
    from app.jobs import jobs

    app.config["ROUTING_INLINE_LINES"] = 0
    load(session, engagement)
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/routing/runs", data={"scenario_id": scenario.id, "strategy": "optimal"})
    run_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    jobs(app).futures[f"run-{run_id}"].result(timeout=60)
    status = browser.get(f"/e/{engagement.id}/routing/runs/{run_id}/status", htmx=True)
    assert status.headers.get("HX-Refresh") == "true" and "done" in status.get_data(as_text=True)


def test_the_cost_model_form_saves_and_bad_values_are_shown_not_saved(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    url = f"/e/{engagement.id}/routing/cost/{scenario.id}"
    resp = browser.post(url, data={"base": "5", "rate_per_km": "0.03", "split_penalty": "7", "max_splits": "1",
                                   "max_distance_km": "", "criteria": "single_node, distance"})
    assert resp.status_code == 302
    saved = routing.cost_document(session, scenario)
    assert (saved["base"], saved["split_penalty"], saved["max_splits"], saved["criteria"]) == (
        5.0, 7.0, 1, ["single_node", "distance"])
    resp = browser.post(url, data={"rate_per_km": "-2"})
    assert resp.status_code == 422 and "rate_per_km" in resp.get_data(as_text=True)
    resp = browser.post(url, data={"mode": "json", "document": '{"bands": [[100, 4], [50, 6]]}'})
    assert resp.status_code == 422 and "Distances must increase." in resp.get_data(as_text=True)
    resp = browser.post(url, data={"mode": "json", "document": "{"})
    assert resp.status_code == 422
    assert routing.cost_document(session, scenario)["base"] == 5.0


def test_reviewers_see_the_pages_but_cannot_edit_or_run(make_browser, make_user, session, engagement):
    load(session, engagement)
    reviewer = make_user(email="rev@example.com", name="Rev")
    set_membership(session, engagement, reviewer.email, "reviewer")
    b = make_browser(reviewer)
    scenario = find_scenario(session, engagement)
    assert b.get(f"/e/{engagement.id}/routing").status_code == 200
    assert b.get(f"/e/{engagement.id}/routing/cost/{scenario.id}").status_code == 200
    assert b.post(f"/e/{engagement.id}/routing/cost/{scenario.id}", data={"base": "1"}).status_code == 403
    assert b.post(f"/e/{engagement.id}/routing/runs", data={"scenario_id": scenario.id,
                                                            "strategy": "rules"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(EngineRun)) == 0

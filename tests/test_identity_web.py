"""The customer identity pages: overview, run, explanations, review decisions, export, roles."""

from __future__ import annotations

from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.analysis.scenario import find_scenario
from app.services.engines import identity as identity
from app.services.engines import identity_inputs as identity_inputs
from models import EngineRun
from tests.support.customers import load_customers, scenario_with


def _run(session, engagement, **options):
    load_customers(session, engagement)
    return identity.run_identity(session, engagement, find_scenario(session, engagement),
                                 options={"probabilistic": False, **options})


def test_every_identity_page_answers(browser, session, engagement):
    run = _run(session, engagement)
    e = engagement.id
    for url in (f"/e/{e}/identity", f"/e/{e}/identity/runs/{run.id}", f"/e/{e}/identity/runs/{run.id}/status",
                f"/e/{e}/identity/runs/{run.id}/golden.csv", f"/e/{e}/identity/runs/{run.id}/golden.xlsx"):
        assert browser.get(url).status_code == 200, url
    page = browser.get(f"/e/{e}/identity/runs/{run.id}").get_data(as_text=True)
    assert "real customers" in page and "overlap-matrix" in page and "<svg" in page
    assert "Web shop" in page and "Till" in page
    csv = browser.get(f"/e/{e}/identity/runs/{run.id}/golden.csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    assert browser.get(f"/e/{e}/identity/runs/{run.id}/pair?left=a&right=b").status_code == 404
    for version in identity_inputs.customer_versions(session, engagement):  # the dataset pages know the new kind
        page = browser.get(f"/e/{e}/datasets/versions/{version.id}")
        assert page.status_code == 200 and "source_record_id" in page.get_data(as_text=True)
    assert browser.get(f"/e/{e}/datasets/template?kind=customers").status_code == 200


def test_running_from_the_page_and_explaining_and_deciding_a_pair(browser, session, engagement):
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/identity/runs",
                        data={"scenario_id": str(scenario.id), "threshold": "0.95", "advanced": "1",
                              "rule-loyalty_id": "1", "rule-email": "1", "rule-phone": "1", "default_region": "GB"})
    assert resp.status_code == 302
    run = session.scalar(select(EngineRun).where(EngineRun.kind == "identity").order_by(EngineRun.id.desc()))
    assert run.status == "done" and run.parameters["options"]["threshold"] == "0.95"
    assert run.metrics["real_customers"] == 4
    pair = run.metrics["review_queue"][0] if run.metrics["review_queue"] else run.metrics["linked_pairs"][0]
    url = f"/e/{engagement.id}/identity/runs/{run.id}/pair?left={pair['left']}&right={pair['right']}"
    page = browser.get(url).get_data(as_text=True)
    assert "Match weight per field" in page and "Starting point" in page
    resp = browser.post(f"/e/{engagement.id}/identity/runs/{run.id}/decide",
                        data={"left": pair["left"], "right": pair["right"], "decision": "reject"})
    assert resp.status_code == 302
    session.expire_all()
    assert list(session.get(EngineRun, run.id).parameters["decisions"].values()) == ["reject"]
    bad = browser.post(f"/e/{engagement.id}/identity/runs/{run.id}/decide",
                       data={"left": pair["left"], "right": pair["right"], "decision": "maybe"})
    assert bad.status_code == 422


def test_a_run_without_customer_extracts_is_refused_with_a_message(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/identity/runs", data={"scenario_id": str(scenario.id)},
                        follow_redirects=True)
    assert "No customer extract yet" in resp.get_data(as_text=True)
    assert session.scalar(select(EngineRun.id)) is None


def test_a_reviewer_sees_runs_but_cannot_run_or_decide(make_browser, make_user, session, engagement):
    run = _run(session, engagement)
    reader = make_user(email="reviewer@example.com", name="Reviewer")
    set_membership(session, engagement, reader.email, "reviewer")
    b = make_browser(reader)
    e = engagement.id
    assert b.get(f"/e/{e}/identity/runs/{run.id}").status_code == 200
    scenario = find_scenario(session, engagement)
    assert b.post(f"/e/{e}/identity/runs", data={"scenario_id": str(scenario.id)}).status_code == 403
    golden = run.metrics["golden"][0]["records"]
    assert b.post(f"/e/{e}/identity/runs/{run.id}/decide",
                  data={"left": golden[0], "right": golden[-1], "decision": "reject"}).status_code == 403


def test_a_non_member_gets_404(make_browser, make_user, session, engagement):
    run = _run(session, engagement)
    stranger = make_browser(make_user(email="nobody@example.com", name="Nobody"))
    for url in (f"/e/{engagement.id}/identity", f"/e/{engagement.id}/identity/runs/{run.id}"):
        assert stranger.get(url).status_code == 404


def test_a_queued_or_running_run_shows_a_live_progress_bar(browser, session, engagement):
    load_customers(session, engagement)
    run = identity.start_identity_run(session, engagement, find_scenario(session, engagement))
    run.status, run.progress = "running", 0.42
    session.commit()
    page = browser.get(f"/e/{engagement.id}/identity/runs/{run.id}").get_data(as_text=True)
    assert '<progress max="100" value="42">' in page and "hx-trigger=\"every 1s\"" in page
    assert f"/identity/runs/{run.id}/status" in page
    fragment = browser.get(f"/e/{engagement.id}/identity/runs/{run.id}/status", headers={"HX-Request": "true"})
    assert "42 %" in fragment.get_data(as_text=True) and "HX-Refresh" not in fragment.headers
    identity.execute_identity_run(session, run.id)
    done = browser.get(f"/e/{engagement.id}/identity/runs/{run.id}/status", headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true" and "<progress" not in done.get_data(as_text=True)


def test_the_record_to_customer_export_downloads_from_the_run_page(browser, session, engagement):
    run = _run(session, engagement)
    e = engagement.id
    page = browser.get(f"/e/{e}/identity/runs/{run.id}").get_data(as_text=True)
    assert f"/identity/runs/{run.id}/records.csv" in page and f"/identity/runs/{run.id}/records.xlsx" in page
    resp = browser.get(f"/e/{e}/identity/runs/{run.id}/records.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="identity-run-{run.id}-record-customers.csv"'
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("customer,system,source_record_id,record,match,probability,linked_to,linked_to_system,"
                               "linked_to_source_record_id,golden_")
    assert len(lines) == 8
    xlsx = browser.get(f"/e/{e}/identity/runs/{run.id}/records.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    queued = identity.start_identity_run(session, engagement, find_scenario(session, engagement))
    assert browser.get(f"/e/{e}/identity/runs/{queued.id}/records.csv").status_code == 404


def test_two_runs_side_by_side_show_what_differs(browser, session, engagement):
    a = _run(session, engagement)
    web_only = scenario_with(session, engagement, "Web only", "Web shop")
    b = identity.run_identity(session, engagement, web_only, options={"probabilistic": False, "threshold": 0.8})
    e = engagement.id
    page = browser.get(f"/e/{e}/identity/compare").get_data(as_text=True)  # default: latest of two scenarios
    assert f"Run {a.id}</a> · Current state" in page and f"Run {b.id}</a> · Web only" in page
    assert "compare-matrix" in page and "threshold" in page and "not read" in page and "0.9" in page
    assert "Web only leaves out Loyalty members" in page and "-3" in page
    assert "mastered in" in page
    again = identity.run_identity(session, engagement, find_scenario(session, engagement),
                                  options={"probabilistic": False})
    same = browser.get(f"/e/{e}/identity/compare?a={a.id}&b={again.id}").get_data(as_text=True)
    assert "Same rules, thresholds and options." in same and "Both runs read the same extract versions." in same
    from_run_page = browser.get(f"/e/{e}/identity/compare?a={again.id}").get_data(as_text=True)
    assert f"Run {again.id}</a> · Current state" in from_run_page and f"Run {b.id}</a> · Web only" in from_run_page
    assert "v1</a>" in from_run_page
    assert browser.get(f"/e/{e}/identity/compare?a=99999").status_code == 404
    overview = browser.get(f"/e/{e}/identity").get_data(as_text=True)
    assert "/identity/compare" in overview and "Web only (leaves out Loyalty members)" in overview


def test_compare_without_two_finished_runs_says_what_to_do(browser, session, engagement):
    _run(session, engagement)
    page = browser.get(f"/e/{engagement.id}/identity/compare")
    assert page.status_code == 200 and "Two finished identity runs are needed" in page.get_data(as_text=True)


def test_the_analysis_overview_shows_identity_findings_with_the_run_as_evidence(browser, session, engagement):
    e = engagement.id
    scenario = find_scenario(session, engagement)
    assert "identity-findings" not in browser.get(f"/e/{e}/analysis?scenario={scenario.id}").get_data(as_text=True)
    run = _run(session, engagement)
    page = browser.get(f"/e/{e}/analysis?scenario={scenario.id}").get_data(as_text=True)
    assert 'id="identity-findings"' in page and f"/e/{e}/identity/runs/{run.id}" in page
    assert "Customer data is mastered in 2 systems (Web shop, Till)" in page
    assert "severity-medium" in page and "of Till records duplicate another Till record" in page
    failed = identity.start_identity_run(session, engagement, scenario)
    failed.status = "failed"
    session.commit()
    page = browser.get(f"/e/{e}/analysis?scenario={scenario.id}").get_data(as_text=True)
    assert f"identity run {run.id}</a>" in page  # the latest *done* run stays the evidence


def test_the_review_queue_decides_in_place_for_writers_only(browser, make_browser, make_user, session, engagement):
    run = _run(session, engagement)
    pair = {"left": "Web shop:W2", "right": "Till:P1", "probability": 0.7, "weight": 1.2, "rule": None,
            "held": None, "explanation": [
                {"field": "first_name", "label": "First name", "left": "sarah", "right": "bill", "level": "different",
                 "weight": -2.0, "words": "First name: different (-2.0)"}]}
    run.metrics = {**run.metrics, "review_queue": [pair]}
    session.commit()
    url = f"/e/{engagement.id}/identity/runs/{run.id}"
    page = browser.get(url).get_data(as_text=True)
    assert 'value="accept" title="Same customer">Same</button>' in page and "sarah" in page and "bill" in page
    reader = make_user(email="viewer@example.com", name="Viewer")
    set_membership(session, engagement, reader.email, "viewer")
    assert 'value="accept"' not in make_browser(reader).get(url).get_data(as_text=True)
    resp = browser.post(f"{url}/decide", data={"left": "Web shop:W2", "right": "Till:P1", "decision": "accept"},
                        follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "<strong>same customer</strong>" in page and 'value="undo"' in page


def test_advanced_options_left_at_their_defaults_are_not_stored(browser, session, engagement):
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    form = {"scenario_id": str(scenario.id), "advanced": "1", "rule-loyalty_id": "1", "rule-email": "1",
            "rule-phone": "1", "default_region": "gb"}
    browser.post(f"/e/{engagement.id}/identity/runs", data=form)
    browser.post(f"/e/{engagement.id}/identity/runs", data={**form, "rule-phone": "", "default_region": "DE",
                                                           "email_provider_rules": "1"})
    first, second = session.scalars(select(EngineRun).where(EngineRun.kind == "identity").order_by(EngineRun.id))
    assert first.parameters["options"] == {}
    assert second.parameters["options"] == {"rules": ["loyalty_id", "email"], "email_provider_rules": True,
                                            "default_region": "DE"}


def test_a_large_run_goes_to_the_background_and_writes_its_progress(app, browser, session, engagement):
    from app.jobs import jobs

    app.config["IDENTITY_INLINE_RECORDS"] = 0
    load_customers(session, engagement)
    scenario = find_scenario(session, engagement)
    resp = browser.post(f"/e/{engagement.id}/identity/runs", data={"scenario_id": str(scenario.id)})
    run_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    jobs(app).futures[f"run-{run_id}"].result(timeout=120)
    status = browser.get(f"/e/{engagement.id}/identity/runs/{run_id}/status", htmx=True)
    assert status.headers.get("HX-Refresh") == "true" and "done" in status.get_data(as_text=True)
    session.expire_all()
    run = session.get(EngineRun, run_id)
    assert run.status == "done" and run.progress == 1.0 and run.metrics["real_customers"] == 4


def test_the_run_page_shows_the_customer_range_when_name_only_pairs_are_held(browser, session, engagement):
    run = _run(session, engagement)
    real = run.metrics["real_customers"]
    page = browser.get(f"/e/{engagement.id}/identity/runs/{run.id}").get_data(as_text=True)
    assert "the low end merges" not in page  # rules only: nothing held for the name alone
    run.metrics = {**run.metrics, "customers_range": {"low": real - 3, "high": real}}
    session.commit()
    page = browser.get(f"/e/{engagement.id}/identity/runs/{run.id}").get_data(as_text=True)
    assert f"between {real - 3:,} and {real:,}" in page

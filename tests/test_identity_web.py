"""The customer identity pages: overview, run, explanations, review decisions, export, roles."""

from __future__ import annotations

from sqlalchemy import select

from app.services import identity
from app.services.accounts import set_membership
from app.services.analysis import find_scenario
from models import EngineRun
from tests.test_identity_runs import load_customers


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
    for version in identity.customer_versions(session, engagement):  # the dataset pages know the new kind
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

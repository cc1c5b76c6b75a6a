"""Every page that lists or shows engine runs answers whatever kinds of run the engagement holds.

The kinds come from `models.engines.RUN_KINDS`, so a new kind of run fails here until it has a starter below
and every engine page copes with it (an ATP page once formatted ATP figures for routing runs and answered 500).
"""

from __future__ import annotations

import pytest

from app.services.analysis.scenario import find_scenario
from app.services.demo import load_demo
from app.services.engines import identity
from app.services.engines import runs as engine_runs
from models import EngineRun
from models.engines import RUN_KINDS

# How to make a real run of each kind on the demo.
STARTERS = {
    "atp": lambda s, e, sc, u: engine_runs.run_now(s, e, sc, "atp", user=u),
    "replay": lambda s, e, sc, u: engine_runs.run_now(s, e, sc, "replay", user=u),
    "routing": lambda s, e, sc, u: engine_runs.run_now(s, e, sc, "routing", strategy="rules", user=u),
    "identity": lambda s, e, sc, u: identity.run_identity(s, e, sc, user=u),
    "returns": lambda s, e, sc, u: engine_runs.run_now(s, e, sc, "returns", user=u),
}
# The page of each kind's runs; the other engines' run pages must refuse the run with a 404, never a 500.
RUN_PAGE = {"atp": "atp", "replay": "atp", "routing": "routing", "identity": "identity", "returns": "returns"}


def test_every_kind_of_run_has_a_starter_and_a_page():
    assert set(STARTERS) == set(RUN_KINDS) and set(RUN_PAGE) == set(RUN_KINDS)


@pytest.fixture
def runs_of_every_kind(session, user):
    """The demo with a finished run of every kind, and a failed and a queued one of every kind (no metrics)."""
    engagement = load_demo(session, owner=user)
    scenario = find_scenario(session, engagement)
    done = {kind: start(session, engagement, scenario, user) for kind, start in STARTERS.items()}
    for kind, run in done.items():
        assert run.status == "done", (kind, run.error)
    others = []
    for kind in RUN_KINDS:
        for status in ("failed", "queued"):
            run = EngineRun(engagement_id=engagement.id, scenario_id=scenario.id, kind=kind, status=status,
                            metrics=None, parameters={}, dataset_versions={},
                            error="stopped by the test" if status == "failed" else "")
            session.add(run)
            others.append(run)
    session.commit()
    return engagement, done, others


def test_every_engine_page_renders_after_runs_of_every_kind(browser, session, runs_of_every_kind):
    engagement, done, others = runs_of_every_kind
    e = f"/e/{engagement.id}"
    everything = ",".join(str(r.id) for r in done.values())
    lists = [f"{e}/atp", f"{e}/atp/compare", f"{e}/routing", f"{e}/routing/compare", f"{e}/identity",
             f"{e}/identity/compare", f"{e}/returns", f"{e}/report"]
    for url in lists:
        assert browser.get(url).status_code == 200, url
    scenario = find_scenario(session, engagement)
    preview = f"{e}/report/preview?scenario={scenario.id}&" + "&".join(f"runs={r.id}" for r in done.values())
    assert browser.get(preview).status_code == 200, everything
    for run in [*done.values(), *others]:
        own = RUN_PAGE[run.kind]
        for page in sorted(set(RUN_PAGE.values())):
            for url in (f"{e}/{page}/runs/{run.id}", f"{e}/{page}/runs/{run.id}/status"):
                expected = 200 if page == own else 404
                assert browser.get(url).status_code == expected, (run.kind, run.status, url)


def test_the_run_lists_show_each_engine_its_own_runs_only(browser, runs_of_every_kind):
    engagement, done, _ = runs_of_every_kind
    e = f"/e/{engagement.id}"
    atp = browser.get(f"{e}/atp").get_data(as_text=True)
    routing = browser.get(f"{e}/routing").get_data(as_text=True)
    identity_page = browser.get(f"{e}/identity").get_data(as_text=True)
    assert f"/atp/runs/{done['atp'].id}" in atp and f"/atp/runs/{done['replay'].id}" in atp
    assert f"/atp/runs/{done['routing'].id}\"" not in atp and f"/atp/runs/{done['identity'].id}\"" not in atp
    assert f"/routing/runs/{done['routing'].id}" in routing
    assert f"/identity/runs/{done['identity'].id}" in identity_page

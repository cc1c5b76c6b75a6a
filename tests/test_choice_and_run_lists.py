"""Choice fields refuse values that are not text, and each engine's page lists only its own runs."""

from __future__ import annotations

from app.services.analysis.scenario import find_scenario
from app.services.catalog.fields import KINDS, clean
from app.services.engines import runs as engine_runs
from models import EngineRun

CHOICE_FIELDS = [(kind, f.name) for kind, spec in KINDS.items() for f in spec.fields if f.choices]


def test_every_choice_field_refuses_a_list_or_a_number_with_a_field_error(session, engagement):
    assert CHOICE_FIELDS, "the catalog has choice fields"
    for kind, name in CHOICE_FIELDS:
        for bad in (["saas"], 3):
            values, errors = clean(session, engagement.id, KINDS[kind], {name: bad}, partial=True)
            assert name not in values and errors[name][0].startswith("Must be one of"), (kind, name, bad)


def test_the_atp_page_answers_and_lists_only_atp_and_replay_runs_when_other_engines_ran(browser, session,
                                                                                        engagement):
    scenario = find_scenario(session, engagement)
    for kind, metrics in (("routing", {"orders": 3}), ("identity", {"records": 3}), ("atp", {"pool_units": 1200})):
        session.add(EngineRun(engagement_id=engagement.id, scenario_id=scenario.id, kind=kind, status="done",
                              metrics=metrics))
    session.commit()
    page = browser.get(f"/e/{engagement.id}/atp")
    assert page.status_code == 200
    kinds = {r.kind for r in engine_runs.list_runs(session, engagement.id, kind=("atp", "replay"))}
    assert kinds == {"atp"}
    html = page.get_data(as_text=True)
    assert html.count('class="badge run-done"') == 1 and "1,200 units in the pool" in html

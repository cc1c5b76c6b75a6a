"""Analysis through the API: the same documents as `flask analysis … --json`, errors naming the parameter."""

from __future__ import annotations

from app.services.catalog.elements import save_element
from app.services.scenarios import save_scenario


def test_findings_freshness_and_criteria_of_the_current_state_are_json_documents(api, session, engagement):
    save_element(session, engagement, "system", {"name": "Order hub", "category": "oms"})
    base = f"/api/v1/engagements/{engagement.id}"
    findings = api.get(f"{base}/findings")
    assert findings.status_code == 200 and "findings" in findings.get_json()
    freshness = api.get(f"{base}/freshness")
    assert freshness.status_code == 200 and isinstance(freshness.get_json(), dict | list)
    criteria = api.get(f"{base}/criteria")
    assert criteria.status_code == 200


def test_an_unknown_entity_or_scenario_is_a_problem_naming_the_parameter(api, engagement):
    base = f"/api/v1/engagements/{engagement.id}"
    entity = api.get(f"{base}/freshness?entity=Unicorns")
    assert entity.status_code == 422 and entity.get_json()["errors"][0]["field"] == "entity"
    scenario = api.get(f"{base}/findings?scenario=999999")
    assert scenario.status_code == 422 and scenario.get_json()["errors"][0]["field"] == "scenario"


def test_two_scenarios_are_compared_with_the_first_as_baseline(api, session, engagement):
    hub = save_element(session, engagement, "system", {"name": "Order hub", "category": "oms"})
    current = engagement.scenarios[0]
    target = save_scenario(session, engagement, "Target", copy_from=current)
    api.delete(f"/api/v1/engagements/{engagement.id}/systems/{hub.id}")  # gone from both: compare still works
    response = api.get(f"/api/v1/engagements/{engagement.id}/compare?scenarios={current.id}&scenarios={target.id}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [s["name"] for s in body["scenarios"]] == [current.name, "Target"] and len(body["comparisons"]) == 1
    one = api.get(f"/api/v1/engagements/{engagement.id}/compare?scenarios={current.id}")
    assert one.status_code == 422 and one.get_json()["errors"][0]["field"] == "scenarios"

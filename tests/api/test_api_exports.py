"""Exports through the API: every file of a whole engagement downloads with its media type."""

from __future__ import annotations

import pytest

from app.api.exports import EXPORTS
from app.services.catalog.elements import save_element


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_export_downloads_as_a_file(api, session, engagement, name):
    save_element(session, engagement, "requirement", {"title": "Orders reach the ERP"})
    response = api.get(f"/api/v1/engagements/{engagement.id}/exports/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == EXPORTS[name][0].split(";")[0] and len(response.data) > 20
    assert "attachment" in response.headers["Content-Disposition"]


def test_the_bundle_holds_the_engagement(api, session, engagement):
    save_element(session, engagement, "system", {"name": "Order hub", "category": "oms"})
    document = api.get(f"/api/v1/engagements/{engagement.id}/exports/bundle.json").get_json()
    assert [s["name"] for s in document["systems"]] == ["Order hub"]


def test_a_bad_parameter_is_a_problem_naming_it(api, engagement):
    grouped = api.get(f"/api/v1/engagements/{engagement.id}/exports/requirements.reqif?group_by=colour")
    assert grouped.status_code == 422 and grouped.get_json()["errors"][0]["field"] == "group_by"
    scenario = api.get(f"/api/v1/engagements/{engagement.id}/exports/archimate.xml?scenario=Nowhere")
    assert scenario.status_code == 422 and scenario.get_json()["errors"][0]["field"] == "scenario"

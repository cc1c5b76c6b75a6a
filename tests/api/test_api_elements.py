"""The API's element resources: create, read, list, update and delete through the catalogue services, with
pages and totals, filters, ETag/If-Match and problem details naming the field."""

from __future__ import annotations

from app.services.catalog.elements import save_element
from app.services.scenarios import save_scenario


def systems_url(engagement, element_id=None):
    base = f"/api/v1/engagements/{engagement.id}/systems"
    return f"{base}/{element_id}" if element_id else base


def test_a_system_created_through_the_api_is_read_back_with_its_version_as_etag(api, engagement):
    created = api.post(systems_url(engagement), json={"name": "Order hub", "category": "oms", "vendor": "Acme"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "Order hub" and body["vendor"] == "Acme" and body["version"] == 1
    assert created.headers["ETag"] == '"v1"'
    read = api.get(created.headers["Location"])
    assert read.status_code == 200 and read.get_json()["id"] == body["id"]
    assert read.headers["ETag"] == '"v1"'


def test_invalid_input_is_a_problem_naming_the_field_and_saves_nothing(api, engagement):
    response = api.post(systems_url(engagement), json={"name": "", "category": "not-a-category"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"name", "category"} <= fields
    assert api.get(systems_url(engagement)).get_json()["total"] == 0


def test_unknown_fields_and_a_body_that_is_not_an_object_are_refused_by_name(api, engagement):
    unknown = api.post(systems_url(engagement), json={"name": "Hub", "colour": "red"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "colour"
    not_object = api.post(systems_url(engagement), json=["Hub"])
    assert not_object.status_code == 422 and not_object.get_json()["errors"][0]["field"] == "body"


def test_an_update_with_a_stale_if_match_is_412_with_both_versions_and_changes_nothing(api, engagement):
    created = api.post(systems_url(engagement), json={"name": "Order hub", "category": "oms"}).get_json()
    url = systems_url(engagement, created["id"])
    first = api.patch(url, json={"vendor": "Acme"}, headers={"If-Match": '"v1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"v2"'
    stale = api.patch(url, json={"vendor": "Other"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert stale.get_json()["your_version"] == 1 and stale.get_json()["current_version"] == 2
    assert api.get(url).get_json()["vendor"] == "Acme"


def test_a_delete_with_a_stale_if_match_is_refused_and_a_current_one_deletes(api, engagement):
    created = api.post(systems_url(engagement), json={"name": "Order hub", "category": "oms"}).get_json()
    url = systems_url(engagement, created["id"])
    api.patch(url, json={"vendor": "Acme"})
    assert api.delete(url, headers={"If-Match": '"v1"'}).status_code == 412
    assert api.delete(url, headers={"If-Match": '"v2"'}).status_code == 204
    assert api.get(url).status_code == 404


def test_lists_are_paged_with_totals_and_filtered_like_the_web_lists(api, session, engagement):
    for i in range(5):
        save_element(session, engagement, "system", {"name": f"System {i}", "category": "oms" if i < 2 else "erp"})
    page = api.get(systems_url(engagement) + "?limit=2&offset=2").get_json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 2 and page["next_offset"] == 4
    assert [s["name"] for s in page["items"]] == ["System 2", "System 3"]
    filtered = api.get(systems_url(engagement) + "?category=oms").get_json()
    assert filtered["total"] == 2 and {s["category"] for s in filtered["items"]} == {"oms"}


def test_a_bad_query_parameter_is_a_problem_naming_it(api, engagement):
    response = api.get(systems_url(engagement) + "?limit=abc")
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "limit"


def test_an_update_in_a_scenario_keeps_the_other_scenarios_values(api, session, engagement):
    hub = save_element(session, engagement, "system", {"name": "Order hub", "category": "oms", "lifecycle": "active"})
    target = save_scenario(session, engagement, "Target", copy_from=engagement.scenarios[0])
    url = systems_url(engagement, hub.id)
    changed = api.patch(f"{url}?scenario={target.id}", json={"lifecycle": "retiring"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["lifecycle"] == "retiring" and "lifecycle" in changed.get_json()["own_fields"]
    assert api.get(url).get_json()["lifecycle"] == "active"
    assert api.get(f"{url}?scenario={target.id}").get_json()["lifecycle"] == "retiring"


def test_another_engagements_scenario_is_refused_by_name(api, session, user, engagement):
    from app.services.engagements import create_engagement

    other = create_engagement(session, "Other", owner=user)
    response = api.get(systems_url(engagement) + f"?scenario={other.scenarios[0].id}")
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "scenario"


def test_flows_and_trace_links_are_created_between_elements(api, session, engagement):
    a = save_element(session, engagement, "system", {"name": "Shop", "category": "ecommerce"})
    b = save_element(session, engagement, "system", {"name": "ERP", "category": "erp"})
    entity = api.get(f"/api/v1/engagements/{engagement.id}/entities?limit=1").get_json()["items"][0]
    flow = api.post(f"/api/v1/engagements/{engagement.id}/flows",
                    json={"source_id": a.id, "target_id": b.id, "pattern": "api", "entity_ids": [entity["id"]]})
    assert flow.status_code == 201, flow.get_json()
    req = api.post(f"/api/v1/engagements/{engagement.id}/requirements", json={"title": "Orders reach the ERP"})
    assert req.status_code == 201, req.get_json()
    link = api.post(f"/api/v1/engagements/{engagement.id}/trace-links", json={
        "kind": "satisfied_by", "source_id": req.get_json()["id"], "target_id": flow.get_json()["id"]})
    assert link.status_code == 201, link.get_json()
    listed = api.get(f"/api/v1/engagements/{engagement.id}/trace-links?element={req.get_json()['id']}")
    assert [x["id"] for x in listed.get_json()] == [link.get_json()["id"]]
    removed = api.delete(f"/api/v1/engagements/{engagement.id}/trace-links/{link.get_json()['id']}")
    assert removed.status_code == 204

"""Datasets and engine runs through the API: multipart uploads (rejections naming the row), versions, CSV
download, and an ATP replay started, polled and read back."""

from __future__ import annotations

import io

from tests.support.datasets import INVENTORY, LOCATIONS, ORDERS, erp


def upload(api, engagement, kind: str, text: str, system: str = "SAP ECC"):
    return api.post(f"/api/v1/engagements/{engagement.id}/datasets", content_type="multipart/form-data",
                    data={"kind": kind, "system": system, "file": (io.BytesIO(text.encode()), f"{kind}.csv")})


def test_datasets_are_uploaded_listed_and_downloaded_as_csv(api, session, engagement):
    erp(session, engagement)
    created = upload(api, engagement, "locations", LOCATIONS)
    assert created.status_code == 201, created.get_json()
    version = created.get_json()["versions"][0]
    assert version["number"] == 1 and version["rows"] == 3
    listed = api.get(f"/api/v1/engagements/{engagement.id}/datasets").get_json()
    assert [d["kind"] for d in listed] == ["locations"]
    csv = api.get(version["download"])
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and "DC1" in csv.get_data(as_text=True)


def test_a_rejected_upload_names_the_bad_row_and_stores_nothing(api, session, engagement):
    erp(session, engagement)
    bad = upload(api, engagement, "inventory", "sku,location_id,on_hand,allocated,safety_stock\nA,DC1,lots,0,\n")
    assert bad.status_code == 422
    assert any("on_hand" in e["field"] or "row" in e["field"].lower() or "2" in e["field"]
               for e in bad.get_json()["errors"]), bad.get_json()
    assert api.get(f"/api/v1/engagements/{engagement.id}/datasets").get_json() == []
    missing = api.post(f"/api/v1/engagements/{engagement.id}/datasets", data={"kind": "inventory"},
                       content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "file"


def test_a_replay_is_started_polled_and_its_metrics_read(api, session, engagement):
    erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("inventory", INVENTORY), ("orders", ORDERS)):
        assert upload(api, engagement, kind, text).status_code == 201
    scenario_id = engagement.scenarios[0].id
    started = api.post(f"/api/v1/engagements/{engagement.id}/runs", json={"kind": "replay", "scenario_id": scenario_id})
    assert started.status_code == 202, started.get_json()
    polled = api.get(started.headers["Location"]).get_json()
    assert polled["status"] == "done" and polled["metrics"]["by_channel"]["web"]["lines"] == 4
    assert [r["id"] for r in api.get(f"/api/v1/engagements/{engagement.id}/runs").get_json()] == [polled["id"]]


def test_a_run_without_its_datasets_is_refused_naming_what_is_missing(api, engagement):
    response = api.post(f"/api/v1/engagements/{engagement.id}/runs",
                        json={"kind": "replay", "scenario_id": engagement.scenarios[0].id})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "locations"
    wrong = api.post(f"/api/v1/engagements/{engagement.id}/runs", json={"kind": "nope", "scenario_id": 0})
    assert wrong.status_code == 422 and {e["field"] for e in wrong.get_json()["errors"]} == {"kind", "scenario_id"}

"""Datasets and ATP rules in the JSON bundle and in the demo engagement."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import find_scenario
from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle
from app.services.demo import load_demo
from app.services.engines import atp_rules as atp_rules
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from models import Dataset, DatasetVersion, Engagement
from tests.support.bundles import small_bundle, without_timestamp
from tests.support.datasets import load_small_network


def test_datasets_and_rules_round_trip_through_a_bundle(session, engagement):
    load_small_network(session, engagement)
    atp_rules.save_rules(session, engagement, find_scenario(session, engagement), {"thresholds": {"store": 2}})
    first = export_bundle(session, engagement)
    assert [d["kind"] for d in first["datasets"]] == ["locations", "inventory", "orders"]
    assert first["datasets"][0]["system_id"].startswith("system-")
    copy = import_bundle(session, json.loads(dumps_bundle(first)))
    second = export_bundle(session, copy)
    assert without_timestamp(second) == without_timestamp(first)
    assert atp_rules.rules_document(session, find_scenario(session, copy))["thresholds"] == {"store": 2}


def test_a_bundle_without_datasets_keeps_its_old_shape():
    assert "datasets" not in small_bundle() and "atp_rules" not in small_bundle()


def test_a_bundle_whose_dataset_fails_validation_imports_nothing(session, engagement):
    load_small_network(session, engagement)
    document = json.loads(dumps_bundle(export_bundle(session, engagement)))
    bad = "location_id,type,latitude,longitude\nX,castle,1,1\n"
    document["datasets"][0]["data"] = base64.b64encode(gzip.compress(bad.encode())).decode()
    engagements_before = session.scalar(select(func.count()).select_from(Engagement))
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document)
    assert any(key.startswith("$.datasets[0].data") for key in caught.value.errors)
    assert session.scalar(select(func.count()).select_from(Engagement)) == engagements_before
    assert session.scalar(select(func.count()).select_from(Dataset)) == 3  # only the original engagement's


def test_the_demo_ships_datasets_linked_to_its_systems_and_rules_for_both_scenarios(session, user):
    engagement = load_demo(session, owner=user)
    datasets = session.scalars(select(Dataset).where(Dataset.engagement_id == engagement.id)).all()
    assert {(d.kind, d.system.name) for d in datasets} == {
        ("locations", "SAP ECC"), ("inventory", "SAP ECC"), ("orders", "Salesforce Commerce Cloud"),
        ("receipts", "Blue Yonder WMS"), ("customers", "Salesforce Commerce Cloud"),
        ("customers", "Oracle Xstore POS"), ("customers", "Salesforce Service Cloud"), ("returns", "SAP ECC"),
    }
    rows = dict(session.execute(select(Dataset.kind, DatasetVersion.row_count).join(DatasetVersion)).all())
    assert rows["locations"] == 11 and rows["orders"] > 3000 and rows["inventory"] > 200
    current = find_scenario(session, engagement)
    target = find_scenario(session, engagement, "Target A")
    assert atp_rules.rules_document(session, current)["eligibility"]["default"] == "none"
    assert atp_rules.rules_document(session, target)["allocation"]["mode"] == "ring_fenced"


def test_on_the_demo_the_target_design_oversells_less_than_the_current_state(session, user):
    engagement = load_demo(session, owner=user)
    now = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "replay")
    then = engine_runs.run_now(session, engagement, find_scenario(session, engagement, "Target A"), "replay")
    web_now, web_then = now.metrics["by_channel"]["web"], then.metrics["by_channel"]["web"]
    assert now.parameters["latency"]["web"]["seconds"] == 86400  # the nightly stock file
    assert web_now["oversold_rate"] > 0.005 and web_now["phantom_rate"] > 0.01
    assert web_then["oversold_rate"] < web_now["oversold_rate"] / 5
    assert then.metrics["totals"]["availability_rate"] > now.metrics["totals"]["availability_rate"]

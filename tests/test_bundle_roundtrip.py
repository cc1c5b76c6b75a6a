"""The round-trip generator at a small size: awkward text survives a bundle into an empty database exactly."""

from __future__ import annotations

import json

from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle, parse_bundle
from app.services.datasets.kinds import KINDS as DATASET_KINDS
from app.services.engagements import delete_engagement
from bench.roundtrip_support import AWKWARD, NAME_LENGTH, comparable, differences, generate
from tests.support.bundles import without_timestamp


def test_the_generated_engagement_holds_every_kind_and_every_awkward_string(session):
    document = generate(systems=6, flows=12, requirements=6)
    engagement = import_bundle(session, document)
    exported = export_bundle(session, engagement)
    text = json.dumps(exported, ensure_ascii=False)
    assert all(json.dumps(s, ensure_ascii=False)[1:-1] in text for s in AWKWARD)
    assert any(len(system["name"]) == NAME_LENGTH for system in exported["systems"])
    assert any("\n" in system["notes"] for system in exported["systems"])
    assert {d["kind"] for d in exported["datasets"]} == set(DATASET_KINDS)
    assert differences(comparable(document), comparable(exported)) == []


def test_a_generated_engagement_round_trips_through_a_bundle_into_an_empty_database(session):
    engagement = import_bundle(session, generate(systems=6, flows=12, requirements=6))
    first = json.loads(dumps_bundle(export_bundle(session, engagement)))
    delete_engagement(session, engagement)
    copy = import_bundle(session, parse_bundle(dumps_bundle(first)))
    second = export_bundle(session, copy)
    assert differences(comparable(first), comparable(second)) == []
    assert without_timestamp(second) == without_timestamp(first)


def test_the_comparison_names_what_changed_went_missing_or_appeared():
    before = generate(systems=3, flows=3, requirements=2)
    after = json.loads(json.dumps(before))
    after["systems"][0]["vendor"] = "Someone else"
    after["requirements"].pop()
    after["channels"].append({"id": "new", "name": "Kiosk"})
    found = differences(comparable(before), comparable(after))
    assert any(line.endswith("became 'Someone else'") and ".vendor:" in line for line in found)
    assert "requirement 'REQ-2': missing after the round trip" in found
    assert "channel 'Kiosk': not in the original" in found

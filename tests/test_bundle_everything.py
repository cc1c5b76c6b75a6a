"""Every table and every kind in the bundle: an engagement holding all of them round-trips without a difference."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.services.bundle.coverage import CARRIED, EXCLUDED, NOT_ENGAGEMENT_DATA
from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle, parse_bundle
from app.services.catalog.fields import KINDS
from app.services.datasets.kinds import KINDS as DATASET_KINDS
from app.services.datasets.uploads import upload_dataset
from app.services.demo import DATASETS
from app.services.engagements import delete_engagement
from app.services.engines.identity import latest_decisions
from app.services.errors import ValidationError
from models import Base, Dataset, DatasetVersion, Engagement, EngineRun
from tests.support.bundles import without_timestamp
from tests.support.everything import empty_tables, engagement_tables, everything_engagement, kinds_present


def test_every_engagement_table_is_carried_by_the_bundle_or_excluded_with_a_reason():
    scoped = engagement_tables()
    unaccounted = sorted(set(scoped) - set(CARRIED) - set(EXCLUDED))
    assert not unaccounted, (
        "The bundle does not carry these engagement tables: "
        + "; ".join(f"{name} ({scoped[name]})" for name in unaccounted)
        + ". Export and import them in app/services/bundle and list them in CARRIED, or list them in EXCLUDED "
        "with the reason (app/services/bundle/coverage.py)."
    )


def test_the_coverage_lists_name_only_real_tables_and_no_table_twice():
    tables = {t.name for t in Base.metadata.sorted_tables}
    listed = [*CARRIED, *EXCLUDED, *NOT_ENGAGEMENT_DATA]
    assert sorted(set(listed) - tables) == []
    assert len(listed) == len(set(listed))
    assert set(NOT_ENGAGEMENT_DATA).isdisjoint(engagement_tables())
    assert tables == set(listed), f"tables in no list: {sorted(tables - set(listed))}"


def test_an_engagement_with_every_table_and_kind_exports_imports_into_an_empty_database_and_exports_the_same(
    session, user
):
    engagement = everything_engagement(session, user)
    assert empty_tables(session, CARRIED) == [], "the test engagement should fill every carried table"
    first = json.loads(dumps_bundle(export_bundle(session, engagement)))
    assert kinds_present(first) == set(KINDS)
    assert {d["kind"] for d in first["datasets"]} == set(DATASET_KINDS)
    for section in ("scenario_values", "archimate_relationships", "archimate_ids", "atp_rules", "rule_settings",
                    "diagram_layouts", "routing_cost_models", "return_policies", "report_branding", "engine_runs",
                    "archimate_model", "comments"):
        assert first.get(section), f"{section} missing from the export"
    assert {run["kind"] for run in first["engine_runs"]} == {"atp", "identity"}

    delete_engagement(session, engagement)
    assert empty_tables(session, CARRIED) == sorted(CARRIED), "the database should hold no engagement now"
    copy = import_bundle(session, parse_bundle(dumps_bundle(first)), owner=user)
    second = json.loads(dumps_bundle(export_bundle(session, copy)))
    assert without_timestamp(second) == without_timestamp(first)
    assert empty_tables(session, CARRIED) == []


def test_bad_settings_sections_are_refused_by_json_path_and_nothing_is_saved(session, user):
    document = json.loads(dumps_bundle(export_bundle(session, everything_engagement(session, user))))
    before = empty_tables(session, CARRIED)
    document["report_branding"]["primary_colour"] = "#12345"
    document["routing_cost_models"][0]["scenario_id"] = "scenario-9"
    document["diagram_layouts"][0]["positions"] = {"requirement-1": [1, 2]}
    document["rule_settings"] = {"no-such-rule": {"enabled": False}}
    engagements = session.scalar(select(func.count()).select_from(Engagement))
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document, owner=user)
    assert "$.report_branding.primary_colour" in caught.value.errors
    document["report_branding"]["primary_colour"] = "#123456"
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document, owner=user)
    errors = caught.value.errors
    assert errors["$.routing_cost_models[0].scenario_id"] == ["Unknown scenario 'scenario-9'."]
    assert errors["$.diagram_layouts[0].positions"] == ["'requirement-1' is not a system or channel of this bundle."]
    assert any(key.startswith("$.rule_settings.no-such-rule") for key in errors)
    assert session.scalar(select(func.count()).select_from(Engagement)) == engagements
    assert empty_tables(session, CARRIED) == before


def test_engine_runs_travel_pointing_at_the_copys_dataset_versions_with_their_review_decisions(session, user):
    engagement = everything_engagement(session, user)
    copy = import_bundle(session, json.loads(dumps_bundle(export_bundle(session, engagement))), owner=user)
    runs = session.scalars(select(EngineRun).where(EngineRun.engagement_id == copy.id)).all()
    versions = set(session.scalars(select(DatasetVersion.id).join(Dataset).where(Dataset.engagement_id == copy.id)))
    assert {r.kind for r in runs} == {"atp", "identity"} and all(r.status == "done" for r in runs)
    assert all(set(r.dataset_versions.values()) <= versions for r in runs)
    assert latest_decisions(session, copy) == latest_decisions(session, engagement)


def test_a_run_on_a_dataset_version_the_bundle_does_not_carry_stays_behind(session, user):
    engagement = everything_engagement(session, user)
    inventory = session.scalar(select(Dataset).where(Dataset.engagement_id == engagement.id,
                                                     Dataset.kind == "inventory"))
    upload_dataset(session, engagement, "inventory", (DATASETS / "inventory.csv").read_bytes(), "again.csv",
                   system=inventory.system, name=inventory.name, user=user)
    assert [r["kind"] for r in export_bundle(session, engagement)["engine_runs"]] == ["identity"]

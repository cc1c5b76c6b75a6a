"""One list of dataset kinds, and the demo engagement's bundle restoring through the CLI and the web import."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import CheckConstraint, func, select

from app.services.bundle.checks import SCHEMA_PATH, bundle_schema, check_bundle
from app.services.bundle.transfer import export_bundle, import_bundle
from app.services.datasets.kinds import KINDS as DATASET_REGISTRY
from app.services.demo import load_demo
from app.services.errors import ValidationError
from models import DATASET_KINDS, Dataset, Engagement
from tests.support.bundles import without_timestamp


def test_the_datasets_registry_and_the_models_name_the_same_kinds_in_the_same_order():
    assert tuple(DATASET_REGISTRY) == DATASET_KINDS, (
        "app/services/datasets/kinds.py and models/datasets.py DATASET_KINDS must list the same kinds "
        "(and a migration must widen the datasets.kind check constraint)"
    )


def test_the_datasets_table_accepts_exactly_the_registered_kinds():
    checks = [c for c in Dataset.__table__.constraints if isinstance(c, CheckConstraint)]
    constraint = next(c for c in checks if str(c.sqltext).startswith("kind "))
    assert str(constraint.sqltext) == "kind IN (" + ", ".join(f"'{k}'" for k in DATASET_REGISTRY) + ")"


def test_the_bundle_schema_takes_its_dataset_kinds_from_the_registry_and_the_file_agrees():
    assert bundle_schema()["$defs"]["dataset"]["properties"]["kind"]["enum"] == list(DATASET_REGISTRY)
    published = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert published["$defs"]["dataset"]["properties"]["kind"]["enum"] == list(DATASET_REGISTRY), (
        "app/services/bundle/schema.json lists other dataset kinds than app/services/datasets/kinds.py: "
        "update its $defs.dataset.properties.kind.enum"
    )


def test_an_unknown_dataset_kind_is_refused_naming_every_known_kind(session, user):
    document = export_bundle(session, load_demo(session, owner=user))
    document["datasets"][0]["kind"] = "prices"
    with pytest.raises(ValidationError) as caught:
        check_bundle(document)
    (message,) = caught.value.errors["$.datasets[0].kind"]
    assert message == "Must be one of: " + ", ".join(DATASET_REGISTRY) + "."


def test_the_demo_exports_every_dataset_kind_and_its_bundle_imports_again(session, user):
    demo = load_demo(session, owner=user)
    first = export_bundle(session, demo)
    assert {d["kind"] for d in first["datasets"]} == set(DATASET_REGISTRY)
    copy = import_bundle(session, json.loads(json.dumps(first)), owner=user)
    assert without_timestamp(export_bundle(session, copy)) == without_timestamp(first)


def test_the_demo_of_flask_demo_setup_round_trips_through_flask_engagement_export_and_import(app, session, user,
                                                                                                tmp_path):
    runner = app.test_cli_runner()
    session.commit()
    assert runner.invoke(args=["demo", "setup"]).exit_code == 0
    session.commit()
    demo = session.scalars(select(Engagement).order_by(Engagement.id)).one()
    assert session.scalar(select(func.count()).select_from(Dataset).where(Dataset.kind == "customers")) > 0
    path = tmp_path / "demo.json"
    exported = runner.invoke(args=["engagement", "export", str(demo.id), "-o", str(path)])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(args=["engagement", "import", str(path), "--owner", user.email])
    assert imported.exit_code == 0, imported.output
    session.commit()
    copy = session.scalars(select(Engagement).order_by(Engagement.id.desc())).first()
    assert copy.id != demo.id
    assert without_timestamp(export_bundle(session, copy)) == without_timestamp(json.loads(path.read_text()))


def test_the_demo_round_trips_through_the_web_download_and_upload(browser, session, user):
    demo = load_demo(session, owner=user)
    downloaded = browser.get(f"/e/{demo.id}/bundle.json")
    assert downloaded.status_code == 200, downloaded.status_code
    before = session.scalar(select(func.count()).select_from(Engagement))
    resp = browser.post(
        "/engagements/import",
        data={"file": (io.BytesIO(downloaded.data), "demo.throughline.json")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    assert session.scalar(select(func.count()).select_from(Engagement)) == before + 1
    copy = session.scalars(select(Engagement).order_by(Engagement.id.desc())).first()
    assert without_timestamp(export_bundle(session, copy)) == without_timestamp(json.loads(downloaded.data))

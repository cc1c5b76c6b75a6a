"""The demo's captured datasets and ATP rules (app/demo/datasets/), loaded into a demo engagement."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.datasets.uploads import upload_dataset
from app.services.engines.atp_rules import save_rules
from models import Engagement, Scenario, User, name_key

DATASETS = Path(__file__).resolve().parents[2] / "demo" / "datasets"


def load_demo_datasets(session: Session, engagement: Engagement, user: User | None = None) -> None:
    """Upload the shipped CSVs (linked to the demo's systems) and set each scenario's ATP rules."""
    manifest = json.loads((DATASETS / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["datasets"]:  # in dependency order: locations before what refers to them
        data = (DATASETS / entry["file"]).read_bytes()
        upload_dataset(session, engagement, entry["kind"], data, entry["file"], system=entry["system"],
                       name=entry["name"], user=user)
    for scenario_name, document in manifest["rules"].items():
        scenario = session.scalar(
            select(Scenario).where(Scenario.engagement_id == engagement.id,
                                   Scenario.name_key == name_key(scenario_name))
        )
        if scenario is not None:
            save_rules(session, engagement, scenario, document, user=user)

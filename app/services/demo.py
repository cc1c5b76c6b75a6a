"""The demo engagement (Northwind Living), shipped as a bundle with datasets and ATP rules, loaded on first start."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.accounts import create_user
from app.services.bundle.transfer import import_bundle, parse_bundle
from app.services.datasets.uploads import upload_dataset
from app.services.engines.atp_rules import save_rules
from app.services.engines.returns import save_policy
from app.services.errors import ValidationError
from models import Engagement, Scenario, User, name_key

DEMO_BUNDLE = Path(__file__).resolve().parent.parent / "demo" / "demo_bundle.json"
DEMO_EMAIL = "demo@throughline.local"
DEMO_NAME = "Demo Consultant"
DATASETS = Path(__file__).resolve().parent.parent / "demo" / "datasets"


@dataclass(frozen=True)
class DemoCredentials:
    """What the first start prints once: the only time the demo password is ever shown."""

    email: str
    password: str
    engagement_id: int


def load_demo(session: Session, owner: User | None = None) -> Engagement:
    """Import the demo engagement as a new engagement (each call makes another copy), with its datasets."""
    engagement = import_bundle(session, parse_bundle(DEMO_BUNDLE.read_bytes()), owner=owner)
    load_demo_datasets(session, engagement, user=owner)
    return engagement


def ensure_demo(session: Session) -> DemoCredentials | None:
    """On an empty database, create the demo user and engagement; None when already set up."""
    if session.scalar(select(Engagement.id).limit(1)) is not None:
        return None
    if session.scalar(select(User.id).where(User.email == DEMO_EMAIL)) is not None:
        return None  # set up before, then its engagements were deleted: do not bring them back
    password = secrets.token_urlsafe(12)
    try:
        user = create_user(session, DEMO_EMAIL, DEMO_NAME, password)
    except ValidationError:
        return None  # another process started at the same moment and won
    try:
        engagement = load_demo(session, owner=user)
    except BaseException:
        # Without its engagement the demo user would only make the next start think setup happened.
        session.delete(user)
        session.commit()
        raise
    return DemoCredentials(email=DEMO_EMAIL, password=password, engagement_id=engagement.id)


def load_demo_datasets(session: Session, engagement: Engagement, user: User | None = None) -> None:
    """Upload the shipped CSVs (linked to the demo's systems) and set each scenario's ATP rules and return policy."""
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
            policy = manifest.get("return_policies", {}).get(scenario_name)
            if policy is not None:
                save_policy(session, engagement, scenario, policy, user=user)

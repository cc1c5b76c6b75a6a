"""ATP rules per scenario: read (defaults when none saved), validate and save the JSON document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engines.atp import Rules
from app.engines.rules import default_document, parse_rules, rules_to_document
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import store_settings
from models import AtpRules, Channel, Engagement, Scenario, User

EVERY_CHANNEL = "all channels"  # what default rules report when no channel is known anywhere


def rules_document(session: Session, scenario: Scenario) -> dict[str, Any]:
    """The scenario's stored rules document, or the defaults (one shared pool) when none was saved."""
    row = session.scalar(select(AtpRules).where(AtpRules.scenario_id == scenario.id))
    return dict(row.document) if row is not None else default_document()


def rules_for(session: Session, scenario: Scenario) -> Rules:
    """The scenario's rules, ready for the engines."""
    rules, errors = parse_rules(rules_document(session, scenario))
    if rules is None:  # stored documents were validated; this only guards against hand edits in the database
        raise ValidationError({f"rules.{k}": v for k, v in errors.items()})
    return rules


def save_rules(
    session: Session,
    engagement: Engagement,
    scenario: Scenario,
    document: Any,
    *,
    user: User | None = None,
    commit: bool = True,
) -> dict[str, Any]:
    """Validate and store a scenario's rules; ValidationError keyed by the place in the document."""
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    rules, errors = parse_rules(document)
    if rules is None:
        raise ValidationError(errors)
    canonical = rules_to_document(rules, document.get("channel_map"))
    return store_settings(session, AtpRules, engagement, scenario, canonical, user=user, commit=commit)


def default_channels(session: Session, engagement: Engagement, rules: Rules) -> list[str]:
    """The channels an ATP run reports when the rules name none (every location sells to every channel):
    those of the latest orders dataset, else the catalog's channels, else one "all channels" line."""
    if rules.channels or rules.grants or rules.fences or rules.segments or rules.group_assignments:
        return []
    from app.services.datasets.uploads import latest_version, load_frame  # only default rules need them

    version = latest_version(session, engagement.id, "orders")
    if version is not None:
        names = [str(c) for c in load_frame(session, version).codes("channel")[1]]
        if names:
            return names
    names = list(session.scalars(select(Channel.name).where(Channel.engagement_id == engagement.id)
                                 .order_by(Channel.name)))
    return names or [EVERY_CHANNEL]

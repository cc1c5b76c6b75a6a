"""Acceptance criteria checked when a requirement is saved, on every entry path (form, workbook, bundle, API).

`field_cleaning.clean` calls `acceptance_errors` for a requirement's acceptance text: a criterion line that does
not parse, calls an unknown function or names an entity or channel the engagement lacks is a field error (the
form answers 422, a workbook names the row and column), with the closest valid name offered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.graph.criteria_check import acceptance_problems
from app.graph.criteria_syntax import is_criterion
from models import Channel, DataEntity, Element

_MODELS = {"entity": DataEntity, "channel": Channel}


def acceptance_errors(
    session: Session, engagement_id: int, text: str, refs: dict[type, dict[int, Any]] | None = None
) -> list[str]:
    """What is wrong with an acceptance text's criteria (one message per problem); [] when all is well."""
    if not any(is_criterion(line) for line in text.splitlines()):
        return []  # prose only: no query
    return acceptance_problems(text, _names(session, engagement_id, refs))


def _names(session: Session, engagement_id: int, refs) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {role: [] for role in _MODELS}
    # A bulk import hands over its index, which also holds what it created or (dry run) only planned.
    if refs is not None and all(model in refs for model in _MODELS.values()):
        for role, model in _MODELS.items():
            names[role] = [o.name for o in refs[model].values() if o.engagement_id == engagement_id]
        return names
    rows = session.execute(select(Element.kind, Element.name).where(
        Element.engagement_id == engagement_id, Element.kind.in_(_MODELS)))  # one query for both kinds
    for kind, name in rows:
        names[kind].append(name)
    return names

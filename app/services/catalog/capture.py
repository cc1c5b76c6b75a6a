"""Quick capture: what a typed line would create (preview), and creating it all or nothing (apply).

`preview` parses the line (app/capture/grammar.py) and resolves every name against the engagement's
catalog: existing elements are used, unknown systems and stakeholders become new ones (with the closest
catalog names offered first), unknown entities, channels and requirement refs are errors. `apply` parses
and resolves the line again — it never trusts the preview the browser saw — and creates everything through
save_element/add_link in one transaction.

The parts: `capture_preview` (Choices, Suggestion, Item, Preview), `capture_resolve` (the catalog look-ups) and
`capture_lines` (one builder per kind of line); the public names stay importable from here. A leading
`[Scenario name]` writes the line into that scenario instead of the one in view.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.capture import grammar
from app.capture.grammar import ParseError
from app.graph.names import match_name
from app.services.catalog.capture_elements import _elements
from app.services.catalog.capture_lines import _BUILDERS, DEFAULT_PATTERN
from app.services.catalog.capture_preview import Builder, Choices, Item, Preview, Suggestion
from app.services.catalog.capture_resolve import PAGE_OF, _Resolver
from app.services.errors import ValidationError
from models import Element, Engagement, Scenario

__all__ = [
    "DEFAULT_PATTERN",
    "PAGE_OF",
    "Builder",
    "Choices",
    "Item",
    "Preview",
    "Suggestion",
    "apply",
    "preview",
]


# --- entry points ---------------------------------------------------------------------------------


def preview(session: Session, engagement: Engagement, line: str, choices: Choices | None = None) -> Preview:
    """Parse a line and resolve it against the engagement, creating nothing."""
    result = Preview(line=line)
    if result.empty:
        return result
    choices = choices or Choices()
    named, rest, at = grammar.scenario_prefix(line)
    if named is not None:
        scenario_id, problem = scenario_named(session, engagement, named)
        if problem:
            result.error = ParseError(problem, at + 1, line.find("]", at) + 1 - at)
            return result
        choices = replace(choices, scenario_id=scenario_id)
    parsed = grammar.parse(rest)
    if isinstance(parsed, ParseError):
        result.error = parsed
        return result
    result.parsed = parsed
    resolver = _Resolver(session, engagement, line, choices)
    (_elements if isinstance(parsed, grammar.ElementLine) else _BUILDERS[type(parsed)])(resolver, parsed, result)
    return result


def apply(
    session: Session, engagement: Engagement, line: str, user_id: int | None, choices: Choices | None = None
) -> list[Element]:
    """Create what the line describes — every element and link, or none of them. Raise ValidationError with
    the problems when the line is not ready (parse error, unknown entity, unconfirmed look-alike…)."""
    result = preview(session, engagement, line, choices)
    if not result.ready or result.build is None:
        raise ValidationError({"line": result.problems or ["Nothing to capture."]})
    try:
        created = result.build(session, engagement, user_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return created


def scenario_named(session: Session, engagement: Engagement, name: str) -> tuple[int | None, str | None]:
    """The id of the engagement's scenario a `[name]` prefix means, or why it means none (unknown, ambiguous)."""
    scenarios = session.execute(
        select(Scenario.id, Scenario.name).where(Scenario.engagement_id == engagement.id).order_by(Scenario.id)
    ).all()
    match = match_name(name, scenarios, closest=False)
    if match.ok:
        return match.key, None
    known = ", ".join(f"[{n}]" for _i, n in scenarios)
    if match.candidates:
        return None, f"{match.message('scenario')} Scenarios: {known}."
    return None, f"No scenario “{name}” in this engagement. Scenarios: {known}."

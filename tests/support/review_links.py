"""Helpers for review-link tests: the demo with a link to its target scenario only, and a client's browser."""

from __future__ import annotations

from app.services.review import links


def target_and_current(engagement):
    """The demo's target scenario (in the link) and its current state (left out)."""
    current = next(s for s in engagement.scenarios if s.is_baseline)
    target = next(s for s in engagement.scenarios if not s.is_baseline)
    return target, current


def make_link(session, engagement, scenarios, **kw):
    """A link to the given scenarios (read role, 14 days unless told); returns the link and its raw token."""
    values = {"role": "read", "label": "Acme steering group", "days": 14, **kw}
    return links.create_link(session, engagement, scenario_ids=[s.id for s in scenarios], **values)

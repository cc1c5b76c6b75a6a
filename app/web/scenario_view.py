"""The scenario in view: which scenario an engagement's pages show and edit, resolved in one place.

`?scenario=<id>` on any page (or a `scenario` field of a form) chooses it, and it is remembered in the Flask
session per engagement; without it the remembered one is shown, and by default the current state (baseline).
An id that is not one of this engagement's scenarios is ignored, so another engagement's scenario never shows
(tenancy). Resolving costs one query per request, shared with the switcher in the navigation.
"""

from __future__ import annotations

from flask import g, request, session

from app.extensions import db
from app.services.catalog.scenario_view import pick_scenario
from app.services.scenarios import list_scenarios
from models import Scenario

SESSION_KEY = "scenario_in_view"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def engagement_scenarios() -> list[Scenario]:
    """The engagement's scenarios, current state first (loaded once per request)."""
    if "view_scenarios" not in g:
        g.view_scenarios = list_scenarios(db.session, g.engagement.id) if g.get("engagement") is not None else []
    return g.view_scenarios


def scenario_in_view() -> Scenario | None:
    """The scenario this request shows and edits (None outside an engagement or when it has no scenario)."""
    if "scenario_in_view" in g:
        return g.scenario_in_view
    engagement = g.get("engagement")
    scenario = None
    if engagement is not None:
        remembered = session.get(SESSION_KEY, {})
        asked = _int(request.values.get("scenario"))
        scenario = pick_scenario(engagement_scenarios(), asked, _int(remembered.get(str(engagement.id))))
        if scenario is not None and asked == scenario.id and remembered.get(str(engagement.id)) != scenario.id:
            session[SESSION_KEY] = {**remembered, str(engagement.id): scenario.id}
    g.scenario_in_view = scenario
    return scenario

"""What every analysis page shares: the scenario picked and template helpers. Pages keep the app's CSP
(`object-src 'none'`): diagrams are inlined SVG (see app.web.analysis.diagram)."""

from __future__ import annotations

from flask import abort, g, request, url_for

from app.extensions import db
from app.graph.units import format_duration
from app.services.analysis import scenario as analysis
from app.services.scenarios import list_scenarios
from app.web.analysis import bp
from app.web.crud import endpoint
from app.web.templating import url_builder
from models import Scenario

# Where each kind of id a finding or impact lists has its detail page.
OBJECT_KINDS = {"systems": "system", "flows": "flow", "entities": "entity", "channels": "channel",
                "requirements": "requirement", "decisions": "decision", "ownerships": "ownership"}


def pick_scenario(param: str = "scenario", default_index: int = 0) -> tuple[Scenario, list[Scenario]]:
    """The scenario named by `?param=<id>` (default: the current state), and all of them for the picker."""
    scenarios = list_scenarios(db.session, g.engagement.id)
    if not scenarios:
        abort(404)
    wanted = request.args.get(param, type=int)
    if wanted is None:
        return scenarios[min(default_index, len(scenarios) - 1)], scenarios
    chosen = next((s for s in scenarios if s.id == wanted), None)
    if chosen is None:
        abort(404)
    return chosen, scenarios


def picked_several(param: str = "s") -> tuple[list[Scenario], list[Scenario]]:
    """The scenarios named by `?s=<id>&s=<id>…` in that order (404 for one not in the engagement), and all."""
    scenarios = list_scenarios(db.session, g.engagement.id)
    by_id = {s.id: s for s in scenarios}
    wanted = request.args.getlist(param, type=int)
    if any(i not in by_id for i in wanted):
        abort(404)
    return [by_id[i] for i in wanted], scenarios


def load(param: str = "scenario") -> tuple[analysis.Analysis, list[Scenario]]:
    """Analyse the picked scenario: the one `analyse()` of the request."""
    scenario, scenarios = pick_scenario(param)
    return analysis.analyse(db.session, g.engagement, scenario), scenarios


def detail_url(kind: str, element_id: int) -> str:
    """The detail page of an element, by kind (`system`) or plural (`systems`); one url_for per kind and request."""
    return url_builder(endpoint(OBJECT_KINDS.get(kind, kind), "detail"))(element_id)


def link_prefix() -> str:
    """The app path every node link of this engagement's diagrams starts with, e.g. /e/3."""
    return url_for("engagement.dashboard").rstrip("/")


@bp.context_processor
def _helpers() -> dict:
    return {"detail_url": detail_url, "duration": format_duration, "OBJECT_KINDS": OBJECT_KINDS}

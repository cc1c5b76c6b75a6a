"""Template globals and filters: vocabulary labels and display of element fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask, g, request, session, url_for

from app.durations import format_duration
from app.services.catalog.fields import KINDS
from app.services.labels import label
from app.web.matrix_cells import ownership_cells, trace_cell, trace_cells
from app.web.navigation import menus
from app.web.scenario_view import engagement_scenarios, scenario_in_view
from models import vocab

if TYPE_CHECKING:
    from app.graph.decision_status import EffectiveStatus


def human_seconds(value: float | None) -> str:
    """12 h, 24 h 15 min, 5 min, 2 s — latencies as people say them (app/durations.py); — when unknown."""
    return format_duration(value, unknown="—")


UNKNOWN = "—"
# A value no real id takes, so it is found again in the URL url_for builds around it.
_SLOT = 987654321987


def url_builder(endpoint: str, param: str = "element_id", **values: Any) -> Callable[[Any], str]:
    """A function of one id giving `url_for(endpoint, param=id, **values)`, built with one url_for per request.

    Hot loops (thousands of links on a page) call the result instead of url_for: formatting an int into a
    prefix costs a fraction of a microsecond, url_for tens of microseconds."""
    key = (endpoint, param, tuple(sorted(values.items())))
    cache = g.setdefault("_url_builders", {})
    if key not in cache:
        head, slot, tail = url_for(endpoint, **{param: _SLOT}, **values).partition(str(_SLOT))
        if not slot:
            raise ValueError(f"{endpoint} does not put {param} in its URL")
        cache[key] = lambda value: f"{head}{int(value)}{tail}"
    return cache[key]


def display(element: Any, field, statuses: Mapping[int, EffectiveStatus] | None = None) -> Any:
    """A field's value for display: labels for codes, names for references, joined lists; a decision's status as
    `statuses` (its effective status, e.g. "Superseded by ADR-3") says when given."""
    if statuses and element.kind == "decision" and field.name == "status" and element.id in statuses:
        return statuses[element.id].text(field.choices)
    if field.type == "tags":
        return ", ".join(element.tags)
    if field.type == "participants":
        return ", ".join(s.name for s in element.stakeholders_in(field.attr))
    value = getattr(element, field.attr or field.name)
    if value is None and field.type in ("choice", "bool"):
        return UNKNOWN  # never stated (e.g. an ArchiMate import): not a default made up for it
    if field.type == "choice":
        return field.choices.get(value, value or "")
    if field.type == "refs":
        return ", ".join(o.name for o in value)
    if field.type == "ref":
        return value.label if value is not None else ""
    if field.type == "bool":
        return "Yes" if value else "No"
    if field.type == "float":
        if value is None:
            return ""
        return human_seconds(value) if field.name.endswith("seconds") else f"{value:g}"
    return "" if value is None else value


def register_templating(app: Flask) -> None:
    """Expose vocabularies and helpers to every template."""
    from app.web.crud import AREA_OF

    def has_endpoint(name: str) -> bool:
        """True when a blueprint serving `name` is registered (links to areas that may not exist yet)."""
        return name in app.view_functions

    def nav_menus():
        """The engagement menus for this request (see app/web/navigation.py)."""
        # Review links hand the engagement out: only its writers are offered the page.
        hidden = set() if g.get("can_write") else {"review_links.index"}
        return menus(request.endpoint, set(app.view_functions) - hidden)

    app.jinja_env.globals.update(vocab=vocab, KINDS=KINDS, AREA_OF=AREA_OF, has_endpoint=has_endpoint,
                                 nav_menus=nav_menus, scenario_in_view=scenario_in_view,
                                 engagement_scenarios=engagement_scenarios, url_builder=url_builder,
                                 trace_cell=trace_cell, trace_cells=trace_cells, ownership_cells=ownership_cells)
    app.jinja_env.filters["display"] = display
    app.jinja_env.filters["label"] = label  # any stored code as the words a person reads: "Not met"

    @app.context_processor
    def _engagement_context():
        return {
            # A delete done without htmx offers its undo once, on the next page.
            "pending_undo": session.pop("undo", None) if g.get("engagement") is not None else None,
            "engagement": g.get("engagement"),
            "membership": g.get("membership"),
            "can_write": g.get("can_write", False),
        }

    app.jinja_env.filters["seconds"] = human_seconds

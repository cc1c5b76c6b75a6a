"""The engagement navigation: four menus (Landscape, Design, Analyse, Deliver) and which one holds this page."""

from __future__ import annotations

from dataclasses import dataclass

MENUS: tuple[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]], ...] = (
    # (label, (endpoint, link text)…, blueprints whose other pages belong here too)
    ("Landscape", (("catalog.system_list", "Systems"), ("catalog.channel_list", "Channels"),
                   ("catalog.entity_list", "Entities"), ("flows.flow_list", "Flows"),
                   ("matrices.ownership", "Ownership"), ("catalog.stakeholder_list", "Stakeholders")),
     ("catalog", "flows", "archimate", "capture", "workbook")),
    ("Design", (("requirements.requirement_list", "Requirements"), ("decisions.decision_list", "Decisions"),
                ("matrices.traceability_view", "Traceability"), ("scenarios.scenario_list", "Scenarios")),
     ("requirements", "decisions", "scenarios")),
    ("Analyse", (("analysis.overview", "Analysis"), ("datasets.dataset_list", "Data"), ("atp.overview", "ATP"),
                 ("routing.overview", "Routing"), ("returns.overview", "Returns"), ("identity.overview", "Customers")),
     ("analysis", "datasets", "atp", "routing", "returns", "identity")),
    ("Deliver", (("review.inbox", "Review"), ("report.index", "Report"), ("exports.index", "Exports"),
                 ("history.engagement_history", "History"), ("review_links.index", "Review links")),
     ("review", "report", "branding", "exports", "history", "review_links")),
)


@dataclass(frozen=True)
class Menu:
    """One navigation menu as the template draws it."""

    label: str
    links: tuple[tuple[str, str], ...]
    current: bool


def menus(endpoint: str | None, available: set[str] | None = None) -> list[Menu]:
    """The menus with the one holding `endpoint` marked current (by its own link first, then its area);
    links to endpoints not in `available` (when given) are left out."""
    blueprint = (endpoint or "").partition(".")[0]
    exact = next((label for label, links, _ in MENUS if any(e == endpoint for e, _ in links)), None)
    out = []
    for label, links, areas in MENUS:
        shown = tuple((e, t) for e, t in links if available is None or e in available)
        current = label == exact if exact else blueprint in areas
        out.append(Menu(label, shown, current))
    return out

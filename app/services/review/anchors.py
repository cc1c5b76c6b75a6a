"""What a comment is anchored to: checking that an anchor exists in the engagement, and naming it.

Keys: an element's id (requirement, decision, system, flow), "system id:entity id" for an ownership cell, a
finding's stable key (rule id and the ids at fault, in one scenario), a report section's key (exports/report).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.analysis.scenario import analyse
from app.services.errors import NotFound, ValidationError
from exports.report import SECTION_KEYS, SECTION_TITLES
from models import ANCHOR_KINDS, Element, Engagement, Scenario
from models.comments import ELEMENT_ANCHORS

# Report sections a reader can comment on (the cover and the table of contents hold nothing to discuss).
SECTIONS = tuple(k for k in SECTION_KEYS if k not in ("cover", "toc"))


@dataclass(frozen=True)
class Anchor:
    """A checked anchor: its kind, key, a readable label and, for element anchors, the element's id."""

    kind: str
    key: str
    label: str
    element_id: int | None = None
    scenario_id: int | None = None

    @property
    def kind_label(self) -> str:
        """The kind as a reader calls it."""
        return ANCHOR_KINDS[self.kind]


def resolve_anchor(session: Session, engagement: Engagement, kind: str, key: str,
                   scenario_id: int | None = None) -> Anchor:
    """The anchor, checked to exist in this engagement; NotFound when it does not, ValidationError for a bad kind."""
    if kind not in ANCHOR_KINDS:
        raise ValidationError({"anchor_kind": f"Unknown anchor {kind!r}; choose from {', '.join(ANCHOR_KINDS)}."})
    key = (key or "").strip()
    if not key:
        raise ValidationError({"anchor_key": "Say what the comment is about."})
    if kind in ELEMENT_ANCHORS:
        element = _element(session, engagement, kind, key)
        return Anchor(kind, str(element.id), element.label, element.id)
    if kind == "ownership":
        system_key, _, entity_key = key.partition(":")
        system = _element(session, engagement, "system", system_key)
        entity = _element(session, engagement, "entity", entity_key)
        return Anchor(kind, f"{system.id}:{entity.id}", f"{system.name} × {entity.name}")
    if kind == "section":
        if key not in SECTIONS:
            raise NotFound(f"No report section {key!r}.")
        return Anchor(kind, key, SECTION_TITLES[key])
    return _finding(session, engagement, key, scenario_id)


def anchor_labels(session: Session, engagement: Engagement, pairs: Iterable[tuple[str, str]]) -> dict[tuple, str]:
    """Labels of many anchors at once (the inbox): two queries, whatever the count; a gone object says so."""
    pairs = set(pairs)
    ids = set()
    for kind, key in pairs:
        if kind in ELEMENT_ANCHORS or kind == "ownership":
            ids.update(int(p) for p in key.split(":") if p.isdigit())
    elements = {e.id: e for e in session.scalars(
        select(Element).where(Element.engagement_id == engagement.id, Element.id.in_(ids)))} if ids else {}
    labels = {}
    for kind, key in pairs:
        if kind in ELEMENT_ANCHORS:
            found = elements.get(int(key)) if key.isdigit() else None
            labels[(kind, key)] = found.label if found else f"(deleted {ANCHOR_KINDS[kind].lower()})"
        elif kind == "ownership":
            names = [elements[int(p)].name if p.isdigit() and int(p) in elements else "(deleted)"
                     for p in key.split(":", 1)]
            labels[(kind, key)] = " × ".join(names)
        elif kind == "section":
            labels[(kind, key)] = SECTION_TITLES.get(key, key)
        else:  # a finding's title needs the analysis; its rule and objects identify it well enough in a list
            labels[(kind, key)] = key.replace(":", " ", 1)
    return labels


def _element(session: Session, engagement: Engagement, kind: str, key: str) -> Element:
    element = session.get(Element, int(key)) if key.strip().isdigit() else None
    if element is None or element.engagement_id != engagement.id or element.kind != kind:
        raise NotFound(f"No {kind} {key!r} in this engagement.")
    return element


def _finding(session: Session, engagement: Engagement, key: str, scenario_id: int | None) -> Anchor:
    scenario = None
    if scenario_id is not None:
        scenario = session.get(Scenario, scenario_id)
        if scenario is None or scenario.engagement_id != engagement.id:
            raise NotFound("No such scenario in this engagement.")
    loaded = analyse(session, engagement, scenario)
    found = next((f for f in loaded.findings_all_rules().findings if f.key == key), None)
    if found is None:
        raise NotFound(f"No finding {key!r} in scenario {loaded.scenario.name!r}.")
    return Anchor("finding", key, found.title, scenario_id=loaded.scenario.id)

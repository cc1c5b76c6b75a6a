"""The capture builder of element lines: `System: Zendesk (CRM)`, `Channel: Showroom`, `Entity: Delivery slot` and a
bare name (a new system). Each name becomes a new element of that kind; one that exists already is an error."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.capture.grammar import ElementLine, fold
from app.capture.suggest import CATEGORY_HINTS
from app.services.catalog.capture_lines import _ensure
from app.services.catalog.capture_preview import Item, Preview
from app.services.catalog.capture_resolve import _Resolver
from app.services.catalog.fields import KINDS
from models import Element, Engagement
from models.vocab import SYSTEM_CATEGORIES

BARE_NOTE = "A line of just a name adds a system; write “Channel: …” or “Entity: …” to add another kind."


def category_code(text: str) -> str | None:
    """The SYSTEM_CATEGORIES code a typed category means (code, label, part of a label, or a hint word)."""
    key = fold(text)
    for code, label in SYSTEM_CATEGORIES.items():
        if key in (code, fold(label), *(fold(part) for part in label.split("/"))):
            return code
    return CATEGORY_HINTS.get(key)


def _elements(r: _Resolver, p: ElementLine, result: Preview) -> None:
    label = KINDS[p.kind].label
    r.prefetch(p.kind, p.elements)
    typed = category_code(p.category.text) if p.category else None
    items: list[Item] = []
    for name in p.elements:
        row = r.find(p.kind, name)
        if row is not None:
            items.append(Item(p.kind, p.kind, row.name, element_id=row.id, column=name.column,
                              error=f"A {label.lower()} called “{row.name}” already exists."))
            continue
        if p.kind == "system":
            item = r.system(name, "system")
            if typed and name.key not in r.choices.categories:
                item.category = typed
            item.details.append(("Scenario", r.baseline()))
        else:
            item = r._new(p.kind, name, p.kind)
        if p.category and not typed:
            item.error = (f"Unknown category “{p.category.text}”: use one of "
                          f"{', '.join(SYSTEM_CATEGORIES.values())}.")
        if p.bare:
            item.notes.append(BARE_NOTE)
        items.append(item)
    result.items = items

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        created: list[Element] = []
        for item in items:
            _ensure(session, engagement, item, user_id, created, r.choices.scenario_id)
        return created

    result.build = build

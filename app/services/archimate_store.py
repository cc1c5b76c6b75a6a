"""The kept parts of an imported ArchiMate file (views, folders, definitions, metadata) in the database.

One `ArchimateModel` row per engagement and one `ArchimateView` row per view (models/archimate.py). The same
plain section, `archimate_model`, is what an ArchiMate import hands to the bundle importer and what the
engagement bundle carries: `bundle_section` writes it (called from bundle/transfer.py) and `import_section`
reads it (called from bundle/importer.py), so an imported model's views travel with the engagement. It lives
beside the `bundle` and `interchange` packages, not in either, because both use it and `interchange` already
imports `bundle` (sibling packages must not import each other in a circle).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.errors import ValidationError
from exports.archimate import NS
from exports.archimate.kept import Kept, KeptView, parse_fragment
from models import ArchimateModel, ArchimateView, Engagement

SECTION = "archimate_model"
_FRAGMENT_TAGS = {"name", "documentation", "properties", "metadata"}

__all__ = ["SECTION", "bundle_section", "import_section", "load_kept", "section_of"]


def section_of(kept: Kept) -> dict[str, Any]:
    """The kept parts as a plain, JSON-ready section."""
    return {
        "identifier": kept.identifier,
        "language": kept.language,
        "attributes": [list(pair) for pair in kept.attributes],
        "head": list(kept.head),
        "organizations": list(kept.organizations),
        "property_definitions": [list(row) for row in kept.property_definitions],
        "views": [{"identifier": v.identifier, "name": v.name, "xml": v.xml} for v in kept.views],
        "unstated_refs": list(kept.unstated_refs),
        "texts": {identifier: [list(row) for row in rows] for identifier, rows in kept.texts.items()},
    }


def load_kept(session: Session, engagement: Engagement) -> Kept | None:
    """The kept parts of the engagement's imported model, or None when it was not imported from ArchiMate."""
    row = session.get(ArchimateModel, engagement.id)
    if row is None:
        return None
    views = session.scalars(
        select(ArchimateView).where(ArchimateView.engagement_id == engagement.id).order_by(ArchimateView.position)
    )
    return Kept(
        identifier=row.identifier,
        language=row.language,
        attributes=tuple((k, v) for k, v in row.attributes),
        head=tuple(row.head),
        organizations=tuple(row.organizations),
        property_definitions=tuple((i, n, t) for i, n, t in row.property_definitions),
        views=tuple(KeptView(v.identifier, v.name, v.xml) for v in views),
        unstated_refs=tuple(row.unstated_refs),
        texts=dict(row.texts),
    )


def bundle_section(session: Session, engagement: Engagement) -> dict[str, Any]:
    """{"archimate_model": …} for the engagement bundle, or {} when the engagement has none."""
    kept = load_kept(session, engagement)
    return {SECTION: section_of(kept)} if kept is not None else {}


def import_section(session: Session, engagement: Engagement, document: dict[str, Any]) -> None:
    """Store a bundle's `archimate_model` section for a new engagement (nothing when it has none);
    ValidationError keyed by JSON path when it is malformed."""
    section = document.get(SECTION)
    if section is None:
        return
    errors = _problems(section)
    if errors:
        raise ValidationError(errors)
    session.add(
        ArchimateModel(
            engagement_id=engagement.id,
            identifier=section["identifier"],
            language=section.get("language"),
            attributes=[list(p) for p in section.get("attributes", [])],
            head=list(section.get("head", [])),
            organizations=list(section.get("organizations", [])),
            property_definitions=[list(r) for r in section.get("property_definitions", [])],
            unstated_refs=list(section.get("unstated_refs", [])),
            texts=dict(section.get("texts", {})),
        )
    )
    for position, view in enumerate(section.get("views", [])):
        session.add(
            ArchimateView(
                engagement_id=engagement.id, position=position, identifier=view["identifier"],
                name=view.get("name", ""), xml=view["xml"],
            )
        )


def _problems(section: Any) -> dict[str, list[str]]:
    """What is wrong with a section, keyed by JSON path (empty when it can be stored)."""
    where = f"$.{SECTION}"
    if not isinstance(section, dict):
        return {where: ["Must be an object."]}
    errors: dict[str, list[str]] = {}

    def fail(path: str, message: str) -> None:
        errors.setdefault(f"{where}{path}", []).append(message)

    if not isinstance(section.get("identifier"), str) or not section["identifier"].strip():
        fail(".identifier", "Must be the model's identifier (text).")
    unstated = section.get("unstated_refs", [])
    if not isinstance(unstated, list) or not all(isinstance(x, str) for x in unstated):
        fail(".unstated_refs", "Must be a list of identifiers (text).")
    texts = section.get("texts", {})
    if not isinstance(texts, dict) or not all(
        isinstance(rows, list) and all(_text_row(r) for r in rows) for rows in texts.values()
    ):
        fail(".texts", "Must map identifiers to lists of [name or documentation, language or null, text].")
    if section.get("language") is not None and not isinstance(section["language"], str):
        fail(".language", "Must be a language tag or null.")
    for key, size in (("attributes", 2), ("property_definitions", 3)):
        rows = section.get(key, [])
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == size and all(isinstance(x, str) for x in r) for r in rows
        ):
            fail(f".{key}", f"Must be a list of {size}-item lists of text.")
    for key, tags in (("head", _FRAGMENT_TAGS), ("organizations", {"organizations"})):
        fragments = section.get(key, [])
        if not isinstance(fragments, list):
            fail(f".{key}", "Must be a list of XML fragments.")
            continue
        for i, text in enumerate(fragments):
            message = _fragment_problem(text, tags)
            if message:
                fail(f".{key}[{i}]", message)
    views = section.get("views", [])
    if not isinstance(views, list):
        fail(".views", "Must be a list.")
        views = []
    seen: set[str] = set()
    for i, view in enumerate(views):
        if not isinstance(view, dict) or not isinstance(view.get("identifier"), str):
            fail(f".views[{i}]", "Must be an object with an identifier, a name and its XML.")
            continue
        if view["identifier"] in seen:
            fail(f".views[{i}].identifier", f"Identifier {view['identifier']!r} is used twice.")
        seen.add(view["identifier"])
        if not isinstance(view.get("name", ""), str):
            fail(f".views[{i}].name", "Must be text.")
        message = _fragment_problem(view.get("xml"), {"view"})
        if message:
            fail(f".views[{i}].xml", message)
    return errors


def _text_row(row: Any) -> bool:
    return (isinstance(row, list) and len(row) == 3 and row[0] in ("name", "documentation")
            and (row[1] is None or isinstance(row[1], str)) and isinstance(row[2], str))


def _fragment_problem(text: Any, tags: set[str]) -> str | None:
    if not isinstance(text, str):
        return "Must be an XML fragment (text)."
    try:
        node = parse_fragment(text)
    except etree.XMLSyntaxError as exc:
        return f"Not well-formed XML: {exc.msg}."
    qname = etree.QName(node)
    if qname.namespace != NS or qname.localname not in tags:
        return f"Must be an ArchiMate <{'>, <'.join(sorted(tags))}> element, not <{qname.localname}>."
    return None

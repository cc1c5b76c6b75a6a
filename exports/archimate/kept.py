"""What an imported exchange file holds beyond elements and relationships, kept to be written back unchanged.

The model's identifier, attributes, names and documentation in every language, its properties and Dublin Core
metadata, the property definitions, the organizations (folders) and the views (nodes, connections,
bendpoints, nested nodes, styles, labels, notes and groups). Pure: XML fragments are kept as text, read with
`read_kept` from a parsed file and written back with `write_head`, `write_organizations` and `write_views`,
which drop whatever refers to an element or relationship the model no longer has (no dangling references).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from exports.archimate.model import NS, XSI

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_HEAD = ("name", "documentation", "properties", "metadata")
_SKIPPED_ATTRIBUTES = {"identifier", f"{{{XSI}}}schemaLocation"}


@dataclass(frozen=True)
class KeptView:
    """One view as found in the file: its identifier, first name and XML."""

    identifier: str
    name: str
    xml: str


@dataclass(frozen=True)
class Kept:
    """The parts of an exchange file the core model does not hold (each fragment is XML text)."""

    identifier: str
    language: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()  # e.g. version
    head: tuple[str, ...] = ()  # the model's name*, documentation*, properties?, metadata? in file order
    organizations: tuple[str, ...] = ()
    property_definitions: tuple[tuple[str, str, str], ...] = ()  # (identifier, name, type)
    views: tuple[KeptView, ...] = ()
    # Identifiers of requirements and principles the file gave no Ref: Throughline numbered them, the file did
    # not say REQ-n / ADR-n, so the export does not write one back.
    unstated_refs: tuple[str, ...] = ()
    # Concept identifier -> its names and documentation as [[tag, xml:lang or None, text], …], for the concepts
    # whose texts are not one name (and at most one documentation) in the model's language: other languages,
    # or no xml:lang at all, are written back as found.
    texts: dict[str, list[list[str | None]]] = field(default_factory=dict)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _fragment(node) -> str:
    return etree.tostring(node, encoding="unicode", with_tail=False)


def parse_fragment(text: str):
    """An XML fragment back as an element (no entities, no network, blank text between elements dropped)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
    return etree.fromstring(text.encode("utf-8"), parser)


def read_kept(root) -> Kept:
    """The kept parts of a parsed exchange file's <model> root."""
    names = root.findall(_q("name"))
    definitions = []
    for node in root.iterfind(f"{_q('propertyDefinitions')}/{_q('propertyDefinition')}"):
        name = node.find(_q("name"))
        definitions.append((node.get("identifier"), (name.text or "") if name is not None else "",
                            node.get("type") or "string"))
    views = []
    for node in root.iterfind(f"{_q('views')}/{_q('diagrams')}/{_q('view')}"):
        name = node.find(_q("name"))
        views.append(KeptView(node.get("identifier"), (name.text or "") if name is not None else "", _fragment(node)))
    language = names[0].get(XML_LANG) if names else None
    return Kept(
        identifier=root.get("identifier"),
        language=language,
        texts=_texts_of(root, language),
        attributes=tuple((k, v) for k, v in root.attrib.items() if k not in _SKIPPED_ATTRIBUTES),
        head=tuple(_fragment(child) for child in root if _local(child) in _HEAD),
        organizations=tuple(_fragment(child) for child in root if _local(child) == "organizations"),
        property_definitions=tuple(definitions),
        views=tuple(views),
    )


def _texts_of(root, language: str | None) -> dict[str, list[list[str | None]]]:
    """Names and documentation of the concepts whose texts a plain export would not write the same way."""
    out: dict[str, list[list[str | None]]] = {}
    for node in root.iterfind(f"{_q('elements')}/{_q('element')}"):
        _text_rows(node, language, out)
    for node in root.iterfind(f"{_q('relationships')}/{_q('relationship')}"):
        _text_rows(node, language, out)
    return out


def _text_rows(node, language: str | None, out: dict) -> None:
    rows = [[_local(child), child.get(XML_LANG), child.text or ""] for child in node
            if _local(child) in ("name", "documentation")]
    names = [r for r in rows if r[0] == "name"]
    plain = len(names) <= 1 and len(rows) - len(names) <= 1 and all(r[1] == language for r in rows)
    if not plain:
        out[node.get("identifier")] = rows


def write_texts(node, rows: list[list[str | None]], name: str, documentation: str) -> None:
    """A concept's kept names and documentation; the first of each is the current one (a user may have edited
    it), the others (other languages) stay as found."""
    first_name = first_doc = True
    for tag, lang, text in rows:
        if tag == "name" and first_name:
            first_name, text = False, name
        elif tag == "documentation" and first_doc:
            first_doc, text = False, documentation
            if not text:
                continue
        child = etree.SubElement(node, _q(tag))
        if lang is not None:
            child.set(XML_LANG, lang)
        child.text = text
    if first_name and name:
        node.insert(0, _lang_node(None, "name", name, rows[0][1] or "en" if rows else "en"))
    if first_doc and documentation:
        _lang_node(node, "documentation", documentation, next((r[1] for r in rows if r[1]), None) or "en")


def reserved_ids(kept: Kept) -> set[str]:
    """Identifiers the kept parts define (views, nodes, connections, folders, property definitions)."""
    found = {kept.identifier} | {d[0] for d in kept.property_definitions}
    for text in (*kept.organizations, *(v.xml for v in kept.views)):
        found.update(node.get("identifier") for node in parse_fragment(text).iter() if node.get("identifier"))
    return found


def write_head(root, kept: Kept, name: str, documentation: str, lang: str) -> None:
    """The model's names, documentation, properties and metadata; the first name and documentation are
    the engagement's current ones (a user may have renamed it), the other languages stay as found."""
    for key, value in kept.attributes:
        root.set(key, value)
    wrote_name = wrote_doc = False
    for text in kept.head:
        node = parse_fragment(text)
        local = _local(node)
        if local == "name" and not wrote_name:
            node.text, wrote_name = name, True
        elif local == "documentation" and not wrote_doc:
            wrote_doc = True
            if not documentation:
                continue
            node.text = documentation
        elif local in ("properties", "metadata") and not wrote_doc and documentation:
            _lang_node(root, "documentation", documentation, lang)
            wrote_doc = True
        root.append(node)
    if not wrote_name:
        root.insert(0, _lang_node(None, "name", name, lang))
    if not wrote_doc and documentation:
        index = len(root.findall(_q("name")))
        root.insert(index, _lang_node(None, "documentation", documentation, lang))


def _lang_node(parent, tag: str, text: str, lang: str | None):
    node = etree.Element(_q(tag)) if parent is None else etree.SubElement(parent, _q(tag))
    if lang is not None:
        node.set(XML_LANG, lang)
    node.text = text
    return node


def write_organizations(root, kept: Kept, resolve: Callable[[str], str | None], views: set[str]) -> None:
    """The folders and their items; an item naming a concept the model no longer has is left out (an item
    naming one of the kept `views` stays)."""
    for text in kept.organizations:
        node = parse_fragment(text)
        for item in reversed(list(node.iter(_q("item")))):
            ref = item.get("identifierRef")
            if ref is None or ref in views:
                continue
            new = resolve(ref)
            if new is None:
                _unwrap(item)
            else:
                item.set("identifierRef", new)
        if len(node):
            root.append(node)


def write_views(
    parent, kept: Kept, element: Callable[[str], str | None], relationship: Callable[[str], str | None]
) -> tuple[int, int]:
    """The kept views under `parent` (<diagrams>); nodes and connections whose concept is gone are dropped
    (a dropped node's nested nodes move up to its parent). Returns (nodes, connections) written."""
    nodes = connections = 0
    for kept_view in kept.views:
        view = parse_fragment(kept_view.xml)
        for node in reversed(list(view.iter(_q("node")))):
            ref = node.get("elementRef")
            if ref is None:
                continue
            new = element(ref)
            if new is None:
                _unwrap(node)
            else:
                node.set("elementRef", new)
        for conn in list(view.iter(_q("connection"))):
            ref = conn.get("relationshipRef")
            if ref is not None:
                new = relationship(ref)
                if new is None:
                    conn.getparent().remove(conn)
                else:
                    conn.set("relationshipRef", new)
        # A connection ends at a node or at another connection: drop those left hanging until none are.
        while True:
            present = {n.get("identifier") for n in view.iter(_q("node"), _q("connection"))}
            hanging = [c for c in view.iter(_q("connection")) if c.get("source") not in present
                       or c.get("target") not in present]
            if not hanging:
                break
            for conn in hanging:
                conn.getparent().remove(conn)
        nodes += sum(1 for _ in view.iter(_q("node")))
        connections += sum(1 for _ in view.iter(_q("connection")))
        parent.append(view)
    return nodes, connections


def _unwrap(node) -> None:
    """Remove `node`, moving its nested items or nodes up into its place (coordinates are absolute)."""
    holder = node.getparent()
    index = holder.index(node)
    for child in [c for c in node if _local(c) in ("node", "item")]:
        holder.insert(index, child)
        index += 1
    holder.remove(node)

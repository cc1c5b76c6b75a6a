"""Read an Open Group ArchiMate 3 exchange file into plain dataclasses (pure: bytes in, no database).

Checks, in order, each with a message a person can act on: well-formed XML (line and column), an ArchiMate 3
exchange `model` root, references between concepts that name an identifier the file defines, then the
exchange schema (exchange.xsd, offline). Entities and DTDs are never resolved and nothing is fetched.
Elements and relationships are read into dataclasses; everything else the file holds (views, organizations,
property definitions, the model's identifier, languages, properties and metadata) is kept as found
(exports.archimate.kept) to be written back on export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from exports.archimate import NS, XSI_TYPE, schema_errors
from exports.archimate.kept import Kept, read_kept
from exports.text import has_line_break, single_line

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_MESSAGES = 5


class ArchimateFileError(ValueError):
    """The file cannot be imported; the message says why (and where)."""


@dataclass(frozen=True)
class ParsedElement:
    """An element as written in the file."""

    identifier: str
    type: str
    name: str
    documentation: str = ""
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ParsedRelationship:
    """A relationship as written in the file (source and target are identifiers)."""

    identifier: str
    type: str
    source: str
    target: str
    name: str = ""
    documentation: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # accessType, modifier when present


@dataclass
class ParsedModel:
    """The model: its name and documentation, elements and relationships in file order."""

    identifier: str
    name: str
    documentation: str = ""
    elements: list[ParsedElement] = field(default_factory=list)
    relationships: list[ParsedRelationship] = field(default_factory=list)
    views: int = 0
    kept: Kept | None = None  # views, folders, definitions, metadata: written back as found
    one_line_names: list[str] = field(default_factory=list)  # identifiers whose name held a line break


def parse_exchange(raw: bytes) -> ParsedModel:
    """Parse and check an exchange file; ArchimateFileError with the reason when it cannot be imported."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        document = etree.fromstring(raw, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line, column = (exc.position if exc.position else (exc.lineno, 0))
        raise ArchimateFileError(f"Malformed XML at line {line}, column {column}: {exc.msg}") from None
    root = document.getroot()
    if document.docinfo.doctype:
        raise ArchimateFileError("The file declares a DTD; ArchiMate exchange files do not (refused for safety).")
    if not isinstance(root.tag, str) or etree.QName(root).localname != "model":
        raise ArchimateFileError(f"Not an ArchiMate exchange file: the root element is <{_tag(root)}>, not <model>.")
    if etree.QName(root).namespace != NS:
        found = etree.QName(root).namespace or "no namespace"
        raise ArchimateFileError(
            f"Not an ArchiMate 3 exchange file: the model's namespace is {found}, expected {NS}."
        )
    _check_references(root)
    errors = schema_errors(document)
    if errors:
        shown = "; ".join(errors[:MAX_MESSAGES]) + ("; …" if len(errors) > MAX_MESSAGES else "")
        raise ArchimateFileError(f"The file does not follow the ArchiMate exchange schema: {shown}")
    return _read(root)


def _tag(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else "?"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _check_references(root) -> None:
    """Relationship ends and property definitions must name identifiers the file defines."""
    concepts = {
        node.get("identifier")
        for node in root.iterfind(f"{_q('elements')}/{_q('element')}")
    } | {node.get("identifier") for node in root.iterfind(f"{_q('relationships')}/{_q('relationship')}")}
    definitions = {
        node.get("identifier")
        for node in root.iterfind(f"{_q('propertyDefinitions')}/{_q('propertyDefinition')}")
    }
    problems = []
    for rel in root.iterfind(f"{_q('relationships')}/{_q('relationship')}"):
        for end in ("source", "target"):
            value = rel.get(end)
            if value is not None and value not in concepts:
                problems.append(
                    f"line {rel.sourceline}: relationship {rel.get('identifier')!r} has {end} {value!r}, "
                    "which is not an element or relationship of this model"
                )
    for prop in root.iter(_q("property")):
        ref = prop.get("propertyDefinitionRef")
        if ref is not None and ref not in definitions:
            problems.append(f"line {prop.sourceline}: property refers to undefined property definition {ref!r}")
    if problems:
        shown = "; ".join(problems[:MAX_MESSAGES]) + ("; …" if len(problems) > MAX_MESSAGES else "")
        raise ArchimateFileError(f"Unknown references: {shown}")


def _text(node, tag: str) -> str:
    """The first `tag` child's text (the first language given; others are not kept)."""
    child = node.find(_q(tag))
    return (child.text or "") if child is not None else ""


def _properties(node, names: dict[str, str]) -> tuple[tuple[str, str], ...]:
    holder = node.find(_q("properties"))
    if holder is None:
        return ()
    out = []
    for prop in holder.iterfind(_q("property")):
        ref = prop.get("propertyDefinitionRef")
        out.append((names.get(ref, ref), _text(prop, "value")))
    return tuple(out)


def _read(root) -> ParsedModel:
    names = {
        node.get("identifier"): _text(node, "name") or node.get("identifier")
        for node in root.iterfind(f"{_q('propertyDefinitions')}/{_q('propertyDefinition')}")
    }
    model = ParsedModel(
        identifier=root.get("identifier"),
        name=_text(root, "name"),
        documentation=_text(root, "documentation"),
    )
    for node in root.iterfind(f"{_q('elements')}/{_q('element')}"):
        model.elements.append(
            ParsedElement(
                identifier=node.get("identifier"),
                type=node.get(XSI_TYPE),
                name=_one_line(model, node),
                documentation=_text(node, "documentation"),
                properties=_properties(node, names),
            )
        )
    for node in root.iterfind(f"{_q('relationships')}/{_q('relationship')}"):
        attributes = tuple((a, node.get(a)) for a in ("accessType", "modifier") if node.get(a) is not None)
        model.relationships.append(
            ParsedRelationship(
                identifier=node.get("identifier"),
                type=node.get(XSI_TYPE),
                source=node.get("source"),
                target=node.get("target"),
                name=_one_line(model, node),
                documentation=_text(node, "documentation"),
                properties=_properties(node, names),
                attributes=attributes,
            )
        )
    model.kept = read_kept(root)
    model.views = len(model.kept.views)
    return model


def _one_line(model: ParsedModel, node) -> str:
    """A concept's name on one line (names are titles everywhere in Throughline); the change is reported."""
    name = _text(node, "name")
    if has_line_break(name):
        model.one_line_names.append(node.get("identifier"))
        return single_line(name)
    return name

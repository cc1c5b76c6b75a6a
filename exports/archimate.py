"""The Open Group ArchiMate 3 Model Exchange File Format: an engagement model in, exchange XML bytes out.

Pure: the caller (app/services/interchange/archimate_export.py) turns the database into the dataclasses
below; this module decides the ArchiMate types, identifiers, relationships, plateaus and the generated view,
and writes the XML with lxml (which escapes every name and text). The mapping is documented in
docs/archimate.md; the import side (exports/archimate_import.py and the service) reads the same tables, so
export -> import -> export is stable.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from exports import dot as dotlib
from exports.graphviz_render import DiagramError, dot_binary, render_environment

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"
SCHEMA_DIR = Path(__file__).with_name("archimate_schema")
SCHEMA_LOCATION = f"{NS} {NS}archimate3_Diagram.xsd"

# Throughline kind -> ArchiMate element type. Middleware / iPaaS stays an ApplicationComponent: flows run
# through it at the application layer, and a Flow between an application component and system software is
# not a relationship ArchiMate permits (docs/archimate.md explains the choice).
ELEMENT_TYPE = {
    "system": "ApplicationComponent",
    "channel": "BusinessInterface",
    "entity": "DataObject",
    "stakeholder": "Stakeholder",
    "requirement": "Requirement",
    "decision": "Principle",
}
# Ownership role -> accessType of the Access relationship from the system to the data object.
ACCESS_TYPE = {"sor": "ReadWrite", "authoritative": "ReadWrite", "writes": "Write", "replica": "Read", "reads": "Read"}
# Trace link kind (Throughline direction source -> target) -> (ArchiMate type, reversed?) per target kind.
# `addresses` (requirement -> decision) becomes the decision influencing the requirement; `satisfied_by`
# (requirement -> system) the system realizing the requirement; a flow is a relationship in ArchiMate, and
# only an association may end at a relationship, so links to flows are associations.
TRACE_TYPE = {
    ("addresses", "decision"): ("Influence", True),
    ("affects", "system"): ("Association", False),
    ("affects", "flow"): ("Association", False),
    ("satisfied_by", "system"): ("Realization", True),
    ("satisfied_by", "flow"): ("Association", False),
    ("refines", "requirement"): ("Realization", False),
}
# Graphviz lays the view out up to this size; larger views get a grid (dot's time grows much faster).
LAYOUT_MAX_NODES = 250
LAYOUT_MAX_EDGES = 1000
LAYOUT_TIMEOUT_SECONDS = 10.0
NODE_W, NODE_H = 140, 60
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")


@dataclass(frozen=True)
class Item:
    """An element of the model: a catalogued object, or a generic element kept from an import."""

    key: str  # unique in the model, e.g. "system:12" (database kind and id)
    kind: str  # system, channel, entity, stakeholder, requirement, decision, generic
    name: str
    documentation: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    external_id: str | None = None  # identifier from an imported model, reused
    archimate_type: str | None = None  # generic elements only


@dataclass(frozen=True)
class Link:
    """A relationship: a flow, an ownership, a channel served, a trace link, or a generic relationship."""

    key: str  # unique in the model, e.g. "flow:7", "link:3", "serves:12:4", "rel:9"
    kind: str  # flow, ownership, serves, trace, generic
    source: str  # Item key (or a flow's Link key, for trace links to flows)
    target: str
    name: str = ""
    documentation: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    external_id: str | None = None
    archimate_type: str | None = None  # generic relationships only
    attributes: tuple[tuple[str, str], ...] = ()  # generic: accessType, modifier as imported
    role: str = ""  # ownership role
    trace_kind: str = ""  # trace links: addresses, affects, satisfied_by, refines


@dataclass(frozen=True)
class Plateau:
    """A scenario, exported as a Plateau aggregating its members (only when exporting all scenarios).

    The baseline comes first: an import takes the first plateau as the current state."""

    key: str  # "scenario:3"
    name: str
    documentation: str
    members: tuple[str, ...]  # Item and Link keys
    external_id: str | None = None  # identifier of the Plateau it was imported from, reused


@dataclass(frozen=True)
class Model:
    """What is exported: one scenario's content (plateaus empty) or all scenarios (one plateau each)."""

    name: str
    documentation: str = ""
    items: tuple[Item, ...] = ()
    links: tuple[Link, ...] = ()
    plateaus: tuple[Plateau, ...] = ()
    view_name: str = "Landscape"
    language: str = "en"


@dataclass
class _Ids:
    """Allocates document-unique xs:ID values: imported identifiers first, generated ones after."""

    used: set[str] = field(default_factory=set)
    of: dict[str, str] = field(default_factory=dict)

    def assign(self, key: str, preferred: str | None, generated: str) -> str:
        for candidate in (preferred, generated):
            if candidate and _NCNAME.match(candidate) and candidate not in self.used:
                return self._take(key, candidate)
        n = 2
        while f"{generated}_{n}" in self.used:
            n += 1
        return self._take(key, f"{generated}_{n}")

    def _take(self, key: str, value: str) -> str:
        self.used.add(value)
        self.of[key] = value
        return value


def generated_id(key: str) -> str:
    """`system:12` -> `id-system-12`: the identifier of an object that has none from an import."""
    return "id-" + key.replace(":", "-")


def serving_id(system_xid: str, channel_xid: str) -> str:
    """The identifier of the Serving relationship of a system to a channel it serves (derived, so stable)."""
    return f"{system_xid}.serves.{channel_xid}"


def element_type(item: Item) -> str:
    """The ArchiMate element type of an item."""
    return item.archimate_type if item.kind == "generic" else ELEMENT_TYPE[item.kind]


def clean_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return _ILLEGAL_XML.sub("", text or "")


def export_model(model: Model, *, layout: bool = True) -> bytes:
    """The model as exchange-format XML (UTF-8, with declaration), valid against exchange.xsd."""
    ids = _Ids()
    kinds = {item.key: item.kind for item in model.items}
    for item in model.items:
        ids.assign(item.key, item.external_id, generated_id(item.key))
    for plateau in model.plateaus:
        ids.assign(plateau.key, plateau.external_id, generated_id(plateau.key))
    # Relationships whose ends are all present; a link to a flow needs the flow's id, so flows go first.
    links = [link for link in model.links if link.source in ids.of or link.target in ids.of]
    links.sort(key=lambda link: link.kind != "flow")
    kept: list[Link] = []
    for link in links:
        if link.kind == "serves":
            preferred = serving_id(ids.of.get(link.source, ""), ids.of.get(link.target, ""))
        else:
            preferred = link.external_id
        if link.source in ids.of and link.target in ids.of:
            ids.assign(link.key, preferred, generated_id(link.key))
            kept.append(link)
    definitions = _PropertyDefinitions(ids)

    root = etree.Element(f"{{{NS}}}model", nsmap={None: NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    root.set("identifier", ids.assign("model", None, "id-model"))
    _name(root, "name", model.name or "Throughline model", model.language)
    if model.documentation:
        _name(root, "documentation", model.documentation, model.language)
    elements = etree.SubElement(root, f"{{{NS}}}elements")
    for item in model.items:
        node = _concept(elements, "element", ids.of[item.key], element_type(item))
        _texts(node, item.name or element_type(item), item.documentation, item.properties, definitions, model.language)
    for plateau in model.plateaus:
        node = _concept(elements, "element", ids.of[plateau.key], "Plateau")
        _texts(node, plateau.name, plateau.documentation, (), definitions, model.language)
    relationships = etree.SubElement(root, f"{{{NS}}}relationships")
    for link in kept:
        rtype, source, target, attrs = _relationship(link, kinds)
        node = _concept(relationships, "relationship", ids.of[link.key], rtype)
        node.set("source", ids.of[source])
        node.set("target", ids.of[target])
        for name, value in attrs:
            node.set(name, value)
        _texts(node, link.name, link.documentation, link.properties, definitions, model.language, named=False)
    for plateau in model.plateaus:
        for member in plateau.members:
            if member not in ids.of:
                continue
            member_id = ids.of[member]
            rel_id = ids.assign(f"{plateau.key}>{member}", f"{ids.of[plateau.key]}.has.{member_id}", "id-has")
            node = _concept(relationships, "relationship", rel_id, "Aggregation")
            node.set("source", ids.of[plateau.key])
            node.set("target", member_id)
    if not len(relationships):
        root.remove(relationships)
    if not len(elements):
        root.remove(elements)
    definitions.write(root)
    _view(root, model, kept, kinds, ids, layout)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _relationship(link: Link, kinds: dict[str, str]) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(ArchiMate type, source key, target key, XML attributes) of a link."""
    if link.kind == "flow":
        return "Flow", link.source, link.target, []
    if link.kind == "ownership":
        return "Access", link.source, link.target, [("accessType", ACCESS_TYPE[link.role])]
    if link.kind == "serves":
        return "Serving", link.source, link.target, []
    if link.kind == "trace":
        target_kind = "flow" if link.target.startswith("flow:") else kinds.get(link.target, "")
        rtype, reverse = TRACE_TYPE[(link.trace_kind, target_kind)]
        return (rtype, link.target, link.source, []) if reverse else (rtype, link.source, link.target, [])
    return link.archimate_type or "Association", link.source, link.target, list(link.attributes)


def _concept(parent, tag: str, identifier: str, xsi_type: str):
    node = etree.SubElement(parent, f"{{{NS}}}{tag}")
    node.set("identifier", identifier)
    node.set(XSI_TYPE, xsi_type)
    return node


def _name(parent, tag: str, text: str, lang: str):
    node = etree.SubElement(parent, f"{{{NS}}}{tag}")
    node.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    node.text = clean_text(text)
    return node


def _texts(node, name, documentation, properties, definitions, lang: str, named: bool = True) -> None:
    if name or named:
        _name(node, "name", name, lang)
    if documentation:
        _name(node, "documentation", documentation, lang)
    pairs = [(n, v) for n, v in properties if v not in (None, "")]
    if pairs:
        holder = etree.SubElement(node, f"{{{NS}}}properties")
        for prop_name, value in pairs:
            prop = etree.SubElement(holder, f"{{{NS}}}property")
            prop.set("propertyDefinitionRef", definitions.ref(prop_name))
            _name(prop, "value", value, lang)


class _PropertyDefinitions:
    """One propertyDefinition per property name, in order of first use."""

    def __init__(self, ids: _Ids) -> None:
        self.ids = ids
        self.by_name: dict[str, str] = {}

    def ref(self, name: str) -> str:
        if name not in self.by_name:
            self.by_name[name] = self.ids.assign(f"propdef:{name}", None, f"propid-{len(self.by_name) + 1}")
        return self.by_name[name]

    def write(self, root) -> None:
        if not self.by_name:
            return
        holder = etree.SubElement(root, f"{{{NS}}}propertyDefinitions")
        for name, identifier in self.by_name.items():
            node = etree.SubElement(holder, f"{{{NS}}}propertyDefinition")
            node.set("identifier", identifier)
            node.set("type", "string")
            etree.SubElement(node, f"{{{NS}}}name").text = clean_text(name)


# --- the generated view -------------------------------------------------------------------------------


def _view(root, model: Model, links: list[Link], kinds: dict[str, str], ids: _Ids, layout: bool) -> None:
    items = list(model.items)
    if not items:
        return
    edges = []
    for link in links:
        _rtype, source, target, _attrs = _relationship(link, kinds)
        if source in kinds and target in kinds:  # a connection joins two nodes, not a node and a relationship
            edges.append((link, source, target))
    positions = None
    if layout and len(items) <= LAYOUT_MAX_NODES and len(edges) <= LAYOUT_MAX_EDGES:
        positions = graphviz_positions([item.key for item in items], [(s, t) for _l, s, t in edges])
    if positions is None:
        positions = grid_positions([item.key for item in items])
    views = etree.SubElement(root, f"{{{NS}}}views")
    diagrams = etree.SubElement(views, f"{{{NS}}}diagrams")
    view = _concept(diagrams, "view", ids.assign("view", None, "id-view-1"), "Diagram")
    _name(view, "name", model.view_name, model.language)
    node_ids: dict[str, str] = {}
    for item in items:
        node_id = ids.assign(f"node:{item.key}", f"{ids.of[item.key]}.node", "id-node")
        node_ids[item.key] = node_id
        x, y = positions[item.key]
        node = etree.SubElement(view, f"{{{NS}}}node")
        node.set("identifier", node_id)
        node.set("elementRef", ids.of[item.key])
        node.set(XSI_TYPE, "Element")
        for attr, value in (("x", x), ("y", y), ("w", NODE_W), ("h", NODE_H)):
            node.set(attr, str(value))
    for link, source, target in edges:
        conn = etree.SubElement(view, f"{{{NS}}}connection")
        conn.set("identifier", ids.assign(f"conn:{link.key}", f"{ids.of[link.key]}.conn", "id-conn"))
        conn.set("relationshipRef", ids.of[link.key])
        conn.set(XSI_TYPE, "Relationship")
        conn.set("source", node_ids[source])
        conn.set("target", node_ids[target])


def grid_positions(keys: list[str], columns: int | None = None) -> dict[str, tuple[int, int]]:
    """Top-left corners on a plain grid (for views too large to lay out with Graphviz in time)."""
    columns = columns or max(1, int(len(keys) ** 0.5 + 0.999))
    step_x, step_y = NODE_W + 40, NODE_H + 40
    return {key: (20 + (i % columns) * step_x, 20 + (i // columns) * step_y) for i, key in enumerate(keys)}


def graphviz_positions(keys: list[str], edges: list[tuple[str, str]]) -> dict[str, tuple[int, int]] | None:
    """Top-left corners (pixels) from `dot -Tplain`, or None when Graphviz is missing, fails or overruns."""
    index = {key: i for i, key in enumerate(keys)}
    graph = dotlib.Dot(
        "archimate",
        graph={"rankdir": "LR", "nodesep": "0.4", "ranksep": "0.9"},
        node={"shape": "box", "fixedsize": "true", "width": f"{NODE_W / 72:.3f}", "height": f"{NODE_H / 72:.3f}"},
    )
    for key in keys:
        graph.node(dotlib.node_id("n", index[key]))
    for source, target in edges:
        graph.edge(dotlib.node_id("n", index[source]), dotlib.node_id("n", index[target]))
    try:
        # No shell, our own DOT (node ids and sizes only, no user text), graphviz_render's minimal environment.
        done = subprocess.run(  # noqa: S603
            [dot_binary(), "-Tplain"],
            input=graph.source().encode("utf-8"),
            capture_output=True,
            timeout=LAYOUT_TIMEOUT_SECONDS,
            env=render_environment(),
            shell=False,
            check=False,
        )
    except (DiagramError, subprocess.TimeoutExpired, OSError):
        return None
    if done.returncode != 0:
        return None
    return parse_plain(done.stdout.decode("utf-8", "replace"), keys)


def parse_plain(text: str, keys: list[str]) -> dict[str, tuple[int, int]] | None:
    """Node centres in inches (y up) from `dot -Tplain` output -> top-left pixel corners (y down)."""
    height = None
    centres: dict[int, tuple[float, float]] = {}
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["graph"] and len(parts) >= 4:
            height = float(parts[3])
        elif parts[:1] == ["node"] and len(parts) >= 4 and parts[1].startswith("n"):
            centres[int(parts[1][1:])] = (float(parts[2]), float(parts[3]))
    if height is None or len(centres) != len(keys):
        return None
    out = {}
    for i, key in enumerate(keys):
        x, y = centres[i]
        out[key] = (max(0, round(x * 72 - NODE_W / 2) + 20), max(0, round((height - y) * 72 - NODE_H / 2) + 20))
    return out


# --- validation -------------------------------------------------------------------------------------


@cache
def schema() -> etree.XMLSchema:
    """The exchange-format schema (vendored with its imports in exports/archimate_schema; offline)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "exchange.xsd")))


def schema_errors(document) -> list[str]:
    """Validation messages (`line N: …`) of a parsed document against exchange.xsd; empty when valid."""
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]

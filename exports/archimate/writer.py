"""The exchange XML writer: a `Model` as exchange-format bytes, with identifiers, properties and the generated view."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from exports.archimate.kept import reserved_ids, write_head, write_organizations, write_texts, write_views
from exports.archimate.layout import (
    LAYOUT_MAX_EDGES,
    LAYOUT_MAX_NODES,
    NODE_H,
    NODE_W,
    graphviz_positions,
    grid_positions,
)
from exports.archimate.model import (
    ACCESS_TYPE,
    NS,
    TRACE_TYPE,
    XSI,
    XSI_TYPE,
    Link,
    Model,
    clean_text,
    element_type,
    generated_id,
    serving_id,
)
from exports.archimate.relationships import is_allowed

SCHEMA_LOCATION = f"{NS} {NS}archimate3_Diagram.xsd"
DC = "http://purl.org/dc/elements/1.1/"
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")


@dataclass
class _Ids:
    """Allocates document-unique xs:ID values: imported identifiers first, generated ones after."""

    used: set[str] = field(default_factory=set)
    of: dict[str, str] = field(default_factory=dict)
    # An imported identifier -> the key of the object carrying it (kept views and folders refer by it).
    by_source: dict[str, str] = field(default_factory=dict)

    def assign_kept(self, key: str, preferred: str | None, generated: str) -> str:
        """As assign, remembering which object the imported identifier `preferred` names."""
        if preferred:
            self.by_source.setdefault(preferred, key)
        return self.assign(key, preferred, generated)

    def resolver(self, keys: set[str]):
        """A function: an imported identifier -> the identifier written now, or None when not in `keys`."""

        def resolve(identifier: str) -> str | None:
            key = self.by_source.get(identifier)
            return self.of[key] if key in keys else None

        return resolve

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


def export_model(model: Model, *, layout: bool = True) -> bytes:
    """The model as exchange-format XML (UTF-8, with declaration), valid against exchange.xsd."""
    ids = _Ids()
    kept = model.kept
    if kept is not None:  # identifiers of kept views, nodes, folders and definitions are taken
        ids.used |= reserved_ids(kept)
    kinds = {item.key: item.kind for item in model.items}
    types = {item.key: element_type(item) for item in model.items} | {p.key: "Plateau" for p in model.plateaus}
    for item in model.items:
        ids.assign_kept(item.key, item.external_id, generated_id(item.key))
    for plateau in model.plateaus:
        ids.assign_kept(plateau.key, plateau.external_id, generated_id(plateau.key))
    # Relationships whose ends are all present; a link to a flow needs the flow's id, so flows go first.
    links = [link for link in model.links if link.source in ids.of or link.target in ids.of]
    links.sort(key=lambda link: link.kind != "flow")
    links_kept: list[Link] = []
    for link in links:
        if link.kind == "serves":
            preferred = serving_id(ids.of.get(link.source, ""), ids.of.get(link.target, ""))
        else:
            preferred = link.external_id
        if link.source in ids.of and link.target in ids.of:
            ids.assign_kept(link.key, preferred, generated_id(link.key))
            links_kept.append(link)
    definitions = _PropertyDefinitions(ids, kept.property_definitions if kept is not None else ())
    texts = kept.texts if kept is not None else {}

    nsmap = {None: NS, "xsi": XSI} | ({"dc": DC} if kept is not None else {})
    root = etree.Element(f"{{{NS}}}model", nsmap=nsmap)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    if kept is not None:
        root.set("identifier", kept.identifier)
        write_head(root, kept, clean_text(model.name or "Throughline model"), clean_text(model.documentation),
                   model.language)
    else:
        root.set("identifier", ids.assign("model", None, "id-model"))
        _name(root, "name", model.name or "Throughline model", model.language)
        if model.documentation:
            _name(root, "documentation", model.documentation, model.language)
    elements = etree.SubElement(root, f"{{{NS}}}elements")
    for item in model.items:
        node = _concept(elements, "element", ids.of[item.key], element_type(item))
        _texts(node, item.name or element_type(item), item.documentation, item.properties, definitions, model.language,
               kept_texts=texts.get(item.external_id or ""))
    for plateau in model.plateaus:
        node = _concept(elements, "element", ids.of[plateau.key], "Plateau")
        _texts(node, plateau.name, plateau.documentation, (), definitions, model.language,
               kept_texts=texts.get(plateau.external_id or ""))
    relationships = etree.SubElement(root, f"{{{NS}}}relationships")
    for link in links_kept:
        rtype, source, target, attrs = _relationship(link, kinds)
        node = _concept(relationships, "relationship", ids.of[link.key], rtype)
        node.set("source", ids.of[source])
        node.set("target", ids.of[target])
        for name, value in attrs:
            node.set(name, value)
        _texts(node, link.name, link.documentation, link.properties, definitions, model.language, named=False,
               kept_texts=texts.get(link.external_id or "") if link.kind != "serves" else None)
    for plateau in model.plateaus:
        for member in plateau.members:
            if member not in ids.of:
                continue
            member_id = ids.of[member]
            rel_id = ids.assign_kept(f"{plateau.key}>{member}", f"{ids.of[plateau.key]}.has.{member_id}", "id-has")
            # ArchiMate 3.2 lets a plateau aggregate most concepts; where it does not (a stakeholder), associate.
            member_type = types.get(member, "Relationship")
            rtype = "Aggregation" if is_allowed("Aggregation", "Plateau", member_type) else "Association"
            node = _concept(relationships, "relationship", rel_id, rtype)
            node.set("source", ids.of[plateau.key])
            node.set("target", member_id)
    if not len(relationships):
        root.remove(relationships)
    if not len(elements):
        root.remove(elements)
    # Kept folders and views name concepts by their imported identifiers; those no longer written are dropped.
    elements_only = {key for key in ids.of if key in types}
    relationships_only = {link.key for link in links_kept} | {key for key in ids.of if ">" in key}
    if kept is not None:
        write_organizations(root, kept, ids.resolver(elements_only | relationships_only), _view_ids(kept))
    definitions.write(root)
    if kept is not None and kept.views:
        views = etree.SubElement(root, f"{{{NS}}}views")
        write_views(etree.SubElement(views, f"{{{NS}}}diagrams"), kept, ids.resolver(elements_only),
                    ids.resolver(relationships_only))
    else:
        _view(root, model, links_kept, kinds, ids, layout)
    etree.cleanup_namespaces(root, top_nsmap=nsmap)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _view_ids(kept) -> set[str]:
    return {view.identifier for view in kept.views}


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


def _texts(node, name, documentation, properties, definitions, lang: str, named: bool = True,
           kept_texts: list | None = None) -> None:
    if kept_texts:  # other languages, or texts without xml:lang, as the imported file had them
        write_texts(node, kept_texts, clean_text(name) if (name or named) else "", clean_text(documentation))
    else:
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

    def __init__(self, ids: _Ids, kept: tuple[tuple[str, str, str], ...] = ()) -> None:
        self.ids = ids
        self.by_name: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.kept = kept  # (identifier, name, type) from an imported file: written even when unused
        for identifier, name, _type in kept:
            self.by_name.setdefault(name, identifier)

    def ref(self, name: str) -> str:
        if name not in self.by_name:
            self.by_name[name] = self.ids.assign(f"propdef:{name}", None, f"propid-{len(self.by_name) + 1}")
        return self.by_name[name]

    def write(self, root) -> None:
        if not self.by_name and not self.kept:
            return
        holder = etree.SubElement(root, f"{{{NS}}}propertyDefinitions")
        rows = list(self.kept)
        written = {identifier for identifier, _n, _t in self.kept}
        rows += [(identifier, name, "string") for name, identifier in self.by_name.items() if identifier not in written]
        for identifier, name, value_type in rows:
            node = etree.SubElement(holder, f"{{{NS}}}propertyDefinition")
            node.set("identifier", identifier)
            node.set("type", value_type)
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

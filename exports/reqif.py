"""Requirements as ReqIF 1.2 (OMG Requirements Interchange Format, namespace `…/ReqIF/20110401/reqif.xsd`).

Pure: a `DocumentSnapshot` in, bytes out (`write_reqif`, `write_reqifz`). Mapping (docs/interchange.md):

- each requirement is a SPEC-OBJECT of type "Requirement" with attributes ReqIF.ForeignID (REQ-n), ReqIF.Name
  (title), ReqIF.Text (XHTML), Type / Priority (MoSCoW) / Status (enumerations), Channels (multi-valued
  enumeration), Source stakeholder, Acceptance criteria (XHTML), Tags, Satisfied by (system and flow names),
  Version and Throughline.Id;
- each decision is a SPEC-OBJECT of type "Decision" (ReqIF.ForeignID ADR-n, ReqIF.Name, Status — the effective
  one, superseded once an accepted decision supersedes it —, Context, Outcome, Consequences as XHTML, Decided
  on), so that `addresses` links keep both ends inside the file;
- trace links become SPEC-RELATIONS: `refines` (requirement → requirement) and `addresses` (requirement →
  decision), one SPEC-RELATION-TYPE each; links to systems and flows are not spec objects and travel as the
  "Satisfied by" / "Affects" string attributes instead;
- two SPECIFICATIONs: "Requirements", grouped under one heading object per type (or per channel: a
  requirement of several channels is listed under each, one without a channel under "No channel"), and
  "Decisions".

Identifiers are stable across exports and xs:ID-safe: `req-<element id>`, `adr-<element id>`,
`rel-<link id>`, `head-type-<code>` / `head-channel-<id>`, fixed names for types and definitions. lxml writes
every value, so `&`, `<` and quotes are escaped; characters XML cannot carry are dropped. Rich text becomes
XHTML (`<xhtml:div>` with one `<xhtml:p>` per paragraph and `<xhtml:br/>` for line breaks).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from lxml import etree

from exports.records import DecisionRecord, DocumentSnapshot, RequirementRecord, clean
from exports.text import single_line

REQIF_NS = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
XHTML_NS = "http://www.w3.org/1999/xhtml"
GROUPINGS = ("type", "channel")
RELATION_KINDS = {"refines": "refines", "addresses": "addressed by"}  # trace kind -> SPEC-RELATION-TYPE name
TOOL = "Throughline"
_R = f"{{{REQIF_NS}}}"
_X = f"{{{XHTML_NS}}}"
_IDENT = re.compile(r"[^A-Za-z0-9_.-]+")

# (identifier, LONG-NAME, kind, datatype) of every requirement attribute, in the order tools show them.
# kind: string | xhtml | enum | enums (multi-valued); datatype: the DATATYPE identifier.
REQUIREMENT_ATTRIBUTES = (
    ("ad-req-foreign-id", "ReqIF.ForeignID", "string", "dt-string"),
    ("ad-req-name", "ReqIF.Name", "string", "dt-string"),
    ("ad-req-text", "ReqIF.Text", "xhtml", "dt-xhtml"),
    ("ad-req-type", "Type", "enum", "dt-requirement-type"),
    ("ad-req-priority", "Priority", "enum", "dt-priority"),
    ("ad-req-status", "Status", "enum", "dt-requirement-status"),
    ("ad-req-channels", "Channels", "enums", "dt-channel"),
    ("ad-req-source", "Source stakeholder", "string", "dt-string"),
    ("ad-req-acceptance", "Acceptance criteria", "xhtml", "dt-xhtml"),
    ("ad-req-tags", "Tags", "string", "dt-string"),
    ("ad-req-satisfied-by", "Satisfied by", "string", "dt-string"),
    ("ad-req-version", "Version", "string", "dt-string"),
    ("ad-req-id", "Throughline.Id", "string", "dt-string"),
)
DECISION_ATTRIBUTES = (
    ("ad-adr-foreign-id", "ReqIF.ForeignID", "string", "dt-string"),
    ("ad-adr-name", "ReqIF.Name", "string", "dt-string"),
    ("ad-adr-status", "Status", "enum", "dt-decision-status"),
    ("ad-adr-context", "Context and problem statement", "xhtml", "dt-xhtml"),
    ("ad-adr-options", "Considered options", "xhtml", "dt-xhtml"),
    ("ad-adr-outcome", "Decision outcome", "xhtml", "dt-xhtml"),
    ("ad-adr-consequences", "Consequences", "xhtml", "dt-xhtml"),
    ("ad-adr-decided-on", "Decided on", "string", "dt-string"),
    ("ad-adr-affects", "Affects", "string", "dt-string"),
    ("ad-adr-id", "Throughline.Id", "string", "dt-string"),
)
HEADING_ATTRIBUTES = (("ad-heading-name", "ReqIF.ChapterName", "string", "dt-string"),)
_TYPE_OF = {"req": "sot-requirement", "adr": "sot-decision", "head": "sot-heading"}


def requirement_id(element_id: int) -> str:
    """The SPEC-OBJECT identifier of a requirement."""
    return f"req-{int(element_id)}"


def decision_id(element_id: int) -> str:
    """The SPEC-OBJECT identifier of a decision."""
    return f"adr-{int(element_id)}"


def write_reqif(snap: DocumentSnapshot, *, group_by: str = "type") -> bytes:
    """The engagement's requirements, decisions and their links as one ReqIF 1.2 XML document (UTF-8)."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
    stamp = _time(snap.exported_at)
    root = etree.Element(_R + "REQ-IF", nsmap={None: REQIF_NS, "xhtml": XHTML_NS})
    _header(etree.SubElement(root, _R + "THE-HEADER"), snap, stamp)
    content = _sub(_sub(root, "CORE-CONTENT"), "REQ-IF-CONTENT")
    _datatypes(_sub(content, "DATATYPES"), snap, stamp)
    _spec_types(_sub(content, "SPEC-TYPES"), stamp)
    objects = _sub(content, "SPEC-OBJECTS")
    groups = _groups(snap, group_by)
    for ident, name, _ in groups:
        _object(objects, ident, "head", name, stamp, [("ad-heading-name", "string", name)])
    for req in snap.requirements:
        _object(objects, requirement_id(req.id), "req", req.title, _time(req.updated_at, snap.exported_at),
                _requirement_values(req, snap))
    for adr in snap.decisions:
        _object(objects, decision_id(adr.id), "adr", adr.title, _time(adr.updated_at, snap.exported_at),
                _decision_values(adr, snap))
    _relations(_sub(content, "SPEC-RELATIONS"), snap, stamp)
    specs = _sub(content, "SPECIFICATIONS")
    title = "Requirements by channel" if group_by == "channel" else "Requirements by type"
    spec = _specification(specs, "spec-requirements", title, stamp)
    for ident, _, members in groups:
        heading = _hierarchy(spec, f"h-{ident}", ident, stamp)
        for req in members:
            _hierarchy(heading, f"h-{ident}-{requirement_id(req.id)}", requirement_id(req.id), stamp)
    decisions = _specification(specs, "spec-decisions", "Decisions", stamp)
    for adr in snap.decisions:
        _hierarchy(decisions, f"h-{decision_id(adr.id)}", decision_id(adr.id), stamp)
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def write_reqifz(snap: DocumentSnapshot, *, group_by: str = "type", stem: str = "requirements",
                 attachments: Mapping[str, bytes] | None = None) -> bytes:
    """A `.reqifz` archive: `<stem>.reqif` at the top level plus any attachments (path → bytes).

    Requirements carry no documents in Throughline today, so the service passes none and the archive holds
    the one `.reqif`; attachments are written under `files/` where an XHTML `<object data="files/…">` could
    refer to them."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", stem):
        raise ValueError(f"bad archive stem {stem!r}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry(f"{stem}.reqif", snap.exported_at), write_reqif(snap, group_by=group_by))
        for name, data in sorted((attachments or {}).items()):
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name) or name.startswith("."):
                raise ValueError(f"bad attachment name {name!r}")
            archive.writestr(_entry(f"files/{name}", snap.exported_at), data)
    return buffer.getvalue()


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    # A fixed member date (the export's) keeps the archive byte-identical for the same snapshot.
    info = zipfile.ZipInfo(name, date_time=max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


# --- building blocks -------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _R + tag, {k.replace("_", "-").upper(): v for k, v in attrs.items()})


def _text(parent: etree._Element, tag: str, value: str) -> None:
    _sub(parent, tag).text = _line(value)  # header fields and references: one line each


def _line(text: object) -> str:
    """Text for an attribute or a LONG-NAME: XML-safe and on one line, as ReqIF readers (StrictDoc) need."""
    return single_line(clean(text))


def _time(value: datetime | None, fallback: datetime | None = None) -> str:
    value = value or fallback or datetime(1970, 1, 1, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _header(parent: etree._Element, snap: DocumentSnapshot, stamp: str) -> None:
    header = _sub(parent, "REQ-IF-HEADER", identifier=f"header-engagement-{int(snap.engagement_id)}")
    _text(header, "COMMENT", f"Requirements and decisions of {snap.engagement_name}"
          + (f" ({snap.client})" if snap.client else "") + f", exported by {TOOL}.")
    _text(header, "CREATION-TIME", stamp)
    _text(header, "REPOSITORY-ID", f"throughline-engagement-{int(snap.engagement_id)}")
    _text(header, "REQ-IF-TOOL-ID", TOOL)
    _text(header, "REQ-IF-VERSION", "1.0")
    _text(header, "SOURCE-TOOL-ID", TOOL)
    _text(header, "TITLE", snap.engagement_name)


def _enumerations(snap: DocumentSnapshot) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(datatype id, name, [(value key, label)]) of every enumeration; channels are keyed by id."""
    return [
        ("dt-requirement-type", "Requirement type", list(snap.requirement_types.items())),
        ("dt-priority", "Priority (MoSCoW)", list(snap.priorities.items())),
        ("dt-requirement-status", "Requirement status", list(snap.requirement_statuses.items())),
        ("dt-decision-status", "Decision status", list(snap.decision_statuses.items())),
        ("dt-channel", "Channel", [(str(cid), name) for cid, name in sorted(snap.channels.items())]),
    ]


def _enum_value_id(datatype: str, key: str) -> str:
    return f"ev-{datatype[3:]}-{_IDENT.sub('_', key)}"


def _datatypes(parent: etree._Element, snap: DocumentSnapshot, stamp: str) -> None:
    _sub(parent, "DATATYPE-DEFINITION-STRING", identifier="dt-string", last_change=stamp, long_name="Text",
         max_length="1000000")
    _sub(parent, "DATATYPE-DEFINITION-XHTML", identifier="dt-xhtml", last_change=stamp, long_name="Rich text")
    for ident, name, values in _enumerations(snap):
        datatype = _sub(parent, "DATATYPE-DEFINITION-ENUMERATION", identifier=ident, last_change=stamp,
                        long_name=name)
        specified = _sub(datatype, "SPECIFIED-VALUES")
        for position, (key, label) in enumerate(values):
            value = _sub(specified, "ENUM-VALUE", identifier=_enum_value_id(ident, key), last_change=stamp,
                         long_name=_line(label))
            _sub(_sub(value, "PROPERTIES"), "EMBEDDED-VALUE", key=str(position), other_content=_line(key))


def _spec_types(parent: etree._Element, stamp: str) -> None:
    for ident, name, attributes in (("sot-heading", "Heading", HEADING_ATTRIBUTES),
                                    ("sot-requirement", "Requirement", REQUIREMENT_ATTRIBUTES),
                                    ("sot-decision", "Decision", DECISION_ATTRIBUTES)):
        object_type = _sub(parent, "SPEC-OBJECT-TYPE", identifier=ident, last_change=stamp, long_name=name)
        defs = _sub(object_type, "SPEC-ATTRIBUTES")
        for attr_id, attr_name, kind, datatype in attributes:
            tag = {"string": "STRING", "xhtml": "XHTML", "enum": "ENUMERATION", "enums": "ENUMERATION"}[kind]
            extra = {"multi_valued": "true" if kind == "enums" else "false"} if tag == "ENUMERATION" else {}
            definition = _sub(defs, f"ATTRIBUTE-DEFINITION-{tag}", identifier=attr_id, last_change=stamp,
                              long_name=attr_name, **extra)
            _text(_sub(definition, "TYPE"), f"DATATYPE-DEFINITION-{tag}-REF", datatype)
    for kind, name in RELATION_KINDS.items():
        _sub(parent, "SPEC-RELATION-TYPE", identifier=f"srt-{kind}", last_change=stamp, long_name=name)
    _sub(parent, "SPECIFICATION-TYPE", identifier="st-document", last_change=stamp, long_name="Document")


def _requirement_values(req: RequirementRecord, snap: DocumentSnapshot) -> list[tuple[str, str, object]]:
    channels = [str(c) for c in req.channel_ids if c in snap.channels]
    return [
        ("ad-req-foreign-id", "string", req.ref),
        ("ad-req-name", "string", req.title),
        ("ad-req-text", "xhtml", req.text),
        ("ad-req-type", "enum", _known(req.type, snap.requirement_types)),
        ("ad-req-priority", "enum", _known(req.priority, snap.priorities)),
        ("ad-req-status", "enum", _known(req.status, snap.requirement_statuses)),
        ("ad-req-channels", "enums", channels),
        ("ad-req-source", "string", req.source),
        ("ad-req-acceptance", "xhtml", req.acceptance),
        ("ad-req-tags", "string", ", ".join(req.tags)),
        ("ad-req-satisfied-by", "string", "; ".join(req.satisfied_by)),
        ("ad-req-version", "string", str(req.version)),
        ("ad-req-id", "string", str(req.id)),
    ]


def _decision_values(adr: DecisionRecord, snap: DocumentSnapshot) -> list[tuple[str, str, object]]:
    return [
        ("ad-adr-foreign-id", "string", adr.ref),
        ("ad-adr-name", "string", adr.title),
        ("ad-adr-status", "enum", _known(snap.effective_status[adr.id].status, snap.decision_statuses)),
        ("ad-adr-context", "xhtml", adr.context),
        ("ad-adr-options", "xhtml", adr.options),
        ("ad-adr-outcome", "xhtml", adr.outcome),
        ("ad-adr-consequences", "xhtml", adr.consequences),
        ("ad-adr-decided-on", "string", adr.decided_on.isoformat() if adr.decided_on else ""),
        ("ad-adr-affects", "string", "; ".join(adr.affects)),
        ("ad-adr-id", "string", str(adr.id)),
    ]


def _known(code: str, vocabulary: Mapping[str, str]) -> list[str]:
    return [code] if code in vocabulary else []


_DATATYPE_OF = {attr_id: datatype for attr_id, _, _, datatype in
                (*REQUIREMENT_ATTRIBUTES, *DECISION_ATTRIBUTES, *HEADING_ATTRIBUTES)}


def _object(parent: etree._Element, ident: str, kind: str, name: str, stamp: str,
            values: Iterable[tuple[str, str, object]]) -> None:
    spec_object = _sub(parent, "SPEC-OBJECT", identifier=ident, last_change=stamp, long_name=_line(name))
    holder = _sub(spec_object, "VALUES")
    for attr_id, kind_of_value, value in values:
        if kind_of_value == "string":
            if not value:
                continue  # an absent value is no value, as ReqIF tools expect
            av = _sub(holder, "ATTRIBUTE-VALUE-STRING", the_value=_line(value))  # titles and names: one line
            _text(_sub(av, "DEFINITION"), "ATTRIBUTE-DEFINITION-STRING-REF", attr_id)
        elif kind_of_value == "xhtml":
            if not clean(value).strip():
                continue
            av = _sub(holder, "ATTRIBUTE-VALUE-XHTML")
            _text(_sub(av, "DEFINITION"), "ATTRIBUTE-DEFINITION-XHTML-REF", attr_id)
            _xhtml(_sub(av, "THE-VALUE"), str(value))
        else:
            keys = list(value)  # type: ignore[arg-type]
            if not keys:
                continue
            av = _sub(holder, "ATTRIBUTE-VALUE-ENUMERATION")
            _text(_sub(av, "DEFINITION"), "ATTRIBUTE-DEFINITION-ENUMERATION-REF", attr_id)
            refs = _sub(av, "VALUES")
            for key in keys:
                _text(refs, "ENUM-VALUE-REF", _enum_value_id(_DATATYPE_OF[attr_id], key))
    _text(_sub(spec_object, "TYPE"), "SPEC-OBJECT-TYPE-REF", _TYPE_OF[kind])


def _xhtml(parent: etree._Element, text: str) -> None:
    """Plain text as XHTML: a div of paragraphs (blank-line separated), line breaks kept as <br/>."""
    div = etree.SubElement(parent, _X + "div")
    for paragraph in re.split(r"\n\s*\n", clean(text).strip()):
        p = etree.SubElement(div, _X + "p")
        rows = paragraph.split("\n")
        p.text = rows[0]
        for row in rows[1:]:
            br = etree.SubElement(p, _X + "br")
            br.tail = row


def _relations(parent: etree._Element, snap: DocumentSnapshot, stamp: str) -> None:
    for link in sorted(snap.links, key=lambda item: item.id):
        if link.kind == "refines":
            ok = link.source_id in snap.requirement_by_id and link.target_id in snap.requirement_by_id
            target = requirement_id(link.target_id)
        elif link.kind == "addresses":
            ok = link.source_id in snap.requirement_by_id and link.target_id in snap.decision_by_id
            target = decision_id(link.target_id)
        else:
            continue  # links to systems and flows travel as attributes (see the module docstring)
        if not ok:
            continue
        relation = _sub(parent, "SPEC-RELATION", identifier=f"rel-{int(link.id)}", last_change=stamp,
                        long_name=RELATION_KINDS[link.kind] + (" (suspect)" if link.suspect else ""))
        _text(_sub(relation, "SOURCE"), "SPEC-OBJECT-REF", requirement_id(link.source_id))
        _text(_sub(relation, "TARGET"), "SPEC-OBJECT-REF", target)
        _text(_sub(relation, "TYPE"), "SPEC-RELATION-TYPE-REF", f"srt-{link.kind}")


def _groups(snap: DocumentSnapshot, group_by: str) -> list[tuple[str, str, list[RequirementRecord]]]:
    """(heading object id, heading, requirements) in vocabulary / channel order; empty groups left out."""
    reqs = list(snap.requirements)
    if group_by == "type":
        # A type nobody stated (an ArchiMate import leaves it unknown) gets its own heading, last.
        codes = list(snap.requirement_types) + sorted({r.type for r in reqs if r.type is not None}
                                                      - set(snap.requirement_types))
        groups = [(f"head-type-{_IDENT.sub('_', code)}", snap.requirement_types.get(code, code),
                   [r for r in reqs if r.type == code]) for code in codes]
        groups.append(("head-type-unknown", "Type not stated", [r for r in reqs if r.type is None]))
    else:
        groups = [(f"head-channel-{int(cid)}", name, [r for r in reqs if cid in r.channel_ids])
                  for cid, name in sorted(snap.channels.items())]
        groups.append(("head-channel-none", "No channel",
                       [r for r in reqs if not any(c in snap.channels for c in r.channel_ids)]))
    return [group for group in groups if group[2]]


def _specification(parent: etree._Element, ident: str, name: str, stamp: str) -> etree._Element:
    spec = _sub(parent, "SPECIFICATION", identifier=ident, last_change=stamp, long_name=_line(name))
    _text(_sub(spec, "TYPE"), "SPECIFICATION-TYPE-REF", "st-document")
    return spec


def _hierarchy(parent: etree._Element, ident: str, object_id: str, stamp: str) -> etree._Element:
    children = parent.find(_R + "CHILDREN")
    if children is None:
        children = _sub(parent, "CHILDREN")
    node = _sub(children, "SPEC-HIERARCHY", identifier=ident, last_change=stamp)
    _text(_sub(node, "OBJECT"), "SPEC-OBJECT-REF", object_id)
    return node


__all__ = ["GROUPINGS", "REQIF_NS", "XHTML_NS", "decision_id", "requirement_id", "write_reqif", "write_reqifz"]

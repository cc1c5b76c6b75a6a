"""Requirements and decisions as documents: ReqIF (`.reqif`, `.reqifz`) and MADR decision records (a zip).

Builds the plain `DocumentSnapshot` the pure writers in `exports.reqif` / `exports.madr` take, with one
query per table (elements, requirements, decisions, participants, requirement channels, tags, trace links,
scenarios) — no per-row loading — and gives each download an ASCII file name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.errors import ValidationError
from app.services.review import signoffs as signoffs
from exports import madr, reqif
from exports.records import DecisionRecord, DocumentSnapshot, LinkRecord, RequirementRecord, SignOffRecord
from models import Decision, Element, Engagement, Requirement, Scenario, TraceLink
from models.base import utcnow
from models.elements import Tag, element_channels
from models.requirements import DecisionParticipant
from models.vocab import DECISION_STATUSES, PRIORITIES, REQUIREMENT_STATUSES, REQUIREMENT_TYPES

REQIF_FORMATS = {"reqif": "application/xml", "reqifz": "application/zip"}
ADR_MEDIA_TYPE = "application/zip"
GROUPINGS = reqif.GROUPINGS


def snapshot(session: Session, engagement: Engagement, *, exported_at: datetime | None = None) -> DocumentSnapshot:
    """Everything the ReqIF and MADR writers need of an engagement, read in a fixed number of queries."""
    eid = engagement.id
    elements = {row.id: row for row in session.execute(
        select(Element.id, Element.kind, Element.name, Element.ref, Element.version)
        .where(Element.engagement_id == eid))}
    requirements = session.scalars(select(Requirement).where(Requirement.engagement_id == eid)
                                   .order_by(Requirement.number, Requirement.id)).all()
    decisions = session.scalars(select(Decision).where(Decision.engagement_id == eid)
                                .order_by(Decision.number, Decision.id)).all()
    participants: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in session.execute(
            select(DecisionParticipant.decision_id, DecisionParticipant.role, DecisionParticipant.stakeholder_id)
            .join(Element, Element.id == DecisionParticipant.decision_id).where(Element.engagement_id == eid)):
        if row.stakeholder_id in elements:
            participants[row.decision_id][row.role].append(elements[row.stakeholder_id].name)
    channels_of: dict[int, list[int]] = defaultdict(list)
    for row in session.execute(
            select(element_channels.c.element_id, element_channels.c.channel_id)
            .join(Element, Element.id == element_channels.c.element_id)
            .where(Element.engagement_id == eid, Element.kind == "requirement")):
        channels_of[row.element_id].append(row.channel_id)
    tags_of: dict[int, list[str]] = defaultdict(list)
    for row in session.execute(select(Tag.element_id, Tag.tag).join(Element, Element.id == Tag.element_id)
                               .where(Element.engagement_id == eid).order_by(Tag.tag)):
        tags_of[row.element_id].append(row.tag)
    scenarios = dict(session.execute(select(Scenario.id, Scenario.name).where(Scenario.engagement_id == eid)).all())
    links = session.scalars(select(TraceLink).where(TraceLink.engagement_id == eid).order_by(TraceLink.id)).all()

    targets: dict[int, list[str]] = defaultdict(list)  # satisfied_by / affects: names of systems and flows
    link_records = []
    for link in links:
        source, target = elements.get(link.source_id), elements.get(link.target_id)
        if source is None or target is None:
            continue
        if link.kind in ("satisfied_by", "affects"):
            targets[link.source_id].append(target.name)
        suspect = source.version != link.source_version or target.version != link.target_version
        link_records.append(LinkRecord(link.id, link.kind, link.source_id, link.target_id, suspect))

    def name_of(element_id: int | None) -> str:
        return elements[element_id].name if element_id in elements else ""

    signed = signoffs.statuses(session, eid)

    def signoffs_of(element_id: int) -> tuple[SignOffRecord, ...]:
        status = signed.get(element_id)
        return tuple(SignOffRecord(v.author, v.verdict, v.signed_at.date(), v.version, v.stale, v.note)
                     for v in reversed(status.verdicts)) if status else ()

    return DocumentSnapshot(
        engagement_id=eid,
        engagement_name=engagement.name,
        client=engagement.client or "",
        exported_at=exported_at or utcnow(),
        channels={cid: row.name for cid, row in sorted(elements.items()) if row.kind == "channel"},
        requirement_types=dict(REQUIREMENT_TYPES),
        priorities=dict(PRIORITIES),
        requirement_statuses=dict(REQUIREMENT_STATUSES),
        decision_statuses=dict(DECISION_STATUSES),
        requirements=tuple(RequirementRecord(
            id=r.id, ref=r.ref or f"REQ-{r.number}", title=r.name, text=r.text or "", type=r.type,
            priority=r.priority, status=r.status, channel_ids=tuple(sorted(channels_of[r.id])),
            source=name_of(r.source_id), acceptance=r.acceptance or "", tags=tuple(tags_of[r.id]),
            version=r.version, updated_at=r.updated_at, satisfied_by=tuple(sorted(targets[r.id])),
        ) for r in requirements),
        decisions=tuple(DecisionRecord(
            id=d.id, number=d.number, ref=d.ref or f"ADR-{d.number}", title=d.name, status=d.status,
            context=d.context or "", options=d.options or "", outcome=d.outcome or "",
            consequences=d.consequences or "", decided_on=d.decided_on, supersedes_id=d.supersedes_id,
            deciders=tuple(participants[d.id]["decider"]), consulted=tuple(participants[d.id]["consulted"]),
            informed=tuple(participants[d.id]["informed"]), scenario=scenarios.get(d.scenario_id, ""),
            version=d.version, updated_at=d.updated_at, affects=tuple(sorted(targets[d.id])),
            signoffs=signoffs_of(d.id),
        ) for d in decisions),
        links=tuple(link_records),
    )


def export_reqif(session: Session, engagement: Engagement, *, fmt: str = "reqif", group_by: str = "type") -> bytes:
    """The engagement's requirements as `.reqif` XML or a `.reqifz` archive, grouped by type or channel."""
    errors = {}
    if fmt not in REQIF_FORMATS:
        errors["format"] = f"Choose one of {', '.join(REQIF_FORMATS)}."
    if group_by not in GROUPINGS:
        errors["group_by"] = f"Group by one of {', '.join(GROUPINGS)}."
    if errors:
        raise ValidationError(errors)
    snap = snapshot(session, engagement)
    if fmt == "reqifz":
        return reqif.write_reqifz(snap, group_by=group_by, stem=stem(engagement, "requirements"))
    return reqif.write_reqif(snap, group_by=group_by)


def export_adrs(session: Session, engagement: Engagement, *, requirement_url: str | None = None) -> bytes:
    """The engagement's decisions as MADR files in a zip; `requirement_url` has an `{id}` placeholder."""
    return madr.write_adr_zip(snapshot(session, engagement), requirement_url=requirement_url)


def stem(engagement: Engagement, what: str) -> str:
    """`acme-retail-discovery-requirements`: ASCII, no quotes or slashes, safe in Content-Disposition."""
    ascii_name = unicodedata.normalize("NFKD", engagement.name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].rstrip("-")
    return f"{slug or 'engagement'}-{what}"


def reqif_filename(engagement: Engagement, fmt: str) -> str:
    """The download name of a ReqIF export."""
    return f"{stem(engagement, 'requirements')}.{fmt}"


def adr_filename(engagement: Engagement) -> str:
    """The download name of the ADR zip."""
    return f"{stem(engagement, 'decisions')}.zip"

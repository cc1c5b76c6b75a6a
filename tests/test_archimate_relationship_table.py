"""Every relationship an export writes is one ArchiMate 3.2 allows between its source and target types.

The table is Archi's (exports/archimate/relationships.json). The model under test holds one of every kind of
object the app knows and every kind of trace link to every kind of target, read from the code
(KINDS, TRACE_RULES, ELEMENT_TYPES), so a kind added later is checked too.
"""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from app.services.catalog.elements import save_element
from app.services.catalog.fields import KINDS
from app.services.catalog.trace import add_link
from app.services.interchange.archimate_export import export_archimate
from app.services.interchange.archimate_import import import_archimate
from app.services.scenarios import save_scenario
from exports.archimate import NS, XSI_TYPE
from exports.archimate.relationships import allowed_types, disallowed, is_allowed
from models import Channel, DataEntity, Scenario, TraceLink
from models.archimate import ELEMENT_TYPES
from models.vocab import TRACE_RULES
from tests.support.archimate import ARCHISURANCE

A = f"{{{NS}}}"


def relationship_rows(xml: bytes) -> list[tuple[str, str, str, str]]:
    """(identifier, type, source type, target type) of every relationship; a relationship end is `Relationship`."""
    root = etree.fromstring(xml)
    types = {e.get("identifier"): e.get(XSI_TYPE) for e in root.iter(f"{A}element")}
    types |= {r.get("identifier"): "Relationship" for r in root.iter(f"{A}relationship")}
    return [(r.get("identifier"), r.get(XSI_TYPE), types[r.get("source")], types[r.get("target")])
            for r in root.iter(f"{A}relationship")]


@pytest.fixture
def everything(session, engagement):
    """An engagement with one of every kind of object, every trace link kind to every target kind, a proposal."""
    cio = save_element(session, engagement, "stakeholder", {"name": "CIO"})
    channel = session.scalar(select(Channel).where(Channel.engagement_id == engagement.id))
    entity = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id))
    made = {"channel": channel, "entity": entity, "stakeholder": cio}
    oms = save_element(session, engagement, "system", {"name": "OMS", "category": "oms", "channel_ids": [channel.id]})
    erp = save_element(session, engagement, "system", {"name": "ERP", "category": "erp"})
    made["system"] = oms
    made["flow"] = save_element(session, engagement, "flow", {"source_id": oms.id, "target_id": erp.id,
                                                              "entity_ids": [entity.id], "pattern": "api"})
    for role in KINDS["ownership"].field("role").choices:
        made["ownership"] = save_element(session, engagement, "ownership",
                                         {"system_id": oms.id, "entity_id": entity.id, "role": role})
    made["requirement"] = save_element(session, engagement, "requirement", {"title": "Stock is right"})
    parent = save_element(session, engagement, "requirement", {"title": "Stock"})
    made["decision"] = save_element(session, engagement, "decision", {"title": "One OMS"})
    for archimate_type in ELEMENT_TYPES:
        made["generic"] = save_element(session, engagement, "generic",
                                       {"name": f"A {archimate_type}", "archimate_type": archimate_type})
    targets = {"decision": made["decision"], "system": oms, "flow": made["flow"], "requirement": parent}
    sources = {"requirement": made["requirement"], "decision": made["decision"]}
    for kind, (source_kind, target_kinds) in TRACE_RULES.items():
        for target_kind in target_kinds:
            add_link(session, engagement, kind, sources[source_kind].id, targets[target_kind].id)
    assert set(made) == set(KINDS)  # a kind added to the app must be added here
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id))
    save_scenario(session, engagement, "Target", "", copy_from=baseline)
    return engagement


def test_the_model_under_test_holds_every_kind_and_every_trace_link(session, everything):
    kinds = set(session.scalars(select(TraceLink.kind).where(TraceLink.engagement_id == everything.id)))
    assert kinds == set(TRACE_RULES)
    xml = export_archimate(session, everything)
    found = {t for _i, _r, s, t in relationship_rows(xml)} | {s for _i, _r, s, _t in relationship_rows(xml)}
    assert set(ELEMENT_TYPES) - {"Plateau"} <= {e.get(XSI_TYPE) for e in etree.fromstring(xml).iter(f"{A}element")}
    assert "Relationship" in found  # links to a flow end at a relationship


@pytest.mark.parametrize("scenario", [None, "all"], ids=["current-state", "all-scenarios"])
def test_every_exported_relationship_is_allowed_by_the_archimate_3_2_table(session, everything, scenario):
    rows = relationship_rows(export_archimate(session, everything, scenario))
    assert len(rows) > 10
    assert disallowed(rows) == []


def test_refines_is_written_as_a_specialization_and_read_back_as_refines(session, user, everything):
    xml = export_archimate(session, everything)
    between_requirements = {r for _i, r, s, t in relationship_rows(xml) if (s, t) == ("Requirement", "Requirement")}
    assert between_requirements == {"Specialization"}
    copy = import_archimate(session, xml, owner=user).engagement
    kinds = sorted(session.scalars(select(TraceLink.kind).where(TraceLink.engagement_id == copy.id)))
    assert kinds.count("refines") == 1 and set(kinds) == set(TRACE_RULES)


def test_a_realization_between_requirements_from_an_earlier_export_still_reads_as_refines(session, user, everything):
    xml = export_archimate(session, everything)
    root = etree.fromstring(xml)
    for rel in root.iter(f"{A}relationship"):
        if rel.get(XSI_TYPE) == "Specialization":
            rel.set(XSI_TYPE, "Realization")
    copy = import_archimate(session, etree.tostring(root), owner=user).engagement
    assert "refines" in set(session.scalars(select(TraceLink.kind).where(TraceLink.engagement_id == copy.id)))


def test_the_table_knows_what_archimate_allows_and_refuses():
    assert allowed_types("Requirement", "Requirement") == {
        "Aggregation", "Association", "Composition", "Influence", "Specialization"}
    assert not is_allowed("Realization", "Requirement", "Requirement")
    assert is_allowed("Realization", "ApplicationComponent", "Requirement")
    assert is_allowed("Influence", "AndJunction", "Requirement")
    assert not is_allowed("Aggregation", "Plateau", "Stakeholder")
    assert disallowed([("r1", "Flow", "Stakeholder", "Goal")]) == [
        "relationship r1: Flow from Stakeholder to Goal is not allowed by ArchiMate 3.2"]


def test_archisurance_exported_again_only_writes_relationships_the_table_allows(session, user):
    engagement = import_archimate(session, ARCHISURANCE.read_bytes(), owner=user).engagement
    source = disallowed(relationship_rows(ARCHISURANCE.read_bytes()))
    assert disallowed(relationship_rows(export_archimate(session, engagement))) == source == []

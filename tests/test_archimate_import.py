"""ArchiMate exchange import: a real model kept whole, round trips that preserve identity, and clean refusals.

The import page, the CLI and the imported model in the app: test_archimate_import_web.py.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.services.bundle.transfer import export_bundle, import_bundle
from app.services.errors import ValidationError
from app.services.interchange.archimate_export import export_archimate
from app.services.interchange.archimate_import import import_archimate
from exports.archimate import ELEMENT_TYPE, NS
from exports.archimate_import import parse_exchange
from models import (
    ArchimateRelationship,
    Element,
    GenericElement,
    Membership,
    Ownership,
    Scenario,
    System,
    TraceLink,
    scenario_members,
)
from tests.support.archimate import ARCHISURANCE, MALFORMED, engagement_count
from tests.support.bundles import demo_document

KIND_TYPES = dict(ELEMENT_TYPE)


@pytest.fixture
def archisurance() -> bytes:
    return ARCHISURANCE.read_bytes()


def _stored_types(session, engagement) -> Counter:
    """ArchiMate element types of everything stored as an element (flows and ownerships are relationships)."""
    counts: Counter = Counter()
    for kind, archimate_type in KIND_TYPES.items():
        counts[archimate_type] += session.scalar(
            select(func.count())
            .select_from(Element)
            .where(Element.engagement_id == engagement.id, Element.kind == kind)
        )
    for (archimate_type,) in session.execute(
        select(GenericElement.archimate_type).where(GenericElement.engagement_id == engagement.id)
    ):
        counts[archimate_type] += 1
    return +counts


def _identity(xml: bytes):
    model = parse_exchange(xml)
    elements = {e.identifier: (e.type, e.name) for e in model.elements}
    relationships = {r.identifier: (r.type, r.source, r.target, r.name, r.attributes) for r in model.relationships}
    return elements, relationships


def test_archisurance_imports_with_every_element_and_relationship_kept_by_type(session, user, archisurance):
    source = parse_exchange(archisurance)
    summary = import_archimate(session, archisurance, owner=user)
    engagement = summary.engagement
    assert (summary.elements, summary.relationships) == (120, 178)
    assert _stored_types(session, engagement) == Counter(e.type for e in source.elements)
    assert sum(_stored_types(session, engagement).values()) == 120
    # Relationships: flows and ownerships are elements, trace links and kept relationships rows of their own.
    stored = Counter(
        session.scalars(select(ArchimateRelationship.type).where(ArchimateRelationship.engagement_id == engagement.id))
    )
    stored["Access"] += session.scalar(
        select(func.count()).select_from(Ownership).where(Ownership.engagement_id == engagement.id)
    )
    stored["Serving"] += sum(len(s.channels) for s in session.scalars(select(System).where(
        System.engagement_id == engagement.id)))
    assert stored == Counter(r.type for r in source.relationships)
    assert sum(stored.values()) == 178
    assert session.scalar(select(Membership.role).where(Membership.engagement_id == engagement.id)) == "owner"


def test_archisurance_maps_what_fits_and_keeps_the_rest_with_its_type_and_properties(session, user, archisurance):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    systems = session.scalars(select(System).where(System.engagement_id == engagement.id)).all()
    # The file says nothing of category, hosting or lifecycle: they stay unknown instead of getting defaults.
    assert len(systems) == 10 and {(s.category, s.hosting, s.lifecycle) for s in systems} == {(None, None, None)}
    # Two business interfaces are both called "phone": one channel, the other kept as an other element.
    phones = session.scalars(
        select(Element).where(Element.engagement_id == engagement.id, Element.name == "phone")
    ).all()
    assert sorted(e.kind for e in phones) == ["channel", "generic"]
    actor = session.scalar(select(GenericElement).where(GenericElement.external_id == "id-275"))
    assert actor.archimate_type == "BusinessActor" and actor.name == "Archisurance"
    assert actor.properties == [
        ["Property1", "Another Value of Property 1"],
        ["Property2", "Another Value of Property 2"],
        ["Property3", "Value of Property 3"],
    ]
    named = session.scalars(
        select(ArchimateRelationship).where(ArchimateRelationship.engagement_id == engagement.id,
                                            ArchimateRelationship.name != "")
    ).all()
    assert len(named) == 33


def test_export_import_export_of_archisurance_preserves_ids_names_types_and_relationships(
    session, user, archisurance
):
    first = import_archimate(session, archisurance, owner=user).engagement
    exported = export_archimate(session, first)
    assert _identity(exported) == _identity(archisurance)
    second = import_archimate(session, exported, owner=user).engagement
    assert export_archimate(session, second) == exported


def test_export_import_export_of_the_demo_preserves_ids_names_types_and_relationships(session, user):
    demo = import_bundle(session, demo_document(), owner=user)
    exported = export_archimate(session, demo)
    copy = import_archimate(session, exported, owner=user).engagement
    again = export_archimate(session, copy)
    assert _identity(again) == _identity(exported)
    # Everything mapped back onto Throughline kinds: nothing had to be kept as generic.
    assert session.scalar(
        select(func.count()).select_from(GenericElement).where(GenericElement.engagement_id == copy.id)
    ) == 0
    assert session.scalar(
        select(func.count()).select_from(ArchimateRelationship).where(ArchimateRelationship.engagement_id == copy.id)
    ) == 0
    def links_of(engagement) -> int:
        return session.scalar(
            select(func.count()).select_from(TraceLink).where(TraceLink.engagement_id == engagement.id)
        )

    original_links, copied_links = links_of(demo), links_of(copy)
    assert 0 < copied_links <= original_links  # links to other scenarios' systems are not in this export


def test_an_all_scenarios_export_imports_its_plateaus_as_scenarios_with_the_same_members(session, user):
    demo = import_bundle(session, demo_document(), owner=user)
    exported = export_archimate(session, demo, "all")
    copy = import_archimate(session, exported, owner=user).engagement

    def members(engagement) -> dict[tuple[str, bool], int]:
        rows = session.execute(
            select(Scenario.name, Scenario.is_baseline, func.count(scenario_members.c.element_id))
            .join(scenario_members, scenario_members.c.scenario_id == Scenario.id)
            .where(Scenario.engagement_id == engagement.id)
            .group_by(Scenario.name, Scenario.is_baseline)
        )
        return {(name, baseline): n for name, baseline, n in rows}

    assert members(copy) == members(demo)
    assert _identity(export_archimate(session, copy, "all")) == _identity(exported)


def test_a_plateau_with_other_relationships_is_kept_as_an_element_and_the_rest_still_imports(session, user):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="m">
  <name>Roadmap</name>
  <elements>
    <element identifier="p1" xsi:type="Plateau"><name>Today</name></element>
    <element identifier="p2" xsi:type="Plateau"><name>Tomorrow</name></element>
    <element identifier="s1" xsi:type="ApplicationComponent"><name>OMS</name></element>
  </elements>
  <relationships>
    <relationship identifier="p1.has.s1" source="p1" target="s1" xsi:type="Aggregation"/>
    <relationship identifier="t1" source="p1" target="p2" xsi:type="Triggering"/>
  </relationships>
</model>""".encode()
    engagement = import_archimate(session, xml, owner=user).engagement
    scenarios = session.scalars(select(Scenario.name).where(Scenario.engagement_id == engagement.id)).all()
    assert scenarios == ["Current state"]
    plateaus = session.scalars(select(GenericElement.name).where(GenericElement.engagement_id == engagement.id,
                                                                 GenericElement.archimate_type == "Plateau")).all()
    assert sorted(plateaus) == ["Today", "Tomorrow"]
    assert _identity(export_archimate(session, engagement)) == _identity(xml)


def test_names_with_markup_characters_and_non_ascii_survive_a_round_trip(session, user, engagement):
    from app.services.catalog.elements import save_element

    name = "Ops & <Stock> \"live\" 'now' Zürich 東京"
    save_element(session, engagement, "system", {"name": name, "category": "oms", "vendor": "A&B <c>"})
    copy = import_archimate(session, export_archimate(session, engagement), owner=user).engagement
    system = session.scalar(select(System).where(System.engagement_id == copy.id))
    assert (system.name, system.vendor, system.category) == (name, "A&B <c>", "oms")


def test_an_imported_engagement_round_trips_through_a_bundle_with_its_archimate_identity(
    session, user, archisurance
):
    first = import_archimate(session, archisurance, owner=user).engagement
    document = export_bundle(session, first)
    assert len(document["generic_elements"]) == 93 and len(document["archimate_relationships"]) > 100
    copy = import_bundle(session, document, owner=user)
    assert _identity(export_archimate(session, copy)) == _identity(archisurance)


NOT_ARCHIMATE = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'
OLD_NAMESPACE = b'<?xml version="1.0"?><model xmlns="http://www.opengroup.org/xsd/archimate" identifier="m"/>'
ENTITY = (b'<?xml version="1.0"?><!DOCTYPE model [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
          b'<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/" identifier="m"><name>&x;</name></model>')


def _with(archisurance: bytes, old: str, new: str) -> bytes:
    text = archisurance.decode("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda a: MALFORMED, r"Malformed XML at line 4, column \d+"),
        (lambda a: NOT_ARCHIMATE, r"Not an ArchiMate exchange file: the root element is <svg>"),
        (lambda a: OLD_NAMESPACE, r"Not an ArchiMate 3 exchange file"),
        (lambda a: ENTITY, r"DTD"),
        (lambda a: _with(a, 'source="id-1544"', 'source="id-nowhere"'), r"has source 'id-nowhere'"),
        (lambda a: _with(a, 'xsi:type="BusinessRole"', 'xsi:type="Spaceship"'), r"exchange schema: line \d+"),
    ],
    ids=["malformed", "not-archimate", "archimate-2", "dtd", "unknown-reference", "invalid"],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_clear_error_and_nothing_is_stored(
    session, user, archisurance, make, message
):
    before = engagement_count(session)
    with pytest.raises(ValidationError) as caught:
        import_archimate(session, make(archisurance), owner=user)
    assert re.search(message, caught.value.errors["file"][0])
    session.rollback()
    assert engagement_count(session) == before


def test_a_model_that_breaks_a_throughline_rule_is_refused_naming_the_element(session, user, archisurance):
    too_long = "x" * 400
    before = engagement_count(session)
    with pytest.raises(ValidationError) as caught:
        import_archimate(session, _with(archisurance, ">HRM<", f">{too_long}<"), owner=user)
    assert "element id-345 (BusinessActor" in caught.value.errors["file"][0]
    session.rollback()
    assert engagement_count(session) == before


def test_names_typed_over_several_lines_are_joined_into_one_line_and_counted(session, user, archisurance):
    raw = archisurance.decode("utf-8")
    assert raw.count('<name xml:lang="en">CRM System</name>') == 1
    raw = raw.replace('<name xml:lang="en">CRM System</name>', '<name xml:lang="en">CRM\n  System</name>')
    summary = import_archimate(session, raw.encode("utf-8"), owner=user)
    assert summary.one_line_names == 1
    names = set(session.scalars(select(System.name).where(System.engagement_id == summary.engagement.id)))
    assert "CRM System" in names and not any("\n" in n for n in names)


def test_list_properties_whose_items_hold_the_separator_or_a_backslash_come_back_item_by_item(session, user):
    document = demo_document()
    document["entities"][0]["name"] = "Stock; on hand \\ per store"
    source = import_bundle(session, document, owner=user)
    copy = import_archimate(session, export_archimate(session, source, "all"), owner=user).engagement

    def flows(engagement):
        from models import DataFlow
        return sorted((f.source.name, f.target.name, tuple(sorted(e.name for e in f.entities)))
                      for f in session.scalars(select(DataFlow).where(DataFlow.engagement_id == engagement.id)))

    assert any("Stock; on hand \\ per store" in entities for *_ends, entities in flows(source))
    assert flows(copy) == flows(source)

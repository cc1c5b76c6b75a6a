"""ArchiMate exchange import: a real model kept whole, round trips that preserve identity, and clean refusals."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from markupsafe import escape
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
    Engagement,
    GenericElement,
    Membership,
    Ownership,
    Scenario,
    System,
    TraceLink,
    scenario_members,
)
from tests.support.bundles import demo_document

ARCHISURANCE = Path(__file__).parent / "data" / "archisurance.xml"
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


def _engagement_count(session) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(Engagement))


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
    assert len(systems) == 10 and {s.category for s in systems} == {"custom"}
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


MALFORMED = (b'<?xml version="1.0"?>\n<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/">\n'
             b'  <name>x</name\n</model>')
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
    before = _engagement_count(session)
    with pytest.raises(ValidationError) as caught:
        import_archimate(session, make(archisurance), owner=user)
    assert re.search(message, caught.value.errors["file"][0])
    session.rollback()
    assert _engagement_count(session) == before


def test_a_model_that_breaks_a_throughline_rule_is_refused_naming_the_element(session, user, archisurance):
    too_long = "x" * 400
    before = _engagement_count(session)
    with pytest.raises(ValidationError) as caught:
        import_archimate(session, _with(archisurance, ">HRM<", f">{too_long}<"), owner=user)
    assert "element id-345 (BusinessActor" in caught.value.errors["file"][0]
    session.rollback()
    assert _engagement_count(session) == before


def _upload(browser, data: bytes, name: str = ""):
    return browser.post(
        "/engagements/import/archimate",
        data={"file": (io.BytesIO(data), "model.xml"), "name": name},
        content_type="multipart/form-data",
    )


def test_the_import_page_creates_an_engagement_owned_by_the_uploader_and_opens_it(browser, session, user, archisurance):
    assert browser.get("/engagements/import/archimate").status_code == 200
    response = _upload(browser, archisurance, name="Archisurance workshop")
    assert response.status_code == 302
    engagement = session.scalar(select(Engagement).where(Engagement.name == "Archisurance workshop"))
    assert response.headers["Location"].endswith(f"/e/{engagement.id}/")
    page = browser.get(f"/e/{engagement.id}/other-elements?archimate_type=BusinessActor")
    assert page.status_code == 200 and "Archisurance" in page.get_data(as_text=True)
    actor = session.scalar(select(GenericElement).where(GenericElement.engagement_id == engagement.id,
                                                        GenericElement.external_id == "id-275"))
    detail = browser.get(f"/e/{engagement.id}/other-elements/{actor.id}").get_data(as_text=True)
    assert "ArchiMate relationships" in detail and "Assignment" in detail and "Insurer" in detail
    dashboard = browser.get(f"/e/{engagement.id}/").get_data(as_text=True)
    assert 'id="count-generic"' in dashboard and "/other-elements" in dashboard


def test_the_engagements_page_offers_the_archimate_import(browser):
    assert "/engagements/import/archimate" in browser.get("/").get_data(as_text=True)


def test_the_import_page_shows_the_error_in_the_form_and_stores_nothing(browser, session):
    before = _engagement_count(session)
    response = _upload(browser, MALFORMED)
    assert response.status_code == 422
    assert "Malformed XML at line 4" in response.get_data(as_text=True)
    assert _engagement_count(session) == before


def test_the_import_page_refuses_a_post_without_the_csrf_token(browser, session, archisurance):
    before = _engagement_count(session)
    response = browser.post(
        "/engagements/import/archimate",
        data={"file": (io.BytesIO(archisurance), "model.xml")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert _engagement_count(session) == before


def test_the_import_page_refuses_a_file_over_the_size_limit(app, browser, session, archisurance):
    app.config["ARCHIMATE_MAX_BYTES"] = 1000
    before = _engagement_count(session)
    response = _upload(browser, archisurance)
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    assert _engagement_count(session) == before


def test_the_cli_imports_a_file_and_prints_the_new_engagement_as_json(app, session, user):
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["import", "archimate", str(ARCHISURANCE), "--owner", user.email, "--name", "From CLI", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"name": "From CLI"' in result.stdout and '"elements": 120' in result.stdout
    bad = app.test_cli_runner().invoke(args=["import", "archimate", "-"], input=MALFORMED)
    assert bad.exit_code == 1 and "Malformed XML at line 4" in bad.output


def test_deleting_an_other_element_removes_its_relationships_and_undo_restores_them_with_type_and_identity(
    session, user, archisurance
):
    from app.services.catalog.elements import delete_element
    from app.services.catalog.history import undo_delete

    engagement = import_archimate(session, archisurance, owner=user).engagement
    actor = session.scalar(select(GenericElement).where(GenericElement.engagement_id == engagement.id,
                                                        GenericElement.external_id == "id-275"))
    actor_id, properties = actor.id, actor.properties

    def relationships() -> int:
        return session.scalar(
            select(func.count()).select_from(ArchimateRelationship).where(
                (ArchimateRelationship.source_id == actor_id) | (ArchimateRelationship.target_id == actor_id)
            )
        )

    assert relationships() == 1
    change = delete_element(session, engagement, actor, user_id=user.id)
    session.expire_all()
    assert relationships() == 0
    restored = undo_delete(session, engagement, change.id, user_id=user.id)
    assert (restored.archimate_type, restored.name) == ("BusinessActor", "Archisurance")
    assert restored.properties == properties
    assert restored.external_id == "id-275"
    assert relationships() == 1
    again = export_archimate(session, engagement)
    assert b'identifier="id-275"' in again


def test_an_other_element_is_edited_through_its_form_with_properties_as_lines(browser, session, user, engagement):
    page = browser.post(
        f"/e/{engagement.id}/other-elements/new",
        data={"name": "Store staff", "archimate_type": "BusinessRole", "documentation": "Runs the till.",
              "properties": "Shift: early\nArea: front of store"},
    )
    assert page.status_code == 302
    element = session.scalar(select(GenericElement).where(GenericElement.engagement_id == engagement.id))
    assert element.properties == [["Shift", "early"], ["Area", "front of store"]]
    xml = export_archimate(session, engagement)
    kept = next(e for e in parse_exchange(xml).elements if e.type == "BusinessRole")
    assert (kept.name, kept.documentation, kept.properties) == (
        "Store staff", "Runs the till.", (("Shift", "early"), ("Area", "front of store"))
    )


PAGES = ["/", "/history", "/systems", "/flows", "/ownerships", "/decisions", "/other-elements", "/search?q=Insurer",
         "/analysis", "/traceability", "/ownership-matrix", "/workbook/export.xlsx", "/bundle.json"]


def test_the_pages_of_an_imported_model_open(browser, session, user, archisurance):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    for path in PAGES:
        response = browser.get(f"/e/{engagement.id}{path}")
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])


def test_the_relationships_of_a_mapped_element_are_grouped_by_type_and_direction(session, user, archisurance):
    from app.services.interchange.archimate_export import related_by_relationship

    source = parse_exchange(archisurance)
    engagement = import_archimate(session, archisurance, owner=user).engagement
    system = session.scalar(
        select(System).where(System.engagement_id == engagement.id, System.external_id == "id-1399")
    )
    grouped = related_by_relationship(session, system)
    expected = Counter(
        f"ArchiMate {r.type.lower()} {'to' if r.source == 'id-1399' else 'from'}"
        for r in source.relationships
        if "id-1399" in (r.source, r.target) and r.type not in ("Access",)
    )
    assert {title: len(items) for title, items in grouped.items()} == dict(expected)
    assert expected


def test_a_mapped_systems_page_lists_its_archimate_relationships(browser, session, user, archisurance):
    from app.services.interchange.archimate_export import related_by_relationship

    engagement = import_archimate(session, archisurance, owner=user).engagement
    system = session.scalar(
        select(System).where(System.engagement_id == engagement.id, System.external_id == "id-1399")
    )
    grouped = related_by_relationship(session, system)
    page = browser.get(f"/e/{engagement.id}/systems/{system.id}").get_data(as_text=True)
    assert grouped
    for title, others in grouped.items():
        assert title in page
        assert all(escape(other.name) in page for other in others)

"""ArchiMate models kept whole: Archisurance's views, folders, properties and metadata survive import and export.

Counts are read from the files themselves (tests/data/archisurance.xml is the Open Group's case study).
"""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree
from sqlalchemy import delete, select

from app.services.bundle.transfer import export_bundle, import_bundle
from app.services.errors import ValidationError
from app.services.interchange.archimate_export import export_archimate
from app.services.interchange.archimate_import import import_archimate
from exports.archimate import NS, holdings, schema_errors
from models import ArchimateModel, ArchimateView, Element, GenericElement
from tests.support.archimate import ARCHISURANCE

A = f"{{{NS}}}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def archisurance() -> bytes:
    return ARCHISURANCE.read_bytes()


def property_values(xml: bytes) -> Counter:
    """Every (property name, value) pair the file states, on any concept, view or the model."""
    root = etree.fromstring(xml)
    names = {d.get("identifier"): d.findtext(f"{A}name") for d in root.iter(f"{A}propertyDefinition")}
    return Counter((names[p.get("propertyDefinitionRef")], p.findtext(f"{A}value")) for p in root.iter(f"{A}property"))


def test_archisurance_exported_again_validates_and_holds_as_many_of_everything_as_the_source(
    session, user, archisurance
):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    exported = export_archimate(session, engagement)
    assert schema_errors(etree.fromstring(exported).getroottree()) == []
    assert holdings(exported) == holdings(archisurance)
    assert holdings(archisurance)["views"] == 17 and holdings(archisurance)["organisation items"] == 338


def test_archisurance_exported_again_states_no_property_the_source_did_not(session, user, archisurance):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    extra = property_values(export_archimate(session, engagement)) - property_values(archisurance)
    assert sorted(extra) == []


def test_the_model_identifier_metadata_and_languages_are_written_back(session, user, archisurance):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    root = etree.fromstring(export_archimate(session, engagement))
    source = etree.fromstring(archisurance)
    assert root.get("identifier") == source.get("identifier") == "id-11f5304f"
    assert root.findtext(f"{A}metadata/{DC}creator") == "Phil Beauvoir"
    assert root.find(f"{A}name").get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    first_view = root.find(f"{A}views/{A}diagrams/{A}view")
    assert etree.tostring(first_view) == etree.tostring(source.find(f"{A}views/{A}diagrams/{A}view"))


def test_reimporting_our_export_gives_the_same_model_as_the_first_import(session, user, archisurance):
    first = import_archimate(session, archisurance, owner=user).engagement
    exported = export_archimate(session, first)
    second = import_archimate(session, exported, owner=user).engagement
    assert export_archimate(session, second) == exported


def test_a_deleted_object_drops_out_of_views_and_folders_with_no_dangling_reference(session, user, archisurance):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    actor = session.scalar(select(GenericElement).where(GenericElement.engagement_id == engagement.id,
                                                        GenericElement.external_id == "id-275"))
    session.delete(actor)
    session.commit()
    exported = export_archimate(session, engagement)
    assert schema_errors(etree.fromstring(exported).getroottree()) == []  # xs:IDREF checks every reference
    assert b'"id-275"' not in exported
    before, after = holdings(archisurance), holdings(exported)
    assert after["elements"] == before["elements"] - 1 and b'identifierRef="id-275"' in archisurance
    # Its relationships went with it (and out of the folders too); the schema's IDREF check found nothing hanging.
    assert after["relationships"] < before["relationships"]
    assert after["nodes"] < before["nodes"] and after["organisation items"] < before["organisation items"]


def test_a_model_built_in_throughline_still_gets_its_generated_view(session, engagement):
    from app.services.catalog.elements import save_element

    save_element(session, engagement, "system", {"name": "OMS", "category": "oms"})
    root = etree.fromstring(export_archimate(session, engagement))
    views = root.findall(f"{A}views/{A}diagrams/{A}view")
    elements = root.findall(f"{A}elements/{A}element")
    assert len(views) == 1 and len(views[0].findall(f"{A}node")) == len(elements) > 1


def test_the_views_travel_in_the_engagement_bundle(session, user, archisurance):
    first = import_archimate(session, archisurance, owner=user).engagement
    document = export_bundle(session, first)
    assert len(document["archimate_model"]["views"]) == 17
    copy = import_bundle(session, document, owner=user)
    assert export_archimate(session, copy) == export_archimate(session, first)


def test_a_bundle_with_a_broken_view_is_refused_naming_it_and_nothing_is_stored(session, user, archisurance):
    first = import_archimate(session, archisurance, owner=user).engagement
    document = export_bundle(session, first)
    document["archimate_model"]["views"][3]["xml"] = "<view"
    count = session.query(ArchimateModel).count()
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document, owner=user)
    assert "$.archimate_model.views[3].xml" in caught.value.errors
    assert session.query(ArchimateModel).count() == count


def test_deleting_the_engagement_removes_its_kept_views(session, user, archisurance):
    engagement = import_archimate(session, archisurance, owner=user).engagement
    eid = engagement.id
    session.execute(delete(Element).where(Element.engagement_id == eid))
    session.delete(engagement)
    session.commit()
    assert session.scalars(select(ArchimateView).where(ArchimateView.engagement_id == eid)).all() == []


SAMPLE1 = ARCHISURANCE.with_name("sample1.xml")
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _texts(xml: bytes) -> list[tuple[str, str | None, str | None, str]]:
    """(concept identifier, tag, xml:lang, text) of every name and documentation of every concept."""
    root = etree.fromstring(xml)
    return [(concept.get("identifier"), etree.QName(child).localname, child.get(LANG), child.text or "")
            for concept in (*root.iter(f"{A}element"), *root.iter(f"{A}relationship"))
            for child in concept if etree.QName(child).localname in ("name", "documentation")]


def test_a_small_model_comes_back_with_its_documentation_languages_as_they_were(session, user):
    raw = SAMPLE1.read_bytes()
    engagement = import_archimate(session, raw, owner=user).engagement
    exported = export_archimate(session, engagement)
    assert schema_errors(etree.fromstring(exported).getroottree()) == []
    assert _texts(exported) == _texts(raw)  # its documentation has no xml:lang, and gets none
    drawn = ("views", "nodes", "connections")
    assert {k: v for k, v in holdings(exported).items() if k not in drawn} == {
        k: v for k, v in holdings(raw).items() if k not in drawn}
    # It had no view to keep: like a model built in Throughline, it gets the generated one.
    assert (holdings(raw)["views"], holdings(exported)["views"], holdings(exported)["nodes"]) == (0, 1, 2)


def test_names_and_documentation_in_several_languages_are_all_written_back(session, user):
    raw = SAMPLE1.read_bytes().replace(
        b'<name xml:lang="en">Sales Person</name>',
        '<name xml:lang="en">Sales Person</name><name xml:lang="fr">Vendeur</name>'
        '<name xml:lang="ja">販売員</name>'.encode(),
    )
    engagement = import_archimate(session, raw, owner=user).engagement
    exported = export_archimate(session, engagement)
    assert _texts(exported) == _texts(raw)
    assert ("id-37d5bc4b", "name", "ja", "販売員") in _texts(exported)
    document = export_bundle(session, engagement)  # and they travel in the bundle
    assert export_archimate(session, import_bundle(session, document, owner=user)) == exported

"""ArchiMate exchange import through the page and the CLI, and an imported model at work in the app.

Other elements and their relationships, edited and listed on the pages. The mapping itself:
test_archimate_import.py.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.services.interchange.archimate_export import export_archimate
from app.services.interchange.archimate_import import import_archimate
from exports.archimate_import import parse_exchange
from models import ArchimateRelationship, Engagement, GenericElement, System
from tests.support.archimate import ARCHISURANCE, MALFORMED, engagement_count


@pytest.fixture
def archisurance() -> bytes:
    return ARCHISURANCE.read_bytes()


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
    before = engagement_count(session)
    response = _upload(browser, MALFORMED)
    assert response.status_code == 422
    assert "Malformed XML at line 4" in response.get_data(as_text=True)
    assert engagement_count(session) == before


def test_the_import_page_refuses_a_post_without_the_csrf_token(browser, session, archisurance):
    before = engagement_count(session)
    response = browser.post(
        "/engagements/import/archimate",
        data={"file": (io.BytesIO(archisurance), "model.xml")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert engagement_count(session) == before


def test_the_import_page_refuses_a_file_over_the_size_limit(app, browser, session, archisurance):
    app.config["ARCHIMATE_MAX_BYTES"] = 1000
    before = engagement_count(session)
    response = _upload(browser, archisurance)
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    assert engagement_count(session) == before


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
    from app.services.catalog.browse import related_by_relationship

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
    from app.services.catalog.browse import related_by_relationship

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

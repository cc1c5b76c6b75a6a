"""Deleting an engagement leaves no ghost of its rows in the session: an import right after, into the ids the
database hands out again, is not confused with the deleted objects."""

from __future__ import annotations

from sqlalchemy import select

from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle, parse_bundle
from app.services.catalog import elements
from app.services.engagements import delete_engagement
from app.services.scenarios import list_scenarios
from models import System


def test_an_engagement_deleted_and_imported_again_reuses_its_ids_without_ghosts(session, engagement, user):
    elements.save_element(session, engagement, "system", {"name": "SAP ECC", "category": "erp"})
    document = parse_bundle(dumps_bundle(export_bundle(session, engagement)))
    kept = list_scenarios(session, engagement.id) + list(session.scalars(select(System)))  # the session holds them

    delete_engagement(session, engagement)
    assert all(obj not in session for obj in kept)
    copy = import_bundle(session, document, owner=user)

    scenarios = list_scenarios(session, copy.id)
    assert [s.name for s in scenarios] and all(s.engagement_id == copy.id for s in scenarios)
    assert [s.name for s in session.scalars(select(System).where(System.engagement_id == copy.id))] == ["SAP ECC"]

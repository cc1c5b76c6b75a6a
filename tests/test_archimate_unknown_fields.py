"""Fields an imported ArchiMate model did not state stay unknown: stored as None, shown as "—", never invented.

Every page of the engagement's menus renders an imported model (Archisurance) whose systems, channels,
stakeholders, requirements and principles have no category, hosting, lifecycle, customer facing, area, type,
priority or status; forms offer "—" and keep a value unknown until the user picks one.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.services.catalog.elements import save_element
from app.services.catalog.fields import KINDS
from app.services.interchange.archimate_export import export_archimate
from app.services.interchange.archimate_import import import_archimate
from app.services.interchange.archimate_mapping import KIND_OF_TYPE
from exports.archimate import NS
from models import Channel, DataEntity, Decision, Requirement, Stakeholder, System
from tests.support.archimate import ARCHISURANCE

UNKNOWN_FIELDS = {kind: {f.name for f in spec.fields if f.unknown} for kind, spec in KINDS.items()}


def every_mapped_type() -> bytes:
    """An exchange file with one element of every type the importer maps onto a kind, none with properties."""
    elements = "".join(
        f'<element identifier="e{i}" xsi:type="{archimate_type}"><name>A {archimate_type}</name></element>'
        for i, archimate_type in enumerate(sorted(KIND_OF_TYPE))
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><model xmlns="{NS}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="m"><name>Every type</name>'
            f"<elements>{elements}</elements></model>").encode()


@pytest.fixture(params=["every-mapped-type", "archisurance"])
def imported(request, session, user):
    raw = every_mapped_type() if request.param == "every-mapped-type" else ARCHISURANCE.read_bytes()
    return import_archimate(session, raw, owner=user).engagement


@pytest.fixture
def every_type(session, user):
    return import_archimate(session, every_mapped_type(), owner=user).engagement


def test_every_kind_the_importer_creates_keeps_the_fields_the_file_did_not_state_unknown(session, imported):
    created = set(KIND_OF_TYPE.values())
    assert {k for k in created if UNKNOWN_FIELDS[k]} == {"system", "channel", "entity", "stakeholder",
                                                        "requirement", "decision"}
    found = set()
    for model in (System, Channel, DataEntity, Stakeholder, Requirement, Decision):
        kind = next(k for k, spec in KINDS.items() if spec.model is model)
        rows = session.scalars(select(model).where(model.engagement_id == imported.id)).all()
        found |= {kind} if rows else set()
        for row in rows:
            assert {name: getattr(row, name) for name in UNKNOWN_FIELDS[kind]} == dict.fromkeys(
                UNKNOWN_FIELDS[kind]), (kind, row.name)
    assert found == created or imported.name == "Archisurance"  # it has no requirements or stakeholders


def test_a_value_the_user_sets_is_exported_and_the_unknown_ones_are_not(session, every_type):
    imported = every_type
    system = session.scalar(select(System).where(System.engagement_id == imported.id))
    save_element(session, imported, "system", {"hosting": "cloud"}, system, partial=True)
    xml = export_archimate(session, imported).decode()
    assert "Cloud" in xml and "SaaS" not in xml and ">Active<" not in xml and ">Custom<" not in xml


def test_forms_and_new_objects_still_get_the_usual_defaults(session, engagement):
    system = save_element(session, engagement, "system", {"name": "OMS", "category": "oms"})
    assert (system.hosting, system.lifecycle) == ("saas", "active")


def _menu_links(page: str, eid: int) -> list[str]:
    return sorted(set(re.findall(rf'<a href="(/e/{eid}/[^"?#]*)"', page)))


def test_every_page_of_an_imported_engagement_renders_with_unknown_values(browser, imported):
    pages = _menu_links(browser.get(f"/e/{imported.id}/").get_data(as_text=True), imported.id)
    assert len(pages) > 10
    for url in pages:
        response = browser.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("kind, slug", [("system", "systems"), ("channel", "channels"),
                                        ("stakeholder", "stakeholders"), ("requirement", "requirements"),
                                        ("decision", "decisions")])
def test_an_imported_object_shows_unknown_as_a_dash_and_its_form_offers_it(browser, session, every_type, kind, slug):
    imported = every_type
    model = KINDS[kind].model
    row = session.scalar(select(model).where(model.engagement_id == imported.id).order_by(model.id))
    detail = browser.get(f"/e/{imported.id}/{slug}/{row.id}")
    assert detail.status_code == 200 and "—" in detail.get_data(as_text=True)
    edit = browser.get(f"/e/{imported.id}/{slug}/{row.id}/edit")
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200
    for f in KINDS[kind].fields:
        if f.unknown and f.type == "choice":  # "—" offered, and the default is not shown as if it were chosen
            assert 'value="">—</option>' in html
            assert f'selected value="{f.default}"' not in html and f'value="{f.default}" selected' not in html


def test_saving_an_imported_system_with_dash_keeps_hosting_unknown(browser, session, every_type):
    imported = every_type
    system = session.scalar(select(System).where(System.engagement_id == imported.id).order_by(System.id))
    response = browser.post(
        f"/e/{imported.id}/systems/{system.id}/edit",
        data={"name": system.name, "category": "oms", "hosting": "", "lifecycle": "", "version": system.version},
    )
    assert response.status_code in (200, 302)
    session.expire_all()
    saved = session.get(System, system.id)
    assert (saved.category, saved.hosting, saved.lifecycle) == ("oms", None, None)

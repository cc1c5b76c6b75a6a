"""Diagrams through the API: every format of the landscape, and a parameter naming nothing is a 422 naming it."""

from __future__ import annotations

import pytest

from app.services.catalog.elements import save_element


@pytest.mark.parametrize(("fmt", "media", "holds"), [
    ("svg", "image/svg+xml", b"<svg"), ("png", "image/png", b"\x89PNG"),
    ("dot", "text/vnd.graphviz", b"digraph"), ("mmd", "text/plain", b"flowchart LR"),
])
def test_the_landscape_is_drawn_in_every_format(api, session, engagement, fmt, media, holds):
    save_element(session, engagement, "system", {"name": "Order hub", "category": "oms"})
    response = api.get(f"/api/v1/engagements/{engagement.id}/diagram.{fmt}?kind=landscape")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == media and holds in response.data


def test_an_entity_diagram_of_an_unknown_entity_names_the_parameter(api, engagement):
    response = api.get(f"/api/v1/engagements/{engagement.id}/diagram.dot?kind=entity")
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "entity"
    bad_kind = api.get(f"/api/v1/engagements/{engagement.id}/diagram.svg?kind=pie")
    assert bad_kind.status_code == 422 and bad_kind.get_json()["errors"][0]["field"] == "kind"

"""Who may call the API: a live bearer token only (never a cookie), the same tenancy and roles as the web,
and no writes with a read-only token — checked over every /api route read from the app's URL map."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.services.accounts import set_membership
from app.services.api_tokens import revoke_token, tokens_of

SAFE = {"GET", "HEAD", "OPTIONS"}
PUBLIC = {"/api/v1/openapi.json", "/api/v1/docs"}


def api_routes(app) -> list[tuple[str, str]]:
    """(method, url) of every API route, its path parameters filled with 1 (eid filled in later)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", r"{\1}", rule.rule)))
    return routes


def fill(url: str, eid: int) -> str:
    """The URL with the engagement's id, and 1 for every other path parameter."""
    return re.sub(r"\{[a-z_]+\}", "1", url.replace("{eid}", str(eid)))


def test_every_api_route_is_found_by_the_route_walk(app):
    routes = api_routes(app)
    assert ("GET", "/api/v1/engagements/{eid}/systems") in routes
    assert ("DELETE", "/api/v1/engagements/{eid}/trace-links/{link_id}") in routes
    assert all("<" not in url for _m, url in routes), "every path parameter is named"
    assert all("{" not in fill(url, 1) for _m, url in routes), "every path parameter is filled"


def test_every_engagement_route_is_404_for_a_non_member(app, make_user, make_api, engagement):
    stranger = make_api(make_user("stranger@example.com", "Stranger"))
    checked = 0
    for method, url in api_routes(app):
        if "{eid}" not in url:
            continue
        response = stranger.request(method, fill(url, engagement.id) + "?element=1", json={})
        assert response.status_code == 404, (method, url, response.get_json())
        assert response.mimetype == "application/problem+json"
        checked += 1
    assert checked > 40


def test_a_read_only_token_gets_403_on_every_write(app, user, make_api, engagement):
    reader = make_api(user, read_only=True)
    writes = [(m, u) for m, u in api_routes(app) if m not in SAFE]
    assert len(writes) > 25
    for method, url in writes:
        response = reader.request(method, fill(url, engagement.id), json={})
        assert response.status_code == 403, (method, url)
    assert reader.get(f"/api/v1/engagements/{engagement.id}/systems").status_code == 200


def test_a_viewer_may_read_but_every_engagement_write_is_403(app, session, make_user, make_api, engagement):
    viewer = make_user("viewer@example.com", "Vera Viewer")
    set_membership(session, engagement, viewer.email, "viewer")
    client = make_api(viewer)
    assert client.get(f"/api/v1/engagements/{engagement.id}/systems").status_code == 200
    for method, url in api_routes(app):
        if method in SAFE or "{eid}" not in url:
            continue
        assert client.request(method, fill(url, engagement.id), json={}).status_code == 403, (method, url)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer tl_not-a-token", "Basic dXNlcjpwYXNz"])
def test_a_request_without_a_live_token_is_401(app, engagement, header):
    headers = {"Authorization": header} if header else {}
    response = app.test_client().get(f"/api/v1/engagements/{engagement.id}/systems", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_logged_in_browsers_cookie_does_not_authenticate_an_api_write(browser, engagement):
    response = browser.post(f"/api/v1/engagements/{engagement.id}/systems", json={"name": "Sneaky", "category": "oms"})
    assert response.status_code == 401
    assert browser.get(f"/api/v1/engagements/{engagement.id}/systems").status_code == 401


def test_a_revoked_or_expired_token_no_longer_works(app, session, user, make_api, engagement):
    client = make_api(user)
    url = f"/api/v1/engagements/{engagement.id}/systems"
    assert client.get(url).status_code == 200
    revoke_token(session, user.id, tokens_of(session, user.id)[0].id)
    assert client.get(url).status_code == 401
    expiring = make_api(user, expires_on=date.today() + timedelta(days=1))
    token = tokens_of(session, user.id)[0]
    token.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()
    assert expiring.get(url).status_code == 401

"""The account page's API tokens: created with the secret shown once, stored hashed, listed, revoked."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from models import ApiToken


def test_a_token_is_shown_once_stored_hashed_and_works_on_the_api(browser, session, app, engagement):
    page = browser.post("/account/api-tokens", data={"name": "notebook", "csrf_token": browser.csrf})
    assert page.status_code == 200
    secret = re.search(r'<code class="secret">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    stored = session.scalar(select(ApiToken).where(ApiToken.name == "notebook"))
    assert secret not in stored.token_hash and len(stored.token_hash) == 64
    assert secret not in browser.get("/account/api-tokens").get_data(as_text=True)
    response = app.test_client().get("/api/v1/engagements", headers={"Authorization": f"Bearer {secret}"})
    assert [e["id"] for e in response.get_json()] == [engagement.id]


def test_a_read_only_token_with_an_expiry_is_listed_as_such(browser):
    tomorrow = (date.today() + timedelta(days=30)).isoformat()
    browser.post("/account/api-tokens", data={"name": "dashboard", "read_only": "1", "expires_on": tomorrow,
                                              "csrf_token": browser.csrf})
    listing = browser.get("/account/api-tokens").get_data(as_text=True)
    assert "dashboard" in listing and "read-only" in listing and tomorrow in listing


def test_a_token_without_a_name_or_with_a_past_expiry_is_refused_by_field(browser, session):
    page = browser.post("/account/api-tokens", data={"name": "", "expires_on": "2000-01-01",
                                                     "csrf_token": browser.csrf})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Give the token a name" in text and "must be in the future" in text
    assert session.scalar(select(ApiToken)) is None


def test_a_revoked_token_leaves_the_list_and_stops_working(browser, session, app):
    page = browser.post("/account/api-tokens", data={"name": "ci", "csrf_token": browser.csrf})
    secret = re.search(r'<code class="secret">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "ci"))
    browser.post(f"/account/api-tokens/{token_id}/revoke", data={"csrf_token": browser.csrf})
    assert "ci" not in re.findall(r"<td>([^<]+)</td>", browser.get("/account/api-tokens").get_data(as_text=True))
    response = app.test_client().get("/api/v1/engagements", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_another_users_token_cannot_be_revoked(browser, session, make_user):
    from app.services.api_tokens import create_token

    other = create_token(session, make_user("other@example.com", "Other"), "theirs").token
    browser.post(f"/account/api-tokens/{other.id}/revoke", data={"csrf_token": browser.csrf})
    session.refresh(other)
    assert other.revoked_at is None

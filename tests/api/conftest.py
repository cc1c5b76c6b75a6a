"""Fixtures for the REST API: personal tokens and a client that sends one as a bearer token."""

from __future__ import annotations

import pytest


class ApiClient:
    """A test client that authenticates with `Authorization: Bearer` and never holds a login cookie."""

    def __init__(self, client, session, secret: str | None):
        self.client, self.session, self.secret = client, session, secret

    def request(self, method: str, url: str, *, headers: dict | None = None, **kw):
        """Send a request with the token (after the test's session commits, so the request sees its rows)."""
        self.session.commit()
        headers = dict(headers or {})
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        return self.client.open(url, method=method.upper(), headers=headers, **kw)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)

    def patch(self, url, **kw):
        return self.request("PATCH", url, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)


@pytest.fixture
def make_token(session):
    from app.services.api_tokens import create_token

    def make(user, name="script", **kw):
        return create_token(session, user, name, **kw).secret

    return make


@pytest.fixture
def make_api(app, session, make_token):
    """An API client for a user (read_only=True for a read-only token)."""

    def make(user, **kw):
        return ApiClient(app.test_client(), session, make_token(user, **kw))

    return make


@pytest.fixture
def api(make_api, user):
    return make_api(user)

"""Accounts hold against a brute-force attempt, old or idle logins end on the server, weak passwords are refused."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.services.accounts import create_user
from app.services.errors import ValidationError
from config import Config
from models import LoginSession
from tests.conftest import Browser


def _attempt(browser: Browser, email: str, password: str, **headers):
    page = browser.client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return browser.client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                               headers=headers)


def test_a_sixth_wrong_password_for_one_account_within_a_minute_is_refused_with_429(anonymous, user):
    statuses = [_attempt(anonymous, user.email, f"wrong guess {i}").status_code for i in range(6)]
    assert statuses == [422] * 5 + [429]
    # Locked for now even with the right password: the guesser cannot tell which one was right.
    locked = _attempt(anonymous, user.email, "correct horse")
    assert locked.status_code == 429 and "Retry-After" in locked.headers


def test_guessing_across_accounts_from_one_address_is_refused_and_a_forged_forwarded_for_changes_nothing(
        anonymous, user):
    statuses = [_attempt(anonymous, f"nobody{i}@example.com", "wrong guess",
                         **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(11)]
    assert statuses == [422] * 10 + [429]


def test_successful_logins_do_not_count_towards_the_limit(anonymous, user):
    for _ in range(8):
        assert _attempt(anonymous, user.email, "correct horse").status_code == 302
        anonymous.client.post("/logout", data={})  # CSRF-less logout is refused; the cookie is simply replaced
        anonymous.client.delete_cookie("session")


def test_behind_a_trusted_proxy_each_forwarded_address_is_counted_apart(app, session, user):
    from app import create_app  # the fixture's app trusts no proxy: build one that trusts one hop

    proxied = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY",
                                                        "SESSION_COOKIE_SECURE", "ARGON2_TIME_COST",
                                                        "ARGON2_MEMORY_KIB")},
                          "TESTING": True, "TRUSTED_PROXIES": 1, "SQLALCHEMY_ENGINE_OPTIONS": {}})
    client = Browser(proxied.test_client(), session)
    statuses = [_attempt(client, f"nobody{i}@example.com", "wrong guess",
                         **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(12)]
    assert statuses == [422] * 12
    with proxied.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_a_login_older_than_the_absolute_limit_ends_on_the_server(browser, session, user):
    assert browser.get("/").status_code == 200
    session.execute(update(LoginSession).where(LoginSession.user_id == user.id)
                    .values(created_at=LoginSession.created_at - timedelta(hours=13)))
    session.commit()
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_login_idle_for_longer_than_the_limit_ends(browser, app):
    assert browser.get("/").status_code == 200
    with browser.client.session_transaction() as cookie:
        cookie["seen"] = time.time() - (app.config["SESSION_IDLE_MINUTES"] + 1) * 60
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_login_in_use_stays_open(browser, app):
    with browser.client.session_transaction() as cookie:
        cookie["seen"] = time.time() - (app.config["SESSION_IDLE_MINUTES"] - 5) * 60
    assert browser.get("/").status_code == 200
    with browser.client.session_transaction() as cookie:
        assert time.time() - cookie["seen"] < 60  # the request refreshed it


def test_logging_in_clears_logins_past_the_absolute_limit(anonymous, session, user):
    stale = LoginSession(id="stale-token", user_id=user.id)
    session.add(stale)
    session.commit()
    session.execute(update(LoginSession).where(LoginSession.id == "stale-token")
                    .values(created_at=LoginSession.created_at - timedelta(days=40)))
    session.commit()
    assert _attempt(anonymous, user.email, "correct horse").status_code == 302
    session.commit()
    assert session.scalar(select(LoginSession.id).where(LoginSession.id == "stale-token")) is None


@pytest.mark.parametrize("password", ["password", "12345678", "iloveyou", "Password", "QWERTY123", "short"])
def test_common_or_short_passwords_are_refused_on_the_password_field(session, password):
    with pytest.raises(ValidationError) as refused:
        create_user(session, "new@example.com", "New Person", password)
    assert "password" in refused.value.errors


def test_a_password_equal_to_the_users_own_email_name_is_refused(session):
    with pytest.raises(ValidationError) as refused:
        create_user(session, "jennifer.schwarz@example.com", "Jennifer", "jennifer.schwarz")
    assert "password" in refused.value.errors


def test_over_https_the_session_cookie_has_the_host_prefix_and_is_secure(monkeypatch, anonymous, user):
    monkeypatch.setenv("THROUGHLINE_HTTPS", "1")
    config = Config()
    assert config.SESSION_COOKIE_NAME == "__Host-throughline" and config.SESSION_COOKIE_SECURE
    monkeypatch.delenv("THROUGHLINE_HTTPS")
    assert not hasattr(Config(), "SESSION_COOKIE_NAME")


def test_htmx_keeps_no_copy_of_pages_in_session_storage(browser):
    html = browser.get("/").get_data(as_text=True)
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'", html).group(1))
    assert config["historyCacheSize"] == 0 and config["refreshOnHistoryMiss"] is True

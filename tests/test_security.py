"""Web security basics, on both databases: CSRF, cookies, login sessions, headers, redirects, escaping, limits."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.services.accounts import authenticate
from app.web.auth import _safe_next
from models import DataEntity, Engagement, LoginSession, System, User
from tests.conftest import Browser, _csrf_from

XSS = "<script>alert(1)</script>"


def _system(**overrides):
    data = {"name": "Shopify Plus", "category": "ecommerce", "hosting": "saas", "lifecycle": "active"}
    data.update(overrides)
    return data


def _count(session, model) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def make_app(db_url, tmp_path, monkeypatch):
    """An app of the test's own on the same database, with some settings changed."""
    from app import create_app
    from app.extensions import db

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    made = []

    def make(**overrides):
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": db_url,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        }
        config.update(overrides)
        flask_app = create_app(config)
        made.append(flask_app)
        return flask_app

    yield make
    for flask_app in made:
        with flask_app.app_context():
            db.engine.dispose()


# --- CSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_post_without_the_csrf_token_is_rejected_with_400_and_saves_nothing(browser, engagement, session, htmx):
    resp = browser.post(f"/e/{engagement.id}/systems/new", data=_system(), csrf=False, htmx=htmx)
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "security token" in body
    assert ("<html" in body) is not htmx  # htmx gets a fragment to swap, a form post a page
    assert _count(session, System) == 0


def test_a_post_with_a_forged_csrf_token_is_rejected_too(browser, engagement, session):
    resp = browser.post(
        f"/e/{engagement.id}/systems/new", data=_system(), csrf=False, headers={"X-CSRFToken": "forged"}
    )
    assert resp.status_code == 400
    assert _count(session, System) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_the_same_post_with_the_csrf_header_is_accepted(browser, engagement, session, htmx):
    resp = browser.post(f"/e/{engagement.id}/systems/new", data=_system(), htmx=htmx)
    assert resp.status_code == 302
    assert _count(session, System) == 1


def test_creating_an_engagement_and_logging_out_need_the_token_as_well(browser, session):
    engagements = _count(session, Engagement)
    assert browser.post("/engagements/new", data={"name": "Forged"}, csrf=False).status_code == 400
    assert _count(session, Engagement) == engagements
    assert browser.post("/logout", csrf=False).status_code == 400
    assert browser.get("/").status_code == 200  # still logged in


def test_logging_in_without_the_token_is_refused(anonymous, user, session):
    resp = anonymous.client.post("/login", data={"email": user.email, "password": "correct horse"})
    assert resp.status_code == 400
    assert _count(session, LoginSession) == 0
    assert anonymous.get("/").status_code == 302


# --- cookies and login sessions --------------------------------------------------------------------


def _session_cookie_header(resp) -> str:
    cookies = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, resp.headers.getlist("Set-Cookie")
    return cookies[0]


def test_the_login_response_sets_an_httponly_samesite_lax_session_cookie(anonymous, user):
    resp = anonymous.login(user.email)
    assert resp.status_code == 302
    cookie = _session_cookie_header(resp)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_outside_debug_the_session_and_remember_cookies_are_secure(make_app, user, session):
    secure = make_app()  # no SESSION_COOKIE_SECURE override, FLASK_DEBUG unset
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True
    assert secure.config["SESSION_COOKIE_HTTPONLY"] is True
    client = secure.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = _csrf_from(page.get_data(as_text=True))
    session.commit()
    form = {"email": user.email, "password": "correct horse", "csrf_token": token}
    # Over HTTPS the CSRF check also wants a same-origin Referer (browsers send it: Referrer-Policy same-origin).
    cross_site = client.post("/login", base_url="https://localhost", data=form,
                             headers={"Referer": "https://evil.example/"})
    assert cross_site.status_code == 400
    resp = client.post("/login", base_url="https://localhost", data=form,
                       headers={"Referer": "https://localhost/login"})
    assert resp.status_code == 302
    cookie = _session_cookie_header(resp)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_in_debug_the_cookie_is_not_secure_so_plain_http_on_a_laptop_works(make_app, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert make_app().config["SESSION_COOKIE_SECURE"] is False


def _login_ids(session, user) -> set[str]:
    session.commit()
    return set(session.scalars(select(LoginSession.id).where(LoginSession.user_id == user.id)))


def test_each_login_gets_a_new_server_side_session_id_and_logout_ends_it(anonymous, user, session):
    anonymous.login(user.email)
    first = _login_ids(session, user)
    assert len(first) == 1
    cookie_before = anonymous.client.get_cookie("session").value
    anonymous.post("/logout")
    assert _login_ids(session, user) == set()

    anonymous.login(user.email)
    second = _login_ids(session, user)
    assert len(second) == 1 and second.isdisjoint(first)
    assert anonymous.client.get_cookie("session").value != cookie_before


def test_two_browsers_of_the_same_user_hold_different_login_sessions(make_browser, user, session):
    make_browser(user)
    make_browser(user)
    assert len(_login_ids(session, user)) == 2


def test_a_copied_session_cookie_stops_working_after_logout(app, browser, user, session):
    stolen = browser.client.get_cookie("session").value

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 200  # the copy works while the login lasts...

    assert browser.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    session.commit()
    resp = replay.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")
    assert replay.get("/e/1/systems", headers={"HX-Request": "true"}).status_code == 401


def test_a_deactivated_user_is_logged_out_at_the_next_request(browser, user, session):
    session.get(User, user.id).is_active = False
    session.commit()
    assert browser.get("/").status_code == 302


# --- headers ---------------------------------------------------------------------------------------


def _csp(resp) -> dict[str, list[str]]:
    policy = resp.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


@pytest.mark.parametrize(
    "url", ["/login", "/", "/e/{eid}/", "/e/{eid}/systems", "/no/such/page", "/static/js/app.js"]
)
def test_responses_carry_a_strict_csp_and_anti_sniffing_and_framing_headers(browser, engagement, url):
    resp = browser.get(url.format(eid=engagement.id))
    assert resp.status_code in (200, 302, 404)  # /login redirects a logged-in user; headers apply all the same
    csp = _csp(resp)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts == ["'self'"]
    assert "'unsafe-inline'" not in resp.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in resp.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_pages_contain_no_inline_scripts_or_event_handlers_the_csp_would_block(browser, engagement, session):
    browser.post(f"/e/{engagement.id}/systems/new", data=_system())
    system = session.scalar(select(System))
    for url in ("/", f"/e/{engagement.id}/", f"/e/{engagement.id}/systems", f"/e/{engagement.id}/systems/new",
                f"/e/{engagement.id}/systems/{system.id}", f"/e/{engagement.id}/flows/new"):
        body = browser.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == [], url
        assert re.findall(r"\son[a-z]+\s*=", body) == [], url
        assert "javascript:" not in body, url


# --- redirects -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)"]
)
def test_the_login_next_parameter_cannot_send_anyone_to_another_site(anonymous, user, target):
    page = anonymous.client.get("/login", query_string={"next": target})
    token = _csrf_from(page.get_data(as_text=True))
    resp = anonymous.client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": "correct horse", "csrf_token": token, "next": target},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "///evil.example", "evil.example"]
)
def test_a_tampered_stored_next_is_ignored_too(anonymous, user, target):
    anonymous.client.get("/login")
    with anonymous.client.session_transaction() as cookie_session:
        cookie_session["next"] = target
    resp = anonymous.login(user.email)
    assert resp.headers["Location"] == "/"
    assert _safe_next(target) is None


def test_after_login_a_person_returns_to_the_page_they_asked_for(anonymous, user, engagement):
    asked = anonymous.get(f"/e/{engagement.id}/systems?q=erp")
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/login")
    resp = anonymous.login(user.email)
    assert resp.headers["Location"] == f"/e/{engagement.id}/systems?q=erp"


# --- escaping --------------------------------------------------------------------------------------


def test_user_entered_markup_is_escaped_in_lists_fragments_details_and_forms(browser, engagement, session):
    eid = engagement.id
    assert browser.post(f"/e/{eid}/systems/new", data=_system(name=XSS, vendor='"><img src=x>')).status_code == 302
    assert browser.post(f"/e/{eid}/systems/new", data=_system(name="ERP", category="erp")).status_code == 302
    evil = session.scalar(select(System).where(System.name == XSS))
    erp = session.scalar(select(System).where(System.name == "ERP"))
    inventory = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == eid, DataEntity.name == "Inventory")
    )
    flow = browser.post(
        f"/e/{eid}/flows/new",
        data={"source_id": evil.id, "target_id": erp.id, "entity_ids": [inventory.id], "pattern": "api"},
    )
    assert flow.status_code == 302

    pages = {
        "system list": browser.get(f"/e/{eid}/systems"),
        "system fragment": browser.get(f"/e/{eid}/systems?q=script", htmx=True),
        "system detail": browser.get(f"/e/{eid}/systems/{evil.id}"),
        "system edit form": browser.get(f"/e/{eid}/systems/{evil.id}/edit"),
        "flow list": browser.get(f"/e/{eid}/flows"),
        "flow form options": browser.get(f"/e/{eid}/flows/new"),
        "history": browser.get(f"/e/{eid}/history"),
    }
    for name, resp in pages.items():
        assert resp.status_code == 200, name
        body = resp.get_data(as_text=True)
        assert XSS not in body, name
        assert "<img src=x>" not in body, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, name


# --- limits and errors -----------------------------------------------------------------------------


def test_a_too_large_upload_gets_413_not_500_and_imports_nothing(make_app, user, session):
    small = make_app(MAX_CONTENT_LENGTH=2048)
    b = Browser(small.test_client(), session)
    b.login(user.email)
    before = _count(session, Engagement)
    big = io.BytesIO(b'{"format": "throughline-bundle", "pad": "' + b"x" * 10_000 + b'"}')
    resp = b.post("/engagements/import", data={"file": (big, "big.json")}, content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "larger than the server accepts" in resp.get_data(as_text=True)
    fragment = b.post("/engagements/new", data={"name": "x" * 5000}, htmx=True)
    assert fragment.status_code == 413
    assert "<html" not in fragment.get_data(as_text=True)
    assert _count(session, Engagement) == before


def test_unknown_urls_get_the_404_page_logged_in_or_not(browser, anonymous):
    for client in (browser, anonymous):
        resp = client.get("/no/such/page")
        assert resp.status_code == 404
        body = resp.get_data(as_text=True)
        assert "<html" in body and "There is nothing here" in body
        fragment = client.get("/no/such/page", htmx=True)
        assert fragment.status_code == 404
        assert "<html" not in fragment.get_data(as_text=True)


def test_an_engagement_that_does_not_exist_is_a_404_page_too(browser):
    resp = browser.get("/e/987654/systems")
    assert resp.status_code == 404
    assert "There is nothing here" in resp.get_data(as_text=True)


# --- CLI -------------------------------------------------------------------------------------------


def _create_user(app, session, *args):
    session.commit()
    return app.test_cli_runner().invoke(args=["create-user", *args])


def test_the_create_user_command_creates_a_user_who_can_log_in(app, session):
    result = _create_user(app, session, "--email", "New.Person@Example.com", "--name", "New Person",
                          "--password", "long enough")
    assert result.exit_code == 0, result.output
    created = session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert created is not None and created.name == "New Person" and not created.is_admin
    assert result.output.strip() == f"Created user {created.id} <new.person@example.com>."
    assert created.password_hash.startswith("$argon2id$")
    assert authenticate(session, "new.person@example.com", "long enough").id == created.id
    assert Browser(app.test_client(), session).login("new.person@example.com", "long enough").status_code == 302


def test_the_create_user_command_refuses_a_duplicate_email_whatever_its_case(app, session, user):
    result = _create_user(app, session, "--email", user.email.upper(), "--name", "Twin", "--password", "long enough")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _count(session, User) == 1


def test_the_create_user_command_refuses_a_short_password(app, session):
    result = _create_user(app, session, "--email", "short@example.com", "--name", "Short", "--password", "short")
    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert _count(session, User) == 0

"""An admin invites a colleague or a client from the browser, disables and resets users; users manage their own
password and logins. One-time links work once, expire, and are stored only as hashes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.services import user_admin
from models import AccountToken, LoginSession, User
from tests.conftest import Browser


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@agency.example", name="Ada Admin", is_admin=True)


@pytest.fixture
def admin_browser(make_browser, admin):
    return make_browser(admin)


def _link_from(html: str) -> str:
    return re.search(r'<code class="link-to-copy">https?://[^/]+(/account/set-password/[^<]+)</code>', html).group(1)


def _set_password(app, session, path: str, password: str, confirm: str | None = None):
    visitor = Browser(app.test_client(), session)
    page = visitor.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return visitor.client.post(path, data={"password": password, "confirm_password": confirm or password,
                                           "csrf_token": token})


def test_an_admin_invites_a_client_who_sets_a_password_through_the_link_and_logs_in(app, session, admin_browser):
    response = admin_browser.post("/admin/users/invite", data={"email": "Client@Retailer.example", "name": "Cleo"})
    assert response.status_code == 200
    path = _link_from(response.get_data(as_text=True))
    invited = session.scalar(select(User).where(User.email == "client@retailer.example"))
    assert invited is not None and not invited.is_active

    assert _set_password(app, session, path, "blue tractor lamp").status_code == 303
    session.expire_all()
    assert invited.is_active
    client = Browser(app.test_client(), session)
    assert client.login("client@retailer.example", "blue tractor lamp").status_code == 302
    # The link worked once.
    assert Browser(app.test_client(), session).get(path).status_code == 404


def test_only_the_tokens_hash_is_stored(session, admin):
    _user, token = user_admin.invite_user(session, "c@x.example", "C", by=admin)
    stored = session.scalars(select(AccountToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_an_expired_link_or_one_replaced_by_a_newer_one_does_not_work(session, admin):
    user, first = user_admin.invite_user(session, "late@x.example", "Late", by=admin)
    second = user_admin.issue_reset(session, user, by=admin)
    with pytest.raises(user_admin.NotFound):
        user_admin.token_user(session, first)
    session.execute(update(AccountToken).values(expires_at=datetime.now(UTC) - timedelta(hours=1)))
    session.commit()
    with pytest.raises(user_admin.NotFound):
        user_admin.redeem(session, second, "blue tractor lamp")


def test_a_weak_or_mistyped_password_through_a_link_is_refused_on_its_field(app, session, admin):
    _user, token = user_admin.invite_user(session, "weak@x.example", "Weak", by=admin)
    path = f"/account/set-password/{token}"
    weak = _set_password(app, session, path, "iloveyou")
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    mistyped = _set_password(app, session, path, "blue tractor lamp", "blue tractor lump")
    assert mistyped.status_code == 422 and "differ" in mistyped.get_data(as_text=True)


def test_disabling_a_user_ends_their_logins_at_once(app, session, admin_browser, user, browser):
    assert browser.get("/").status_code == 200
    assert admin_browser.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 303
    assert browser.get("/").status_code == 302
    assert session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)) == 0
    assert Browser(app.test_client(), session).login(user.email).status_code == 422


def test_an_admin_cannot_disable_themselves(admin_browser, admin):
    response = admin_browser.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 422 and "your own account" in response.get_data(as_text=True)


def test_a_reset_ends_the_users_logins_and_hands_out_a_link(app, session, admin_browser, user, browser):
    response = admin_browser.post(f"/admin/users/{user.id}/reset")
    path = _link_from(response.get_data(as_text=True))
    assert browser.get("/").status_code == 302
    assert _set_password(app, session, path, "green orbit hammer").status_code == 303
    assert Browser(app.test_client(), session).login(user.email, "green orbit hammer").status_code == 302


def test_users_who_are_not_admins_get_403_on_every_admin_page(browser, user):
    assert browser.get("/admin/users").status_code == 403
    assert browser.post("/admin/users/invite", data={"email": "x@y.example", "name": "X"}).status_code == 403
    assert browser.post(f"/admin/users/{user.id}/reset").status_code == 403


def test_an_invitation_needs_a_valid_new_email_and_a_name(admin_browser, user):
    response = admin_browser.post("/admin/users/invite", data={"email": user.email.upper(), "name": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "already exists" in html and "Name is required" in html


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_logins(app, session, user, browser):
    other = Browser(app.test_client(), session)
    other.login(user.email)
    wrong = browser.post("/account", data={"current_password": "nope", "new_password": "violet canyon drum",
                                           "confirm_password": "violet canyon drum"})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    done = browser.post("/account", data={"current_password": "correct horse", "new_password": "violet canyon drum",
                                          "confirm_password": "violet canyon drum"})
    assert done.status_code == 303
    assert browser.get("/").status_code == 200 and other.get("/").status_code == 302


def test_ending_other_logins_keeps_this_one(app, session, user, browser):
    other = Browser(app.test_client(), session)
    other.login(user.email)
    assert browser.post("/account/end-other-logins").status_code == 303
    assert browser.get("/").status_code == 200 and other.get("/").status_code == 302


def test_the_invite_command_prints_a_working_link(app, session):
    result = app.test_cli_runner().invoke(args=["invite-user", "--email", "cli@x.example", "--name", "Cli",
                                                "--base-url", "https://tl.agency.example/"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^https://tl\.agency\.example/account/set-password/\S+$", result.output, re.M)

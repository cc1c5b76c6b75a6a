"""The notifications digest: only the user's engagements, never their own doing, mentions first, read marks,
the header badge, and `flask send-digests` (printed without a mail server, mailed with one)."""

from __future__ import annotations

import pytest

from app.services.accounts import set_membership
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from app.services.review import comments, digest
from app.services.review.author import Author
from app.services.review.events import record_event


@pytest.fixture
def people(session, engagement, user, make_user):
    """The owner (user), a reviewer in the engagement, and an outsider owning an engagement of their own."""
    riley = make_user(email="riley@example.com", name="Riley Reviewer")
    set_membership(session, engagement, riley.email, "reviewer")
    outsider = make_user(email="olive@example.com", name="Olive Outsider")
    theirs = create_engagement(session, "Olive's client", owner=outsider)
    system = save_element(session, engagement, "system", {"name": "SAP ECC", "category": "erp"})
    return {"riley": riley, "outsider": outsider, "theirs": theirs, "system": system}


def _by(member):
    return Author(name=member.name, user_id=member.id)


def test_a_user_sees_events_of_their_engagements_only_and_never_their_own(session, engagement, user, people):
    comments.add_comment(session, engagement, _by(user), "system", str(people["system"].id), "Owner's note")
    comments.add_comment(session, engagement, _by(people["riley"]), "section", "summary", "Reviewer's note")
    record_event(session, people["theirs"].id, "answer", "Secret answer in another engagement")
    session.commit()
    assert [i.event.summary for i in digest.digest(session, user.id).items] == [
        "Riley Reviewer commented on report section Executive summary: Reviewer's note"]
    assert [i.event.summary for i in digest.digest(session, people["riley"].id).items] == [
        "Casey Consultant commented on system SAP ECC: Owner's note"]
    outsider = digest.digest(session, people["outsider"].id).items
    assert [i.event.summary for i in outsider] == ["Secret answer in another engagement"]
    assert all(i.engagement.id == people["theirs"].id for i in outsider)


def test_mentions_of_the_user_come_first_and_marking_read_empties_the_digest_and_the_badge(
        session, engagement, user, people):
    riley = people["riley"]
    comments.add_comment(session, engagement, _by(user), "section", "findings", "Mentions @Riley Reviewer")
    comments.add_comment(session, engagement, _by(user), "section", "summary", "No mention, but newer")
    found = digest.digest(session, riley.id)
    assert [(i.mentions_me, i.event.summary.split(": ")[-1]) for i in found.items] == [
        (True, "Mentions @Riley Reviewer"), (False, "No mention, but newer")]
    assert digest.unread_count(session, riley.id) == 2
    digest.mark_seen(session, riley.id, found.last_id)
    assert digest.digest(session, riley.id).items == [] and digest.unread_count(session, riley.id) == 0


def test_the_notifications_page_and_badge_show_the_users_own_engagements_only(
        make_browser, session, engagement, user, people):
    comments.add_comment(session, engagement, _by(user), "section", "summary", "For the reviewer")
    record_event(session, people["theirs"].id, "answer", "Olive-only news")
    session.commit()
    riley = make_browser(people["riley"])
    page = riley.get("/notifications").get_data(as_text=True)
    assert "For the reviewer" in page and "Olive-only news" not in page
    assert 'id="notifications-count">1<' in riley.get("/notifications").get_data(as_text=True)
    upto = digest.digest(session, people["riley"].id).last_id
    assert riley.post("/notifications/seen", data={"upto": upto}).status_code == 302
    assert "notifications-count" not in riley.get("/notifications").get_data(as_text=True)


def test_send_digests_prints_without_a_mail_server_and_does_not_repeat_itself(
        app, session, engagement, user, people):
    comments.add_comment(session, engagement, _by(user), "section", "summary", "Please look")
    session.commit()
    app.config["MAIL_SERVER"] = ""
    first = app.test_cli_runner().invoke(args=["send-digests", "--base-url", "https://tl.example"])
    assert first.exit_code == 0, first.output
    assert "Would send to riley@example.com" in first.output and "Please look" in first.output
    assert "https://tl.example/notifications" in first.output
    assert "consultant@example.com" not in first.output  # nothing happened that the owner did not do
    again = app.test_cli_runner().invoke(args=["send-digests"])
    assert "No review updates to send." in again.output


def test_send_digests_mails_when_a_mail_server_is_set(app, session, engagement, user, people, monkeypatch):
    sent = []
    monkeypatch.setattr(digest, "send_mail", lambda settings, to, subject, body: sent.append((to, body)) or True)
    comments.add_comment(session, engagement, _by(user), "section", "summary", "Mailed note")
    session.commit()
    app.config["MAIL_SERVER"] = "smtp.example"
    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0 and "1 of 1 digest(s) mailed." in result.output
    assert [to for to, _ in sent] == ["riley@example.com"] and "Mailed note" in sent[0][1]

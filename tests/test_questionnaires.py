"""Stakeholder questionnaires: a member sends a stakeholder their own link; the stakeholder, without an account,
answers pain points, expectations per area and the priority of the requirements naming them; a member accepts
or rejects each proposed priority, and the response log keeps who, when, previous → new."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.catalog import elements
from app.services.errors import NotFound, ValidationError
from app.services.review import questionnaires as svc
from models import Change, PriorityProposal, QuestionnaireLink, QuestionnaireResponse, Requirement, ReviewEvent


@pytest.fixture
def people(session, engagement):
    dana = elements.save_element(session, engagement, "stakeholder", {"name": "Dana Ruiz"})
    lee = elements.save_element(session, engagement, "stakeholder", {"name": "Lee Other"})
    mine = elements.save_element(session, engagement, "requirement",
                                 {"title": "Stock on web within 60 s", "priority": "should", "source_id": dana.id})
    theirs = elements.save_element(session, engagement, "requirement",
                                   {"title": "Lee's secret wish", "priority": "could", "source_id": lee.id})
    return {"dana": dana, "lee": lee, "mine": mine, "theirs": theirs}


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_a_stakeholder_answers_and_a_member_accepts_the_proposed_priority(browser, anonymous, session, engagement,
                                                                          people, user):
    made = browser.post(f"/e/{engagement.id}/review-links/questionnaires",
                        data={"stakeholder": str(people["dana"].id), "days": "14"})
    assert made.status_code == 201
    url = re.search(r'value="http://localhost(/q/[^"]+/)"', made.get_data(as_text=True)).group(1)
    form = anonymous.get(url)
    body = form.get_data(as_text=True)
    assert form.status_code == 200 and "Stock on web within 60 s" in body and "Lee&#39;s secret wish" not in body
    assert "/e/" not in body
    sent = anonymous.post(url, data={"csrf_token": _csrf(form), "pain_points": "Stock is wrong on the web",
                                     "expectation_ecommerce": "Live stock", f"priority_{people['mine'].id}": "must"})
    assert sent.status_code == 200 and 'id="sent"' in sent.get_data(as_text=True)
    proposal = session.scalar(select(PriorityProposal))
    assert (proposal.proposed, proposal.seen, proposal.state) == ("must", "should", "pending")

    page = browser.get(f"/e/{engagement.id}/review-links/questionnaires").get_data(as_text=True)
    assert "Stock is wrong on the web" in page and "Live stock" in page
    assert browser.post(f"/e/{engagement.id}/review-links/proposals/{proposal.id}",
                        data={"decision": "accept"}).status_code == 303
    session.expire_all()
    assert session.get(Requirement, people["mine"].id).priority == "must"
    assert session.get(PriorityProposal, proposal.id).previous == "should"
    log = browser.get(f"/e/{engagement.id}/review-links/questionnaires").get_data(as_text=True)
    row = re.search(r'<table class="table" id="response-log">.*?</table>', log, re.S).group(0)
    assert user.name in row and "Should → Must" in row and "accepted" in row
    changes = session.scalars(select(Change).where(Change.element_id == people["mine"].id)).all()
    assert any(c.user_id == user.id and c.action == "update" for c in changes)  # the edit is in the history too


def test_a_rejected_proposal_leaves_the_requirement_and_cannot_be_decided_twice(session, engagement, people, user):
    link, token = svc.create_invite(session, engagement, people["dana"].id)
    response = svc.submit(session, svc.open_questionnaire(session, token), "", {},
                          {str(people["mine"].id): "wont"})
    proposal = response.proposals[0]
    event = session.scalar(select(ReviewEvent).where(ReviewEvent.kind == "answer"))
    assert event.summary == f"{people['dana'].name} answered the questionnaire, proposing 1 priority change"
    with pytest.raises(ValidationError, match="accept or reject"):
        svc.decide(session, engagement, proposal.id, "maybe", by=user)
    svc.decide(session, engagement, proposal.id, "reject", by=user)
    assert session.get(Requirement, people["mine"].id).priority == "should"
    with pytest.raises(ValidationError, match="already rejected"):
        svc.decide(session, engagement, proposal.id, "accept", by=user)


@pytest.mark.parametrize(("answers", "field"), [
    ({"priorities": {"PEOPLE_THEIRS": "must"}}, "priority_"),
    ({"priorities": {"PEOPLE_MINE": "urgent"}}, "priority_"),
    ({"expectations": {"moon": "yes"}}, "expectation_moon"),
    ({"pain_points": "x" * 4001}, "pain_points"),
    ({}, "answers"),
])
def test_bad_answers_name_the_field_and_store_nothing(session, engagement, people, answers, field):
    _, token = svc.create_invite(session, engagement, people["dana"].id)
    ids = {"PEOPLE_THEIRS": str(people["theirs"].id), "PEOPLE_MINE": str(people["mine"].id)}
    priorities = {ids.get(k, k): v for k, v in answers.get("priorities", {}).items()}
    with pytest.raises(ValidationError) as caught:
        svc.submit(session, svc.open_questionnaire(session, token), answers.get("pain_points", ""),
                   answers.get("expectations", {}), priorities)
    assert any(key.startswith(field) for key in caught.value.errors)
    session.rollback()
    assert session.scalar(select(QuestionnaireResponse)) is None


def test_the_form_shows_errors_and_keeps_the_answers(anonymous, session, engagement, people):
    _, token = svc.create_invite(session, engagement, people["dana"].id)
    form = anonymous.get(f"/q/{token}/")
    resp = anonymous.post(f"/q/{token}/", data={"csrf_token": _csrf(form), "pain_points": "kept text",
                                                f"priority_{people['mine'].id}": "urgent"})
    assert resp.status_code == 422 and "kept text" in resp.get_data(as_text=True)
    assert session.scalar(select(QuestionnaireResponse)) is None


def test_expired_revoked_and_unknown_questionnaires_are_the_plain_404(anonymous, session, engagement, people):
    expired, old = svc.create_invite(session, engagement, people["dana"].id)
    revoked, gone = svc.create_invite(session, engagement, people["dana"].id)
    expired.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    svc.revoke_invite(session, engagement.id, revoked.id)
    for token in (old, gone, "n" * 43):
        assert anonymous.get(f"/q/{token}/").status_code == 404
        with pytest.raises(NotFound):
            svc.open_questionnaire(session, token)
    assert all(token not in link.token_hash for link in session.scalars(select(QuestionnaireLink)))


def test_a_stakeholder_of_another_engagement_cannot_be_invited(session, engagement, people, make_user):
    from app.services.engagements import create_engagement

    other = create_engagement(session, "Other", owner=make_user(email="o@example.com"))
    stranger = elements.save_element(session, other, "stakeholder", {"name": "Pat"})
    with pytest.raises(ValidationError) as caught:
        svc.create_invite(session, engagement, stranger.id)
    assert "stakeholder" in caught.value.errors


def test_answers_are_rate_limited(app, anonymous, session, engagement, people):
    app.config["QUESTIONNAIRE_SUBMIT_LIMIT"] = "2 per minute"
    _, token = svc.create_invite(session, engagement, people["dana"].id)
    csrf = _csrf(anonymous.get(f"/q/{token}/"))
    statuses = [anonymous.post(f"/q/{token}/", data={"csrf_token": csrf, "pain_points": f"p{i}"}).status_code
                for i in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_only_owners_and_editors_see_answers_and_decide(make_browser, make_user, session, engagement, people, role):
    _, token = svc.create_invite(session, engagement, people["dana"].id)
    response = svc.submit(session, svc.open_questionnaire(session, token), "", {}, {str(people["mine"].id): "must"})
    reader = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, engagement, reader.email, role)
    b = make_browser(reader)
    assert b.get(f"/e/{engagement.id}/review-links/questionnaires").status_code == 403
    assert b.post(f"/e/{engagement.id}/review-links/proposals/{response.proposals[0].id}",
                  data={"decision": "accept"}).status_code == 403
    session.expire_all()
    assert session.get(Requirement, people["mine"].id).priority == "should"


def test_a_questionnaire_token_opens_no_review_portal_and_a_review_token_no_questionnaire(
        anonymous, session, engagement, people):
    from app.services.review import links

    _, questionnaire = svc.create_invite(session, engagement, people["dana"].id)
    _, review = links.create_link(session, engagement, scenario_ids=[engagement.scenarios[0].id], role="read",
                                  label="Client")
    assert anonymous.get(f"/r/{questionnaire}/").status_code == 404
    assert anonymous.get(f"/q/{review}/").status_code == 404


def test_answers_are_shown_to_members_inert(browser, session, engagement, people):
    _, token = svc.create_invite(session, engagement, people["dana"].id)
    svc.submit(session, svc.open_questionnaire(session, token), "<script>alert(1)</script>",
               {"it": '"><img src=x onerror=1>'}, {})
    body = browser.get(f"/e/{engagement.id}/review-links/questionnaires").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body

"""Sign-off of decisions and requirements: who may sign, what is recorded, when it turns stale, where it shows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from app.services import reports
from app.services.accounts import set_membership
from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle, parse_bundle
from app.services.catalog import elements, trace
from app.services.engagements import create_engagement
from app.services.errors import Conflict, Forbidden, NotFound, ValidationError
from app.services.interchange import documents
from app.services.review import signoffs as svc
from app.services.review.author import Author
from exports.madr import parse_madr, write_adrs
from exports.report import render_html
from models import Change, Membership, SignOff
from tests.support.review_links import make_link
from tests.test_report import flat, pdf_pages


@pytest.fixture
def link_reviewer(session, engagement) -> Author:
    """A client signing off through a review link with the sign-off role."""
    link, _token = make_link(session, engagement, engagement.scenarios, role="signoff", label="Robin Reviewer")
    return Author(name="Robin Reviewer", link_id=link.id, can_sign_off=True)


@pytest.fixture
def model(session, engagement):
    requirement = elements.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    decision = elements.save_element(session, engagement, "decision", {"title": "Central OMS"})
    system = elements.save_element(session, engagement, "system", {"name": "ERP", "category": "erp"})
    return {"requirement": requirement, "decision": decision, "system": system}


@pytest.fixture
def reviewer(session, make_user, engagement):
    person = make_user(email="reviewer@example.com", name="Rae Reviewer")
    set_membership(session, engagement, person.email, "reviewer")
    return person


def _member(session, engagement, user) -> Author:
    membership = session.scalar(
        select(Membership).where(Membership.engagement_id == engagement.id, Membership.user_id == user.id))
    return svc.member_author(membership)


def _edit(session, engagement, element, **values):
    return elements.save_element(session, engagement, element.kind, values, element, partial=True)


# --- the service ----------------------------------------------------------------------------------------------

def test_a_sign_off_records_who_when_the_verdict_and_the_version_it_applied_to(
        link_reviewer, session, engagement, model):
    row = svc.sign_off(session, engagement, link_reviewer, "decision", model["decision"].id, "approved", "Agreed.")
    status = svc.status_of(session, engagement.id, model["decision"])
    assert status.overall == "approved"
    [verdict] = status.verdicts
    assert (verdict.author, verdict.link_id, verdict.note, verdict.version) == (
        "Robin Reviewer (review link)", link_reviewer.link_id, "Agreed.", model["decision"].version)
    assert row.signed_at is not None and not verdict.stale


def test_an_edit_after_sign_off_turns_it_stale_and_a_new_sign_off_makes_it_current(
        link_reviewer, session, engagement, model):
    requirement = model["requirement"]
    svc.sign_off(session, engagement, link_reviewer, "requirement", requirement.id, "approved")
    _edit(session, engagement, requirement, title="Stock on web, within a minute")
    status = svc.status_of(session, engagement.id, requirement)
    assert status.overall == "stale"
    assert status.verdicts[0].stale and status.version == requirement.version
    svc.sign_off(session, engagement, link_reviewer, "requirement", requirement.id, "approved")
    assert svc.status_of(session, engagement.id, requirement).overall == "approved"


def test_a_new_sign_off_supersedes_the_authors_earlier_one_which_stays_as_history(
        link_reviewer, session, engagement, model):
    decision = model["decision"]
    svc.sign_off(session, engagement, link_reviewer, "decision", decision.id, "rejected", "Too costly.")
    svc.sign_off(session, engagement, link_reviewer, "decision", decision.id, "approved", "Costs agreed.")
    status = svc.status_of(session, engagement.id, decision)
    assert [(v.verdict, v.note) for v in status.verdicts] == [("approved", "Costs agreed.")]
    assert [s.verdict for s in svc.history_of(session, engagement.id, decision.id)] == ["approved", "rejected"]


def test_a_current_rejection_by_anyone_makes_the_target_rejected(session, engagement, model, user, reviewer):
    decision = model["decision"]
    svc.sign_off(session, engagement, _member(session, engagement, user), "decision", decision.id, "approved")
    svc.sign_off(session, engagement, _member(session, engagement, reviewer), "decision", decision.id, "rejected",
                 "Not with this vendor.")
    status = svc.status_of(session, engagement.id, decision)
    assert status.overall == "rejected"
    assert {v.author for v in status.verdicts} == {user.name, reviewer.name}


def test_nobody_signed_off_reads_as_none(session, engagement, model):
    assert svc.status_of(session, engagement.id, model["decision"]).overall == "none"
    assert svc.statuses(session, engagement.id) == {}


@pytest.mark.parametrize("role, allowed", [("owner", True), ("reviewer", True), ("editor", False), ("viewer", False)])
def test_owners_and_reviewers_may_sign_off_editors_and_viewers_may_not(session, engagement, model, make_user, role,
                                                                       allowed):
    person = make_user(email=f"{role}-2@example.com", name=role.title())
    set_membership(session, engagement, person.email, role)
    assert _member(session, engagement, person).can_sign_off is allowed


def test_an_author_without_sign_off_is_refused_and_nothing_is_saved(session, engagement, model):
    commenter = Author(name="Cam Commenter", link_id=3, can_sign_off=False)
    with pytest.raises(Forbidden):
        svc.sign_off(session, engagement, commenter, "decision", model["decision"].id, "approved")
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


@pytest.mark.parametrize("kind, verdict, note, field", [
    ("system", "approved", "", "target_kind"),
    ("decision", "maybe", "", "verdict"),
    ("decision", "rejected", "  ", "note"),
    ("decision", "approved", "x" * 2001, "note"),
])
def test_bad_input_is_refused_naming_the_field(link_reviewer, session, engagement, model, kind, verdict, note, field):
    with pytest.raises(ValidationError) as caught:
        svc.sign_off(session, engagement, link_reviewer, kind, model["decision"].id, verdict, note)
    assert field in caught.value.errors
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


def test_a_target_of_another_engagement_or_of_another_kind_is_not_found(
        link_reviewer, session, engagement, model, user):
    other = create_engagement(session, "Other retailer", owner=user)
    theirs = elements.save_element(session, other, "decision", {"title": "Their OMS"})
    with pytest.raises(NotFound):
        svc.sign_off(session, engagement, link_reviewer, "decision", theirs.id, "approved")
    with pytest.raises(NotFound):
        svc.sign_off(session, engagement, link_reviewer, "requirement", model["decision"].id, "approved")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


def test_signing_off_a_version_that_was_edited_meanwhile_is_a_conflict(link_reviewer, session, engagement, model):
    decision = model["decision"]
    read = decision.version
    _edit(session, engagement, decision, title="Central OMS, phased")
    with pytest.raises(Conflict):
        svc.sign_off(session, engagement, link_reviewer, "decision", decision.id, "approved", version=read)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


def test_a_sign_off_appears_in_the_history(link_reviewer, session, engagement, model):
    svc.sign_off(session, engagement, link_reviewer, "decision", model["decision"].id, "rejected", "Too costly.")
    change = session.scalar(select(Change).where(Change.kind == "signoff"))
    assert change.element_id == model["decision"].id and change.action == "rejected"
    assert "Robin Reviewer (review link)" in change.summary


def test_the_status_of_many_targets_is_read_in_one_query(link_reviewer, session, engagement, engine):
    made = [elements.save_element(session, engagement, "requirement", {"title": f"Need {n}"}) for n in range(30)]
    for requirement in made[::2]:
        svc.sign_off(session, engagement, link_reviewer, "requirement", requirement.id, "approved")
    ids, eid = [r.id for r in made], engagement.id
    signed = {r.id for r in made[::2]}
    session.expire_all()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        found = svc.statuses(session, eid, ids)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert set(found) == signed
    assert {s.overall for s in found.values()} == {"approved"}


# --- the bundle -----------------------------------------------------------------------------------------------

def test_sign_offs_travel_in_the_bundle_and_stay_stale_when_they_were(link_reviewer, session, engagement, model, user):
    svc.sign_off(session, engagement, link_reviewer, "decision", model["decision"].id, "approved", "Agreed.")
    svc.sign_off(session, engagement, link_reviewer, "requirement", model["requirement"].id, "approved")
    _edit(session, engagement, model["requirement"], title="Stock on web, within a minute")
    document = json.loads(dumps_bundle(export_bundle(session, engagement)))
    assert [(s["target"], s["stale"]) for s in document["signoffs"]] == [("decision-1", False),
                                                                         ("requirement-1", True)]
    copy = import_bundle(session, parse_bundle(dumps_bundle(document)), owner=user)
    overall = {s.target_id: s.overall for s in svc.statuses(session, copy.id).values()}
    kinds = {row.target_kind: overall[row.target_id] for row in session.scalars(
        select(SignOff).where(SignOff.engagement_id == copy.id))}
    assert kinds == {"decision": "approved", "requirement": "stale"}
    notes = session.scalars(select(SignOff.note).where(SignOff.engagement_id == copy.id, SignOff.note != ""))
    assert list(notes) == ["Agreed."]


def test_a_bundle_sign_off_on_something_that_is_not_a_decision_or_requirement_is_refused(
        link_reviewer, session, engagement, model, user):
    svc.sign_off(session, engagement, link_reviewer, "decision", model["decision"].id, "approved")
    document = json.loads(dumps_bundle(export_bundle(session, engagement)))
    document["signoffs"][0]["target"] = "system-1"
    before = session.scalar(select(func.count()).select_from(SignOff))
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document, owner=user)
    assert "$.signoffs[0].target" in caught.value.errors
    assert session.scalar(select(func.count()).select_from(SignOff)) == before


# --- the panel on detail pages --------------------------------------------------------------------------------

def test_a_reviewer_approves_from_the_decision_page_and_sees_who_when_and_which_version(
        session, engagement, model, reviewer, make_browser):
    b = make_browser(reviewer)
    url = f"/e/{engagement.id}/decisions/{model['decision'].id}"
    page = b.get(url).get_data(as_text=True)
    assert "Not signed off" in page and 'name="verdict" value="approved"' in page
    resp = b.post(f"{url}/signoff", data={"verdict": "approved", "note": "Fine by us.", "version": "1"})
    assert resp.status_code == 302
    page = b.get(url).get_data(as_text=True)
    assert "Approved</span>" in page and "by Rae Reviewer" in page and "version 1" in page
    assert "Fine by us." in page
    assert "Sign-off: ADR-1 Central OMS approved by Rae Reviewer" in page  # in the decision's history


def test_an_edit_after_sign_off_shows_the_stale_badge_on_the_requirement_page(
        session, engagement, model, reviewer, make_browser, browser):
    url = f"/e/{engagement.id}/requirements/{model['requirement'].id}"
    make_browser(reviewer).post(f"{url}/signoff", data={"verdict": "approved", "version": "1"})
    session.expire_all()
    _edit(session, engagement, model["requirement"], title="Stock on web, within a minute")
    page = browser.get(url).get_data(as_text=True)
    assert "stale: changed since sign-off" in page and "Stale: changed since sign-off" in page


def test_a_rejection_without_a_note_answers_the_panel_with_the_reason_and_saves_nothing(
        session, engagement, model, reviewer, make_browser):
    url = f"/e/{engagement.id}/decisions/{model['decision'].id}/signoff"
    resp = make_browser(reviewer).post(url, data={"verdict": "rejected", "note": ""}, htmx=True)
    assert resp.status_code == 422
    assert "a rejection needs a note" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


def test_signing_a_version_someone_else_changed_meanwhile_is_refused_with_a_message(
        session, engagement, model, reviewer, make_browser):
    _edit(session, engagement, model["decision"], title="Central OMS, phased")
    url = f"/e/{engagement.id}/decisions/{model['decision'].id}/signoff"
    resp = make_browser(reviewer).post(url, data={"verdict": "approved", "version": "1"}, htmx=True)
    assert resp.status_code == 422 and "changed since you read it" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_get_no_sign_off_form_and_their_post_is_refused(
        session, engagement, model, make_user, make_browser, role):
    person = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, engagement, person.email, role)
    b = make_browser(person)
    url = f"/e/{engagement.id}/decisions/{model['decision'].id}"
    page = b.get(url).get_data(as_text=True)
    assert "Not signed off" in page and 'name="verdict"' not in page
    assert b.post(f"{url}/signoff", data={"verdict": "approved"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


def test_a_sign_off_post_without_the_csrf_token_is_refused(session, engagement, model, reviewer, make_browser):
    url = f"/e/{engagement.id}/decisions/{model['decision'].id}/signoff"
    assert make_browser(reviewer).post(url, data={"verdict": "approved"}, csrf=False).status_code == 400
    assert session.scalar(select(func.count()).select_from(SignOff)) == 0


# --- where sign-off status shows: the matrix, the report, the MADR export ---------------------------------------

@pytest.fixture
def signed(link_reviewer, session, engagement, model):
    """The decision approved and then edited (stale); the requirement rejected."""
    svc.sign_off(session, engagement, link_reviewer, "decision", model["decision"].id, "approved", "Agreed.")
    svc.sign_off(session, engagement, link_reviewer, "requirement", model["requirement"].id, "rejected", "Too vague.")
    _edit(session, engagement, model["decision"], title="Central OMS, phased")
    elements.save_element(session, engagement, "requirement", {"title": "Unsigned need"})
    return model


def test_the_traceability_matrix_shows_a_compact_badge_per_signed_requirement_and_decision(
        session, engagement, signed, browser):
    trace.add_link(session, engagement, "addresses", signed["requirement"].id, signed["decision"].id)
    page = browser.get(f"/e/{engagement.id}/traceability").get_data(as_text=True)
    assert page.count('data-signoff="rejected"') == 1 and page.count('data-signoff="stale"') == 1
    assert page.count("data-signoff=") == 2  # the unsigned requirement has no badge


def test_the_report_has_a_sign_off_column_for_requirements_and_a_line_per_decision(session, engagement, signed):
    report = reports.build_input(session, engagement, reports.parse_options(sections="requirements,decisions"))
    assert {q.title: q.signoff for q in report.requirements} == {"Stock on web": "rejected", "Unsigned need": ""}
    [decision] = report.decisions
    assert decision.signoff == "stale" and "Approved by Robin Reviewer (review link)" in decision.signoff_detail
    html = render_html(report)
    assert "stale: changed since sign-off" in html and "not signed off" in html and ">Sign-off</th>" in html


def test_the_pdf_report_shows_the_stale_sign_off(session, engagement, signed):
    data = reports.make_pdf(session, engagement, reports.parse_options(sections="decisions"), prepared_by="Casey")
    assert "stale: changed since sign-off" in flat(" ".join(pdf_pages(data)))


def test_the_madr_export_lists_sign_offs_in_more_information_and_still_parses(session, engagement, signed):
    snap = documents.snapshot(session, engagement)
    [text] = write_adrs(snap).values()
    more = text.split("## More Information", 1)[1]
    assert "* Sign-off: approved by Robin Reviewer (review link) on " in more
    assert "(version 1; stale: changed since, now version 2): Agreed." in more
    fields = parse_madr(text)
    assert fields.title == "Central OMS, phased" and fields.deciders == ()

"""Comments anchored to anything: every anchor kind, threads, mentions, resolve and reopen, tenancy, history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.accounts import set_membership
from app.services.analysis.scenario import analyse
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from app.services.errors import Forbidden, NotFound, ValidationError
from app.services.review import comments as svc
from app.services.review.author import Author
from models import ANCHOR_KINDS, Change, Comment, DataEntity, ReviewEvent
from models.comments import BODY_MAX
from tests.support.review_links import make_link


@pytest.fixture
def model(session, engagement):
    """Two systems joined by a flow, an ownership, a requirement, a decision and a stakeholder."""
    def make(kind, **values):
        return save_element(session, engagement, kind, values)

    dana = make("stakeholder", name="Dana Ops")
    erp = make("system", name="SAP ECC", category="erp")
    oms = make("system", name="Fluent OMS", category="oms")
    make("system", name="Lonely PIM", category="pim")  # no flows: something for the rules to find
    stock = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id))
    flow = make("flow", source_id=erp.id, target_id=oms.id, pattern="batch", entity_ids=[stock.id])
    return {"stakeholder": dana, "system": erp, "other_system": oms, "flow": flow,
            "requirement": make("requirement", title="Stock is fresh within 5 minutes", priority="must"),
            "decision": make("decision", title="Publish stock as events")}


@pytest.fixture
def me(user):
    return Author(name=user.name, user_id=user.id)


def anchor_key(session, engagement, model, kind):
    """A key of each anchor kind that exists in the engagement."""
    if kind in ("requirement", "decision", "system", "flow"):
        return str(model[kind].id)
    if kind == "ownership":
        entity = session.scalar(select(func.min(DataEntity.id)).where(DataEntity.engagement_id == engagement.id))
        return f"{model['system'].id}:{entity}"
    if kind == "finding":
        return analyse(session, engagement).findings_all_rules().findings[0].key
    return "findings"  # a report section


@pytest.mark.parametrize("kind", list(ANCHOR_KINDS))
def test_every_anchor_kind_takes_a_comment_that_its_thread_then_shows(session, engagement, model, me, kind):
    key = anchor_key(session, engagement, model, kind)
    svc.add_comment(session, engagement, me, kind, key, "Is this right?")
    anchor, threads = svc.thread(session, engagement, kind, key)
    assert anchor.kind == kind and anchor.label
    assert [c.body for c in threads] == ["Is this right?"]
    assert threads[0].author_name == me.name and threads[0].include_in_report is False


@pytest.mark.parametrize("kind", list(ANCHOR_KINDS))
def test_an_anchor_that_does_not_exist_in_this_engagement_is_refused_and_nothing_is_saved(
        session, engagement, model, me, user, kind):
    other = create_engagement(session, "Other client", owner=user)
    key = anchor_key(session, engagement, model, kind)
    if kind in ("section",):
        key = "no-such-section"
    with pytest.raises(NotFound):
        svc.add_comment(session, other, me, kind, key if kind != "finding" else "no-such-rule:1", "Leak?")
    assert session.scalar(select(func.count()).select_from(Comment)) == 0


def test_an_unknown_anchor_kind_and_a_blank_key_are_refused_naming_the_field(session, engagement, me):
    with pytest.raises(ValidationError) as kind:
        svc.add_comment(session, engagement, me, "spreadsheet", "1", "Hello")
    assert "anchor_kind" in kind.value.errors
    with pytest.raises(ValidationError) as key:
        svc.add_comment(session, engagement, me, "system", "  ", "Hello")
    assert "anchor_key" in key.value.errors


@pytest.mark.parametrize("body, message", [("", "Write a comment."), ("   \n ", "Write a comment."),
                                           ("x" * (BODY_MAX + 1), f"at most {BODY_MAX}")])
def test_a_blank_or_too_long_body_is_refused_naming_the_body_and_nothing_is_saved(
        session, engagement, model, me, body, message):
    with pytest.raises(ValidationError) as refused:
        svc.add_comment(session, engagement, me, "system", str(model["system"].id), body)
    assert message in refused.value.errors["body"][0]
    assert session.scalar(select(func.count()).select_from(Comment)) == 0
    assert session.scalar(select(func.count()).select_from(ReviewEvent)) == 0


def test_a_reply_to_a_reply_joins_the_same_thread(session, engagement, model, me):
    first = svc.add_comment(session, engagement, me, "flow", str(model["flow"].id), "Why batch?")
    answer = svc.reply(session, engagement, me, first.id, "The ERP only exports files.")
    svc.reply(session, engagement, me, answer.id, "Nightly?")
    _, threads = svc.thread(session, engagement, "flow", str(model["flow"].id))
    assert len(threads) == 1
    assert [r.body for r in threads[0].replies] == ["The ERP only exports files.", "Nightly?"]


def test_mentions_of_members_and_stakeholders_are_recorded_and_marked_unknown_names_are_not(
        session, engagement, model, me, make_user):
    riley = make_user(email="riley@example.com", name="Riley Reviewer")
    set_membership(session, engagement, riley.email, "reviewer")
    stranger = make_user(email="sam@example.com", name="Sam Stranger")
    comment = svc.add_comment(session, engagement, me, "decision", str(model["decision"].id),
                              "@riley reviewer and @Dana Ops: please check; @Sam Stranger is not here.")
    assert comment.mentions["users"] == [riley.id]
    assert stranger.id not in comment.mentions["users"]
    assert comment.mentions["stakeholders"] == [model["stakeholder"].id]
    marked = [text for text, mention in svc.segments(comment) if mention]
    assert marked == ["@riley reviewer", "@Dana Ops"]
    assert "".join(text for text, _ in svc.segments(comment)) == comment.body


def test_resolve_and_reopen_change_the_thread_and_each_leaves_a_history_entry_and_an_event(
        session, engagement, model, me):
    first = svc.add_comment(session, engagement, me, "requirement", str(model["requirement"].id), "Measurable?")
    answer = svc.reply(session, engagement, me, first.id, "Yes: p95.")
    resolved = svc.resolve(session, engagement, me, answer.id)  # a reply resolves its thread
    assert resolved.id == first.id and not resolved.is_open and resolved.resolved_by_name == me.name
    reopened = svc.reopen(session, engagement, me, first.id)
    assert reopened.is_open and reopened.resolved_by_name == ""
    history = session.scalars(select(Change).where(Change.kind == "comment").order_by(Change.id)).all()
    assert [c.action for c in history] == ["comment", "reply", "resolve", "reopen"]
    assert "REQ-1" in history[0].summary and "Measurable?" in history[0].summary
    events = session.scalars(select(ReviewEvent).order_by(ReviewEvent.id)).all()
    assert [e.kind for e in events] == ["comment", "reply", "resolve", "reopen"]
    assert {(e.anchor_kind, e.anchor_key) for e in events} == {("requirement", str(model["requirement"].id))}


def test_a_link_holder_without_the_comment_role_cannot_comment(session, engagement, model):
    link, _token = make_link(session, engagement, engagement.scenarios, role="comment", label="Client CFO")
    reader = Author(name="Client CFO", link_id=link.id, can_comment=False)
    with pytest.raises(Forbidden):
        svc.add_comment(session, engagement, reader, "system", str(model["system"].id), "Hi")
    holder = Author(name="Client CFO", link_id=link.id)
    comment = svc.add_comment(session, engagement, holder, "system", str(model["system"].id), "Hi")
    assert comment.share_link_id == link.id and comment.author_user_id is None
    assert comment.author_name == "Client CFO (review link)"


def test_a_comment_of_another_engagement_cannot_be_replied_to_or_resolved(session, engagement, model, me, user):
    other = create_engagement(session, "Other client", owner=user)
    first = svc.add_comment(session, engagement, me, "system", str(model["system"].id), "Mine")
    for action in (lambda: svc.reply(session, other, me, first.id, "x"),
                   lambda: svc.resolve(session, other, me, first.id),
                   lambda: svc.reopen(session, other, me, first.id)):
        with pytest.raises(NotFound):
            action()
    assert session.get(Comment, first.id).is_open


def test_the_inbox_lists_open_threads_first_and_filters_by_state_author_and_mention(
        session, engagement, model, me, make_user):
    riley = make_user(email="riley@example.com", name="Riley Reviewer")
    set_membership(session, engagement, riley.email, "reviewer")
    them = Author(name=riley.name, user_id=riley.id)
    old = svc.add_comment(session, engagement, me, "system", str(model["system"].id), "Old and settled")
    svc.resolve(session, engagement, me, old.id)
    mine = svc.add_comment(session, engagement, me, "flow", str(model["flow"].id), "Ask @Riley Reviewer")
    theirs = svc.add_comment(session, engagement, them, "section", "summary", "Too long")

    def ids(show, user_id=None):
        return [t.comment.id for t in svc.inbox(session, engagement, user_id, show).threads]

    assert ids("open") == [theirs.id, mine.id]
    assert ids("resolved") == [old.id]
    assert ids("all") == [theirs.id, mine.id, old.id]
    assert ids("mine", riley.id) == [theirs.id]
    assert ids("mentions", riley.id) == [mine.id]
    labels = {t.comment.id: t.label for t in svc.inbox(session, engagement, None, "all").threads}
    assert labels[theirs.id] == "Executive summary" and labels[old.id] == "SAP ECC"
    with pytest.raises(ValidationError):
        svc.inbox(session, engagement, None, "everything")


def test_the_inbox_is_paged(session, engagement, model, me):
    for n in range(5):
        svc.add_comment(session, engagement, me, "system", str(model["system"].id), f"Note {n}")
    first = svc.inbox(session, engagement, None, "open", page=1, per_page=2)
    last = svc.inbox(session, engagement, None, "open", page=3, per_page=2)
    assert (first.pages, first.total, len(first.threads), len(last.threads)) == (3, 5, 2, 1)
    assert last.threads[0].comment.body == "Note 0"


def test_open_counts_count_open_threads_per_anchor(session, engagement, model, me):
    key = str(model["system"].id)
    svc.add_comment(session, engagement, me, "system", key, "One")
    done = svc.add_comment(session, engagement, me, "system", key, "Two")
    svc.reply(session, engagement, me, done.id, "A reply is not a thread")
    svc.resolve(session, engagement, me, done.id)
    svc.add_comment(session, engagement, me, "section", "findings", "Three")
    assert svc.open_counts(session, engagement) == {("system", key): 1, ("section", "findings"): 1}
    assert svc.open_counts(session, engagement, "section") == {("section", "findings"): 1}


def test_only_threads_chosen_for_the_report_are_listed_for_it(session, engagement, model, me):
    svc.add_comment(session, engagement, me, "system", str(model["system"].id), "Internal note")
    chosen = svc.add_comment(session, engagement, me, "decision", str(model["decision"].id), "Client agreed")
    assert svc.report_threads(session, engagement) == []
    svc.set_in_report(session, engagement, chosen.id, True)
    assert [(kind, c.body) for kind, _, c in svc.report_threads(session, engagement)] == [("Decision", "Client agreed")]


def test_the_report_appendix_prints_only_the_threads_chosen_for_it_escaped(session, engagement, model, me):
    from app.services import reports
    from exports.report import render_html

    svc.add_comment(session, engagement, me, "system", str(model["system"].id), "Internal: <b>wild</b> guess")
    chosen = svc.add_comment(session, engagement, me, "decision", str(model["decision"].id), "Client <i>agreed</i>")
    svc.reply(session, engagement, me, chosen.id, "Signed in the workshop")
    options = reports.parse_options(sections="appendix")
    assert "Review comments" not in render_html(reports.build_input(session, engagement, options))
    svc.set_in_report(session, engagement, chosen.id, True)
    html = render_html(reports.build_input(session, engagement, options))
    assert "Review comments" in html and "Decision: ADR-1 Publish stock as events" in html
    assert "Client &lt;i&gt;agreed&lt;/i&gt;" in html and "Signed in the workshop" in html
    assert "wild" not in html


def test_comments_and_resolutions_show_on_the_history_page_as_comments(session, engagement, model, me, browser):
    first = svc.add_comment(session, engagement, me, "system", str(model["system"].id), "Who runs this?")
    svc.resolve(session, engagement, me, first.id)
    page = browser.get(f"/e/{engagement.id}/history").get_data(as_text=True)
    assert "Comment: Casey Consultant commented on system SAP ECC: Who runs this?" in page
    assert "Comment: Casey Consultant resolved a thread on system SAP ECC" in page

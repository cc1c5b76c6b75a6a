"""Comments in the engagement bundle: they travel with their threads, anchors and mentions, and bad ones are
refused by JSON path with nothing saved."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle
from app.services.errors import ValidationError
from app.services.review import comments
from models import Comment, Engagement, Stakeholder, System
from tests.support.everything import everything_engagement


def _document(session, user):
    return json.loads(dumps_bundle(export_bundle(session, everything_engagement(session, user))))


def test_threads_travel_to_the_copy_pointing_at_the_copys_objects(session, user):
    document = _document(session, user)
    copy = import_bundle(session, document, owner=user)
    threads = comments.inbox(session, copy, None, "all").threads
    by_body = {t.comment.body.split(" @")[0]: t for t in threads}
    system = by_body["Ask"].comment
    assert int(system.anchor_key) in set(session.scalars(select(System.id).where(System.engagement_id == copy.id)))
    assert by_body["Ask"].label == session.get(System, int(system.anchor_key)).name
    assert [r.body for r in system.replies] == ["Asked; they agree."]
    assert not system.is_open and system.include_in_report and system.author_user_id is None
    stakeholder = session.get(Stakeholder, system.mentions["stakeholders"][0])
    assert stakeholder.engagement_id == copy.id
    assert [text for text, marked in comments.segments(system) if marked] == [f"@{stakeholder.name}"]
    cell = by_body["Really the SoR?"].comment
    assert cell.anchor_kind == "ownership" and " × " in by_body["Really the SoR?"].label
    assert by_body["Short!"].comment.author_name == "Client CFO (review link)"


@pytest.mark.parametrize("field, value, message", [
    ("anchor_key", "requirement-1", "'requirement-1' is not a system of this bundle."),
    ("parent", "comment-99", "Unknown comment 'comment-99': a reply follows the comment it answers."),
    ("scenario_id", "scenario-9", "Unknown scenario 'scenario-9'."),
    ("mentioned_stakeholders", ["system-1"], "Name stakeholders of this bundle."),
    ("created_at", "yesterday", "Must be an ISO 8601 timestamp."),
])
def test_a_comment_with_a_bad_reference_is_refused_by_json_path_and_nothing_is_saved(
        session, user, field, value, message):
    document = _document(session, user)
    engagements = session.scalar(select(func.count()).select_from(Engagement))
    stored = session.scalar(select(func.count()).select_from(Comment))
    document["comments"][0][field] = value
    with pytest.raises(ValidationError) as refused:
        import_bundle(session, document, owner=user)
    assert refused.value.errors[f"$.comments[0].{field}"] == [message]
    assert session.scalar(select(func.count()).select_from(Engagement)) == engagements
    assert session.scalar(select(func.count()).select_from(Comment)) == stored


def test_a_comment_the_schema_refuses_is_named_by_its_path(session, user):
    document = _document(session, user)
    document["comments"][0]["anchor_kind"] = "spreadsheet"
    document["comments"][1]["body"] = ""
    with pytest.raises(ValidationError) as refused:
        import_bundle(session, document, owner=user)
    assert any(key.startswith("$.comments[0].anchor_kind") for key in refused.value.errors)
    assert any(key.startswith("$.comments[1].body") for key in refused.value.errors)

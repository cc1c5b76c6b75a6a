"""Comments and sign-offs through the API: reviewers comment and sign off with a token, viewers and editors are
refused what their role cannot do, bad input is a problem naming the field, and statuses go stale after an edit."""

from __future__ import annotations

import pytest

from app.services.accounts import set_membership
from app.services.catalog import elements


@pytest.fixture
def model(session, engagement):
    return {"decision": elements.save_element(session, engagement, "decision", {"title": "Central OMS"}),
            "system": elements.save_element(session, engagement, "system", {"name": "ERP", "category": "erp"})}


@pytest.fixture
def as_role(session, engagement, make_user, make_api):
    def make(role):
        person = make_user(email=f"{role}@example.com", name=f"Pat {role.title()}")
        set_membership(session, engagement, person.email, role)
        return make_api(person)

    return make


def test_a_reviewer_comments_replies_and_resolves_through_the_api(engagement, model, as_role):
    api = as_role("reviewer")
    base = f"/api/v1/engagements/{engagement.id}/comments"
    made = api.post(base, json={"anchor_kind": "system", "anchor_key": str(model["system"].id), "body": "Why?"})
    assert made.status_code == 201 and made.json["author"] == "Pat Reviewer"
    reply = api.post(base, json={"parent_id": made.json["id"], "body": "Because."})
    assert reply.status_code == 201 and [r["body"] for r in reply.json["replies"]] == ["Because."]
    done = api.post(f"{base}/{made.json['id']}/resolve")
    assert done.status_code == 200 and done.json["resolved_at"]
    on_anchor = api.get(f"{base}?kind=system&key={model['system'].id}")
    assert [t["body"] for t in on_anchor.json] == ["Why?"]


def test_a_viewer_reads_comments_but_cannot_write_them(engagement, model, as_role):
    api = as_role("viewer")
    base = f"/api/v1/engagements/{engagement.id}/comments"
    assert api.get(base).status_code == 200
    refused = api.post(base, json={"anchor_kind": "system", "anchor_key": str(model["system"].id), "body": "x"})
    assert refused.status_code == 403


def test_a_comment_on_an_unknown_anchor_or_without_a_body_is_a_problem_naming_the_field(engagement, model, api):
    base = f"/api/v1/engagements/{engagement.id}/comments"
    empty = api.post(base, json={"anchor_kind": "system", "anchor_key": str(model["system"].id), "body": " "})
    assert empty.status_code == 422 and [e["field"] for e in empty.json["errors"]] == ["body"]
    unknown = api.post(base, json={"anchor_kind": "system", "anchor_key": "999999", "body": "x"})
    assert unknown.status_code in (404, 422)


def test_a_reviewer_signs_off_an_editor_cannot_and_an_edit_makes_it_stale(session, engagement, model, as_role):
    base = f"/api/v1/engagements/{engagement.id}/signoffs"
    decision = model["decision"]
    body = {"target_kind": "decision", "target_id": decision.id, "verdict": "approved", "note": "Agreed"}
    assert as_role("editor").post(base, json=body).status_code == 403
    api = as_role("reviewer")
    signed = api.post(base, json=body)
    assert signed.status_code == 201 and signed.json["overall"] == "approved"
    elements.save_element(session, engagement, "decision", {"title": "Central OMS, phased"}, decision, partial=True)
    [status] = api.get(base).json
    assert status["overall"] == "stale" and status["verdicts"][0]["stale"] is True


def test_a_rejection_without_a_note_is_a_problem_naming_the_note(engagement, model, as_role):
    api = as_role("reviewer")
    resp = api.post(f"/api/v1/engagements/{engagement.id}/signoffs",
                    json={"target_kind": "decision", "target_id": model["decision"].id, "verdict": "rejected"})
    assert resp.status_code == 422 and [e["field"] for e in resp.json["errors"]] == ["note"]

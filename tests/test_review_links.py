"""Review links: owners and editors make, list and revoke them; a client opens one without an account and reads
only what it shows; a passphrase, an expiry and a revocation are honoured; every use is logged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.services.accounts import set_membership
from app.services.demo import load_demo
from app.services.errors import NotFound, ValidationError
from app.services.review import links
from models import ReportJob, ShareLink, ShareLinkUse
from tests.support.review_links import make_link, target_and_current


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


@pytest.fixture
def scenarios(demo):
    return target_and_current(demo)


def test_a_link_stores_only_the_hash_of_a_long_random_token(session, demo, scenarios):
    link, token = make_link(session, demo, [scenarios[0]])
    assert len(token) >= 43  # 32 random bytes, URL-safe
    assert link.token_hash == links.token_hash(token) and token not in link.token_hash
    dumped = " ".join(str(v) for row in session.execute(text("SELECT * FROM share_links")) for v in row)
    assert token not in dumped
    assert links.resolve(session, token).id == link.id


def test_a_passphrase_is_hashed_like_a_password_and_checked(session, demo, scenarios):
    link, _ = make_link(session, demo, [scenarios[0]], passphrase="open sesame")
    assert link.passphrase_hash.startswith("$argon2") and "open sesame" not in link.passphrase_hash
    assert links.passphrase_matches(link, "open sesame")
    assert not links.passphrase_matches(link, "open sesame!")


@pytest.mark.parametrize(("field", "values"), [
    ("scenarios", {"scenario_ids": []}),
    ("scenarios", {"scenario_ids": ["999999"]}),
    ("role", {"role": "admin"}),
    ("label", {"label": "  "}),
    ("days", {"days": "91"}),
    ("days", {"days": "soon"}),
    ("passphrase", {"passphrase": "short"}),
    ("report", {"report_job_id": "999999"}),
])
def test_bad_input_names_the_field_and_saves_nothing(session, demo, scenarios, field, values):
    kw = {"scenario_ids": [scenarios[0].id], "role": "read", "label": "Client", "days": 14, **values}
    with pytest.raises(ValidationError) as caught:
        links.create_link(session, demo, **kw)
    assert field in caught.value.errors
    session.rollback()
    assert session.scalar(select(ShareLink)) is None


def test_another_engagements_scenario_cannot_be_put_in_a_link(session, demo, make_user):
    other = load_demo(session, owner=make_user(email="other@example.com"))
    with pytest.raises(ValidationError) as caught:
        links.create_link(session, demo, scenario_ids=[other.scenarios[0].id], role="read", label="x")
    assert "scenarios" in caught.value.errors


def test_expired_revoked_and_unknown_tokens_are_the_same_not_found(session, demo, scenarios):
    expired, old = make_link(session, demo, [scenarios[0]])
    revoked, gone = make_link(session, demo, [scenarios[0]])
    expired.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    links.revoke_link(session, demo.id, revoked.id)
    messages = set()
    for token in (old, gone, "x" * 43, ""):
        with pytest.raises(NotFound) as caught:
            links.resolve(session, token)
        messages.add(str(caught.value))
    assert messages == {links.GONE}


def test_the_author_of_a_link_follows_its_role(session, demo, scenarios):
    read, _ = make_link(session, demo, [scenarios[0]])
    signoff, _ = make_link(session, demo, [scenarios[0]], role="signoff", label="CFO")
    assert (links.author_for(read).can_comment, links.author_for(read).can_sign_off) == (False, False)
    author = links.author_for(signoff, "Dana Client")
    assert (author.name, author.link_id, author.can_comment, author.can_sign_off) == ("Dana Client", signoff.id,
                                                                                       True, True)
    assert links.author_for(signoff).name == "CFO"


def _created_url(resp) -> str:
    match = re.search(r'value="(http://[^"]+/r/[^"]+/)"', resp.get_data(as_text=True))
    assert match, "the new link's address is shown once"
    return match.group(1).replace("http://localhost", "")


def test_an_owner_makes_a_link_in_the_page_and_sees_it_listed_with_its_uses(browser, anonymous, demo, scenarios):
    target = scenarios[0]
    resp = browser.post(f"/e/{demo.id}/review-links", data={
        "label": "Steering group", "scenarios": [str(target.id)], "role": "comment", "days": "30"})
    assert resp.status_code == 201
    url = _created_url(resp)
    assert anonymous.get(url).status_code == 200
    assert anonymous.get(url + f"s/{target.id}/flows").status_code == 200
    page = browser.get(f"/e/{demo.id}/review-links").get_data(as_text=True)
    assert "Steering group" in page and url.split("/")[2] not in page  # the token is not shown again
    row = re.search(r'<tr id="link-\d+">(.*?)</tr>', page, re.S).group(1)
    assert "<td>2</td>" in row and "never" not in row


def test_the_form_shows_its_errors_and_keeps_the_input(browser, demo, session):
    resp = browser.post(f"/e/{demo.id}/review-links", data={"label": "Kept label", "role": "read", "days": "0"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Tick at least one scenario" in body and "1 to 90 days" in body and 'value="Kept label"' in body
    assert session.scalar(select(ShareLink)) is None


def test_revoking_ends_the_link_at_once(browser, anonymous, session, demo, scenarios):
    link, token = make_link(session, demo, [scenarios[0]])
    assert anonymous.get(f"/r/{token}/").status_code == 200
    assert browser.post(f"/e/{demo.id}/review-links/{link.id}/revoke").status_code == 303
    assert anonymous.get(f"/r/{token}/").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_reviewers_and_viewers_neither_see_nor_make_links(make_browser, make_user, session, demo, scenarios, role):
    reader = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, demo, reader.email, role)
    b = make_browser(reader)
    assert b.get(f"/e/{demo.id}/review-links").status_code == 403
    resp = b.post(f"/e/{demo.id}/review-links", data={"label": "x", "scenarios": [str(scenarios[0].id)],
                                                      "role": "read", "days": "5"})
    assert resp.status_code == 403
    assert "Review links" not in b.get(f"/e/{demo.id}/").get_data(as_text=True)
    assert session.scalar(select(ShareLink)) is None


def test_an_editor_can_make_links(make_browser, make_user, session, demo, scenarios):
    editor = make_user(email="editor@example.com", name="Ed")
    set_membership(session, demo, editor.email, "editor")
    resp = make_browser(editor).post(f"/e/{demo.id}/review-links", data={
        "label": "x", "scenarios": [str(scenarios[0].id)], "role": "signoff", "days": "5"})
    assert resp.status_code == 201


def test_a_passphrase_link_asks_for_it_before_showing_anything(app, anonymous, session, demo, scenarios):
    link, token = make_link(session, demo, [scenarios[0]], passphrase="open sesame")
    resp = anonymous.get(f"/r/{token}/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/r/{token}/unlock")
    page = anonymous.get(f"/r/{token}/unlock").get_data(as_text=True)
    assert demo.name in page and scenarios[0].name not in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = anonymous.post(f"/r/{token}/unlock", data={"passphrase": "guess", "csrf_token": csrf})
    assert wrong.status_code == 422 and scenarios[0].name not in wrong.get_data(as_text=True)
    assert anonymous.get(f"/r/{token}/s/{scenarios[0].id}/").status_code == 302
    right = anonymous.post(f"/r/{token}/unlock", data={"passphrase": "open sesame", "csrf_token": csrf})
    assert right.status_code == 303
    assert scenarios[0].name in anonymous.get(f"/r/{token}/").get_data(as_text=True)


def test_the_unlock_is_for_that_link_only(anonymous, session, demo, scenarios):
    _, first = make_link(session, demo, [scenarios[0]], passphrase="open sesame")
    _, second = make_link(session, demo, [scenarios[0]], passphrase="other phrase")
    page = anonymous.get(f"/r/{first}/unlock").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    anonymous.post(f"/r/{first}/unlock", data={"passphrase": "open sesame", "csrf_token": csrf})
    assert anonymous.get(f"/r/{first}/").status_code == 200
    assert anonymous.get(f"/r/{second}/").status_code == 302


def test_wrong_passphrases_are_rate_limited_per_link(app, anonymous, session, demo, scenarios):
    _, token = make_link(session, demo, [scenarios[0]], passphrase="open sesame")
    page = anonymous.get(f"/r/{token}/unlock").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    statuses = [anonymous.post(f"/r/{token}/unlock", data={"passphrase": f"guess {i}", "csrf_token": csrf}).status_code
                for i in range(6)]
    assert statuses == [422] * 5 + [429]
    # Locked even with the right one: guessing gains nothing after the limit.
    locked = anonymous.post(f"/r/{token}/unlock", data={"passphrase": "open sesame", "csrf_token": csrf})
    assert locked.status_code == 429 and "Retry-After" in locked.headers


def test_every_use_is_logged_without_the_token(anonymous, session, demo, scenarios):
    link, token = make_link(session, demo, [scenarios[0]])
    anonymous.get(f"/r/{token}/")
    anonymous.get(f"/r/{token}/s/{scenarios[1].id}/")
    links.revoke_link(session, demo.id, link.id)
    anonymous.get(f"/r/{token}/")
    session.expire_all()
    uses = links.uses_of(session, link.id)
    assert [(u.path, u.outcome) for u in uses] == [("/", "ok"), (f"/s/{scenarios[1].id}/", "not found"),
                                                   ("/", "not found")]
    assert all(u.client_address == "127.0.0.1" for u in uses)
    assert token not in " ".join(str(v) for row in session.execute(select(ShareLinkUse.__table__)) for v in row)


def test_a_use_does_not_move_the_engagement_revision(anonymous, session, demo, scenarios):
    _, token = make_link(session, demo, [scenarios[0]])
    session.refresh(demo)
    before = demo.revision
    anonymous.get(f"/r/{token}/")
    session.refresh(demo)
    assert demo.revision == before


def test_the_linked_report_is_a_download_and_a_link_without_one_has_none(anonymous, session, demo, scenarios):
    job = ReportJob(engagement_id=demo.id, status="done", progress=1.0, pdf=b"%PDF-1.7 chosen",
                    options={"scenario": scenarios[0].id, "sections": ["summary"]})
    session.add(job)
    session.commit()
    _, with_report = make_link(session, demo, [scenarios[0]], report_job_id=job.id)
    _, without = make_link(session, demo, [scenarios[0]])
    resp = anonymous.get(f"/r/{with_report}/report.pdf")
    assert resp.status_code == 200 and resp.data == b"%PDF-1.7 chosen"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert anonymous.get(f"/r/{without}/report.pdf").status_code == 404


def test_deleting_the_engagement_removes_its_links_and_their_uses(anonymous, session, demo, scenarios):
    from app.services.engagements import delete_engagement

    link, token = make_link(session, demo, [scenarios[0]])
    anonymous.get(f"/r/{token}/")
    delete_engagement(session, demo)
    assert session.scalar(select(ShareLink)) is None and session.scalar(select(ShareLinkUse)) is None
    assert anonymous.get(f"/r/{token}/").status_code == 404


XSS = "<script>alert(1)</script>"


def test_what_the_portal_shows_is_inert(anonymous, session, demo, scenarios, user):
    from app.services.catalog import elements

    decision = elements.save_element(session, demo, "decision", {"title": XSS, "context": '"><img src=x onerror=1>'})
    _, token = make_link(session, demo, [scenarios[0]], label=XSS)
    for url in (f"/r/{token}/", f"/r/{token}/s/{scenarios[0].id}/decisions",
                f"/r/{token}/s/{scenarios[0].id}/decisions/{decision.id}", f"/r/{token}/s/{scenarios[0].id}/"):
        body = anonymous.get(url).get_data(as_text=True)
        assert XSS not in body and "<img src=x" not in body, url
        assert re.findall(r"<script[^>]*>", body) == [], url

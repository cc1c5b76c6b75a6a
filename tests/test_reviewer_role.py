"""The reviewer role is real: readers (reviewers, viewers) are never offered a form they cannot save, reviewers
still cannot change the model, and they can sign off. The routes are read from app.url_map, so a new edit form
cannot be forgotten."""

from __future__ import annotations

import tempfile
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app.services.accounts import set_membership
from models import Element, SignOff
from tests.support.offers import offers
from tests.test_tenancy import _url, foreign  # noqa: F401  # one object of every kind, filled into route URLs


def _app():
    from app import create_app

    with tempfile.TemporaryDirectory(prefix="throughline-routes-") as instance:
        return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "INSTANCE_PATH": instance})


APP = _app()
SAFE = {"GET", "HEAD", "OPTIONS"}
# Every engagement page that also accepts a change: an edit, new or delete form, or a settings page. (The API
# under /api has its own role and token-scope tests: tests/api.)
FORM_RULES = sorted((r.rule, r.endpoint) for r in APP.url_map.iter_rules()
                    if r.rule.startswith("/e/") and "GET" in r.methods and r.methods - SAFE
                    and not getattr(APP.view_functions[r.endpoint], "review_action", False))
# Every engagement page a reader may open.
PAGE_RULES = sorted((r.rule, r.endpoint) for r in APP.url_map.iter_rules()
                    if r.rule.startswith("/e/") and "GET" in r.methods)
# What a reader may still send from a page: logging out, and (reviewers) the review actions.
ALWAYS_ALLOWED = {"auth.logout"}


def _endpoint(url: str, method: str) -> tuple[str, object] | None:
    path = urlsplit(url).path
    try:
        endpoint, _args = APP.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        return None
    return endpoint, APP.view_functions[endpoint]


def _is_form(endpoint: str) -> bool:
    return any(e == endpoint for _r, e in FORM_RULES) and not getattr(APP.view_functions[endpoint], "read_view", False)


@pytest.fixture(params=["reviewer", "viewer"])
def reader(request, session, make_user, make_browser, foreign):  # noqa: F811
    person = make_user(email=f"{request.param}@example.com", name=f"Rae {request.param.title()}")
    set_membership(session, foreign["engagement"], person.email, request.param)
    return request.param, make_browser(person)


def test_the_form_routes_are_found_in_the_url_map():
    endpoints = {e for _r, e in FORM_RULES}
    assert {"flows.flow_edit", "catalog.system_new", "decisions.decision_delete", "engagement.settings"} <= endpoints
    assert "decisions.decision_signoff" not in endpoints  # a review action, not an edit form


def test_a_reader_opening_any_edit_or_new_form_gets_a_clear_403_or_a_page_without_a_way_to_save(reader, foreign):  # noqa: F811
    role, b = reader
    eid = foreign["engagement"].id
    wrong = []
    for rule, endpoint in FORM_RULES:
        url = _url(rule, endpoint, eid, foreign)
        resp = b.get(url)
        text = resp.get_data(as_text=True)
        if getattr(APP.view_functions[endpoint], "read_view", False):
            sent = [(m, u) for m, u in offers(text).unsafe if _endpoint(u, m) and _endpoint(u, m)[0] == endpoint]
            if resp.status_code != 200 or sent:
                wrong.append(f"{url}: read view answered {resp.status_code}, offering {sent}")
        elif resp.status_code != 403 or f"Your role ({role})" not in text or "<textarea" in text:
            wrong.append(f"{url}: {resp.status_code}")
    assert wrong == []


def test_no_page_offers_a_reader_an_edit_link_a_form_or_an_inline_editor(reader, foreign):  # noqa: F811
    role, b = reader
    eid = foreign["engagement"].id
    wrong = []
    opened = 0
    for rule, endpoint in PAGE_RULES:
        if _is_form(endpoint):
            continue
        url = _url(rule, endpoint, eid, foreign)
        resp = b.get(url)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        opened += 1
        page = offers(resp.get_data(as_text=True))
        for method, target in page.unsafe:
            found = _endpoint(target, method)
            allowed = found and (found[0] in ALWAYS_ALLOWED or (
                role == "reviewer" and getattr(found[1], "review_action", False)))
            if not allowed:
                wrong.append(f"{url} offers {method} {target}")
        for href in page.links:
            found = _endpoint(href, "GET")
            if found and _is_form(found[0]):
                wrong.append(f"{url} links to the form {href}")
    assert opened > 40  # the main pages were really opened
    assert sorted(set(wrong)) == []


def test_a_reviewer_still_cannot_change_the_model_but_can_sign_off(session, make_user, make_browser, foreign):  # noqa: F811
    person = make_user(email="reviewer@example.com", name="Rae Reviewer")
    set_membership(session, foreign["engagement"], person.email, "reviewer")
    b = make_browser(person)
    eid = foreign["engagement"].id
    decision = foreign["by_kind"]["decision"]
    assert b.post(f"/e/{eid}/decisions/{decision.id}/edit", data={"title": "Renamed"}).status_code == 403
    assert b.post(f"/e/{eid}/decisions/{decision.id}/delete").status_code == 403
    assert b.post(f"/e/{eid}/decisions/{decision.id}/signoff", data={"verdict": "approved"}).status_code == 302
    session.expire_all()
    assert session.get(Element, decision.id).name == "Central OMS"
    assert session.scalar(select(func.count()).select_from(SignOff)) == 1


def test_an_owner_is_still_offered_the_forms(browser, session, user, foreign):  # noqa: F811
    set_membership(session, foreign["engagement"], user.email, "editor")
    eid = foreign["engagement"].id
    flow = foreign["by_kind"]["flow"]
    assert browser.get(f"/e/{eid}/flows/{flow.id}/edit").status_code == 200
    page = offers(browser.get(f"/e/{eid}/flows/{flow.id}").get_data(as_text=True))
    assert f"/e/{eid}/flows/{flow.id}/edit" in page.links
    assert any(method == "POST" for method, _url in page.unsafe)  # the parser sees what a writer is offered

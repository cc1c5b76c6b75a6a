"""Acceptance criteria are checked when a requirement is saved, on every entry path: a typo in a function or an
entity name is refused with the line, the column and the closest valid name, and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.graph.criteria_check import acceptance_problems
from app.services.bundle.transfer import import_bundle
from app.services.catalog.elements import save_element
from app.services.errors import ValidationError
from app.services.workbook.importer import import_workbook
from models import Requirement
from tests.support.bundles import small_bundle
from tests.support.workbooks import errors_of, xlsx

NAMES = {"entity": ["Inventory", "Order", "Loyalty account"], "channel": ["Web", "Mobile app", "Stores"]}


def requirements_of(session, engagement) -> int:
    return session.scalar(select(func.count(Requirement.id)).where(Requirement.engagement_id == engagement.id))


def test_good_criteria_and_prose_pass_the_check():
    text = "Stock must be fresh.\nfreshness(inventory, web) <= 60s\nreachable(order, stores -> OMS)\n\n" \
           "max_hops(loyalty account, app) <= 2"
    assert acceptance_problems(text, NAMES) == []


def test_each_faulty_line_is_named_with_its_column_and_the_closest_valid_name():
    text = "Prose first.\nhas_path(order, web -> ERP)\nfreshness(inventry, web) <= 60s\nfreshness(order, wbe) < 1h\n" \
           "sor_count(customer) == 1.5"
    assert acceptance_problems(text, NAMES) == [
        "line 2, column 1: unknown function 'has_path'; did you mean 'reachable'? "
        "(known: freshness, sor_count, reachable, no_pattern, max_hops, returnable, "
        "refund_path)",
        "line 3, column 11: no entity matches 'inventry'; did you mean 'Inventory'?",
        "line 4, column 18: no channel matches 'wbe'; did you mean 'Web'?",
        "line 5, column 24: expected a whole number, found '1.5'",
    ]


def test_an_ambiguous_name_lists_the_names_it_could_mean():
    names = {"entity": ["Inventory"], "channel": ["Mobile app", "Kiosk app"]}
    [problem] = acceptance_problems("freshness(inventory, app) <= 60s", names)
    assert problem == "line 1, column 22: channel 'app' is ambiguous: Kiosk app, Mobile app"


def test_the_service_refuses_a_typo_and_saves_nothing(session, engagement):
    with pytest.raises(ValidationError) as caught:
        save_element(session, engagement, "requirement", {"title": "Orders reach the ERP",
                                                     "acceptance": "has_path(order, web -> ERP)"})
    [message] = caught.value.errors["acceptance"]
    assert "unknown function 'has_path'; did you mean 'reachable'?" in message
    session.rollback()
    assert requirements_of(session, engagement) == 0
    saved = save_element(session, engagement, "requirement", {"title": "Orders reach the ERP",
                                                         "acceptance": "reachable(order, web -> ERP)"})
    assert saved.acceptance == "reachable(order, web -> ERP)"


def test_the_form_answers_422_naming_the_field_and_the_closest_name(browser, session, engagement):
    resp = browser.post(f"/e/{engagement.id}/requirements/new", data={
        "title": "Fresh stock", "priority": "must", "status": "draft",
        "acceptance": "freshness(inventry, web) <= 60s"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "no entity matches &#39;inventry&#39;; did you mean &#39;Inventory&#39;?" in html
    assert requirements_of(session, engagement) == 0


def test_a_workbook_row_with_a_bad_criterion_is_refused_with_its_column_and_nothing_is_imported(session, engagement):
    sheets = {
        "entities": [["name"], ["Gift card"]],
        "requirements": [["title", "acceptance"], ["Fresh balances", "freshness(gift card, web) <= 60s"],
                         ["Typo", "freshnes(inventory, web) <= 60s"]],
    }
    for dry_run in (True, False):
        report = import_workbook(session, engagement, xlsx(sheets), dry_run=dry_run)
        [(sheet, row, column, message)] = errors_of(report)
        assert (sheet, row, column) == ("requirements", 3, "acceptance")
        assert "unknown function 'freshnes'; did you mean 'freshness'?" in message
        assert requirements_of(session, engagement) == 0
    # The entity the first row names comes from the same workbook: the check knows it, in a dry run too.
    del sheets["requirements"][2]
    assert import_workbook(session, engagement, xlsx(sheets), dry_run=False).ok
    assert requirements_of(session, engagement) == 1


def test_a_bundle_with_a_bad_criterion_is_refused_at_the_requirement_path(session):
    document = small_bundle()
    document["requirements"][0]["acceptance"] = "freshness(stock, web) <= 60s"
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document)
    [(path, [message])] = [(p, m) for p, m in caught.value.errors.items() if "acceptance" in p]
    assert path == "$.requirements[0].acceptance"
    assert "no entity matches 'stock'; did you mean" in message

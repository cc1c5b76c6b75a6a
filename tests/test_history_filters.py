"""History for people: the log filters by object, kind, action, user, scenario and date, pages, and its diffs name
stakeholders, labels and durations instead of ids and codes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.services.catalog import elements
from app.services.catalog import history_view as hv
from app.services.errors import ValidationError


@pytest.fixture
def decision(session, engagement, user):
    """A decision whose deciders and status were changed by the user, among a few other changes."""
    dana = elements.save_element(session, engagement, "stakeholder", {"name": "Dana Ruiz"}, user_id=user.id)
    lee = elements.save_element(session, engagement, "stakeholder", {"name": "Lee Chan"}, user_id=user.id)
    adr = elements.save_element(session, engagement, "decision", {"title": "Centralise ATP"}, user_id=user.id)
    return elements.save_element(
        session, engagement, "decision",
        {"title": "Centralise ATP", "status": "accepted", "decider_ids": [dana.id, lee.id], "consulted_ids": [lee.id]},
        adr, version=adr.version, user_id=user.id, partial=True,
    )


def test_a_diff_names_the_stakeholders_and_labels_the_fields(session, engagement, decision):
    page = hv.history_page(session, engagement.id, hv.HistoryFilter(kind="decision", action="update"))

    assert len(page.changes) == 1
    diff = {label: (old, new) for label, old, new in page.diff(page.changes[0])}
    assert diff["deciders"] == ("—", "Dana Ruiz, Lee Chan")
    assert diff["consulted"] == ("—", "Lee Chan")
    assert diff["status"] == ("Proposed", "Accepted")
    assert not any("consulteds" in label for label in diff)


def test_a_latency_change_reads_as_a_duration(session, engagement, user):
    shop = elements.save_element(session, engagement, "system", {"name": "Shop", "category": "ecommerce"})
    oms = elements.save_element(session, engagement, "system", {"name": "OMS", "category": "oms"})
    entity = elements.save_element(session, engagement, "entity", {"name": "Parcel"})
    flow = elements.save_element(session, engagement, "flow", {"source_id": shop.id, "target_id": oms.id,
                                                               "entity_ids": [entity.id], "pattern": "api"})
    elements.save_element(session, engagement, "flow", {"latency_seconds": 87305}, flow, version=flow.version,
                          partial=True)

    page = hv.history_page(session, engagement.id, hv.HistoryFilter(kind="flow", action="update"))
    assert ("typical latency", "—", "24 h 15 min") in page.diff(page.changes[0])


def test_filters_narrow_the_log_by_kind_user_object_and_date(session, engagement, user, decision):
    by_kind = hv.history_page(session, engagement.id, hv.HistoryFilter(kind="stakeholder"))
    assert {c.kind for c in by_kind.changes} == {"stakeholder"} and len(by_kind.changes) == 2

    by_user = hv.history_page(session, engagement.id, hv.HistoryFilter(user_id=user.id))
    assert by_user.changes and all(c.user_id == user.id for c in by_user.changes)

    by_object = hv.history_page(session, engagement.id, hv.HistoryFilter(element_id=decision.id))
    assert [c.action for c in by_object.changes] == ["update", "create"]

    by_name = hv.history_page(session, engagement.id, hv.HistoryFilter(q="dana"))
    assert [c.summary for c in by_name.changes] == ["Dana Ruiz"]

    tomorrow = date.today() + timedelta(days=2)
    assert hv.history_page(session, engagement.id, hv.HistoryFilter(since=tomorrow)).changes == []


def test_pages_hold_a_fixed_number_of_changes_and_say_when_there_are_more(session, engagement, decision):
    first = hv.history_page(session, engagement.id, hv.HistoryFilter(), per_page=2)
    second = hv.history_page(session, engagement.id, hv.HistoryFilter(page=2), per_page=2)

    assert len(first.changes) == 2 and first.has_next
    assert not {c.id for c in first.changes} & {c.id for c in second.changes}
    assert first.changes[0].id > second.changes[0].id


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [({"since": "yesterday"}, "since", "not a date"), ({"user": "bob"}, "user", "not a valid user"),
     ({"kind": "unicorn"}, "kind", "Unknown kind"),
     ({"since": "2026-05-02", "until": "2026-05-01"}, "until", "before")],
)
def test_a_filter_that_does_not_read_is_refused_naming_it(args, field, fragment):
    with pytest.raises(ValidationError) as raised:
        hv.parse_filter(args)
    assert fragment in str(raised.value.errors[field])


def test_the_history_page_filters_names_and_refuses_a_bad_date(browser, session, engagement, decision):
    page = browser.get(f"/e/{engagement.id}/history?kind=decision&action=update").get_data(as_text=True)
    assert "Dana Ruiz, Lee Chan" in page and "[" not in page.split('id="history-list"')[1].split("</table>")[0]
    assert 'name="scenario"' in page and 'name="since"' in page

    bad = browser.get(f"/e/{engagement.id}/history?since=yesterday")
    assert bad.status_code == 422 and "not a date" in bad.get_data(as_text=True)

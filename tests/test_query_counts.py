"""No N+1: the number of SQL statements a page runs does not grow with the number of rows it shows."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from app.services.catalog import elements as elements
from app.services.catalog import trace as trace
from models import Element


@contextmanager
def counting(engine):
    statements: list[str] = []

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def _grow(session, engagement, n, offset=0):
    owner = elements.save_element(session, engagement, "stakeholder", {"name": f"Owner {offset}"})
    web = session.scalar(select(Element).where(Element.engagement_id == engagement.id, Element.name == "Web"))
    inv = session.scalar(select(Element).where(Element.engagement_id == engagement.id, Element.name == "Inventory"))
    previous = None
    for i in range(offset, offset + n):
        system = elements.save_element(
            session,
            engagement,
            "system",
            {"name": f"System {i}", "category": "custom", "owner_id": owner.id, "channel_ids": [web.id], "tags": ["t"]},
        )
        if previous is not None:
            elements.save_element(
                session,
                engagement,
                "flow",
                {"source_id": previous.id, "target_id": system.id, "entity_ids": [inv.id], "pattern": "api"},
            )
        req = elements.save_element(session, engagement, "requirement", {"title": f"Req {i}", "source_id": owner.id})
        adr = elements.save_element(session, engagement, "decision", {"title": f"Adr {i}"})
        trace.add_link(session, engagement, "addresses", req.id, adr.id)
        previous = system


def assert_same_statements_after(browser, engine, url, grow):
    """Count the page's SQL statements, grow the model, count again: a count that grows is an N+1."""
    with counting(engine) as small:
        assert browser.get(url).status_code == 200
    grow()
    with counting(engine) as large:
        assert browser.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(re.sub(r"\s+", " ", s)[:160] for s in large)


PAGES = ["systems", "flows", "requirements", "decisions", "stakeholders", "ownership-matrix", "traceability", "",
         "history", "scenarios", "analysis"]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_runs_the_same_number_of_queries_for_5_and_for_15_rows(browser, session, engagement, engine, page):
    url = f"/e/{engagement.id}/{page}"
    _grow(session, engagement, 5)
    assert_same_statements_after(browser, engine, url, lambda: _grow(session, engagement, 10, offset=100))


def test_a_list_fragment_with_a_filter_stays_within_a_handful_of_queries(browser, session, engagement, engine):
    _grow(session, engagement, 8)
    with counting(engine) as statements:
        resp = browser.get(f"/e/{engagement.id}/systems?q=system&category=custom&sort=vendor", htmx=True)
    assert resp.status_code == 200 and "System 7" in resp.get_data(as_text=True)
    # 12, one for the scenario in view (its own values come with the rows) and one for the names the fuzzy search
    # matches the words against (typos find the row after the exact matches).
    assert len(statements) <= 14, "\n".join(re.sub(r"\s+", " ", s)[:200] for s in statements)


def test_a_system_detail_page_does_not_query_per_flow_or_link(browser, session, engagement, engine):
    hub = elements.save_element(session, engagement, "system", {"name": "Hub", "category": "ipaas"})
    inv = session.scalar(select(Element).where(Element.engagement_id == engagement.id, Element.name == "Inventory"))
    adr = elements.save_element(session, engagement, "decision", {"title": "Hub everything"})

    def add(n, offset):
        for i in range(offset, offset + n):
            spoke = elements.save_element(session, engagement, "system", {"name": f"Spoke {i}", "category": "pos"})
            elements.save_element(
                session,
                engagement,
                "flow",
                {"source_id": hub.id, "target_id": spoke.id, "entity_ids": [inv.id], "pattern": "event"},
            )
            elements.save_element(
                session, engagement, "ownership", {"system_id": hub.id, "entity_id": inv.id, "role": "reads"}
            ) if i == 0 else None
            other = elements.save_element(session, engagement, "decision", {"title": f"Adr {i}"})
            trace.add_link(session, engagement, "affects", other.id, hub.id)
            elements.save_element(session, engagement, "system", {"vendor": f"v{i}"}, hub, partial=True)

    add(3, 0)
    assert adr.id
    assert_same_statements_after(browser, engine, f"/e/{engagement.id}/systems/{hub.id}", lambda: add(6, 10))


def _named(session, engagement, name):
    return session.scalar(select(Element).where(Element.engagement_id == engagement.id, Element.name == name))


@pytest.mark.parametrize("slug, name", [("channels", "Web"), ("entities", "Inventory")])
def test_a_detail_page_does_not_query_per_related_object(browser, session, engagement, engine, slug, name):
    element = _named(session, engagement, name)
    url = f"/e/{engagement.id}/{slug}/{element.id}"
    _grow(session, engagement, 5)
    assert_same_statements_after(browser, engine, url, lambda: _grow(session, engagement, 10, offset=100))


def test_a_stakeholder_detail_page_does_not_query_per_system_or_requirement(browser, session, engagement, engine):
    owner = elements.save_element(session, engagement, "stakeholder", {"name": "Head of IT"})
    url = f"/e/{engagement.id}/stakeholders/{owner.id}"

    def add(n, offset):
        for i in range(offset, offset + n):
            system = {"name": f"Owned {i}", "category": "pos", "owner_id": owner.id}
            elements.save_element(session, engagement, "system", system)
            elements.save_element(session, engagement, "requirement", {"title": f"Asked {i}", "source_id": owner.id})

    add(3, 0)
    assert_same_statements_after(browser, engine, url, lambda: add(8, 10))


def test_a_scenario_page_does_not_query_per_member(browser, session, engagement, engine):
    from app.services.scenarios import list_scenarios

    url = f"/e/{engagement.id}/scenarios/{list_scenarios(session, engagement.id)[0].id}"
    _grow(session, engagement, 5)
    assert_same_statements_after(browser, engine, url, lambda: _grow(session, engagement, 10, offset=100))

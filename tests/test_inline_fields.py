"""Friendly inline editing: a flow's latency typed as "1h30" in its row, a system's channels edited in its row with a
chip picker, and list rows a keyboard can reach and open (`e`)."""

from __future__ import annotations

from app.services.catalog import scenario_values as sv
from app.services.catalog.elements import save_element
from models import DataFlow, System
from tests.support.capture import add_system
from tests.support.scenarios import batch_feed


def test_a_latency_typed_as_1h30_in_a_row_is_saved_as_seconds_and_shown_in_words(browser, session, engagement):
    model = batch_feed(session, engagement)
    feed, current = model["feed"], model["current"]
    data = {"_inline": "1", "pattern": "batch", "direction": "one_way", "latency_seconds": "1h30",
            "worst_latency_seconds": "1 d", "via_id": "", "scope": "all", "scenario": str(current.id),
            "version": str(sv.version_in(session, feed, current))}

    resp = browser.post(f"/e/{engagement.id}/flows/{feed.id}/edit", data=data, htmx=True)

    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "1 h 30 min" in resp.get_data(as_text=True) and "24 h" in resp.get_data(as_text=True)
    session.expire_all()
    flow = session.get(DataFlow, feed.id)
    assert (flow.latency_seconds, flow.worst_latency_seconds) == (5400, 86400)


def test_a_latency_that_is_no_duration_is_an_error_in_the_row_and_nothing_changes(browser, session, engagement):
    model = batch_feed(session, engagement)
    feed, current = model["feed"], model["current"]
    before = session.get(DataFlow, feed.id).latency_seconds
    data = {"_inline": "1", "pattern": "batch", "direction": "one_way", "latency_seconds": "soonish",
            "worst_latency_seconds": "", "via_id": "", "scope": "all", "scenario": str(current.id),
            "version": str(sv.version_in(session, feed, current))}

    resp = browser.post(f"/e/{engagement.id}/flows/{feed.id}/edit", data=data, htmx=True)

    assert resp.status_code == 422
    assert "“soonish” is not a duration" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(DataFlow, feed.id).latency_seconds == before


def test_a_systems_channels_are_edited_in_its_row_with_a_chip_picker(browser, session, engagement):
    system = add_system(session, engagement, "Zendesk", "crm")
    web, stores = (save_element(session, engagement, "channel", {"name": n}) for n in ("Kiosk", "Showroom"))

    form = browser.get(f"/e/{engagement.id}/systems/{system.id}/edit?_inline=1", htmx=True).get_data(as_text=True)
    assert 'name="channel_ids"' in form and "data-chips" in form and "multiple" in form

    data = {"_inline": "1", "name": "Zendesk", "category": "crm", "vendor": "", "lifecycle": "active",
            "owner_id": "", "channel_ids": [str(web.id), str(stores.id)], "version": str(system.version)}
    resp = browser.post(f"/e/{engagement.id}/systems/{system.id}/edit", data=data, htmx=True)

    assert resp.status_code == 200, resp.get_data(as_text=True)
    session.expire_all()
    assert sorted(c.name for c in session.get(System, system.id).channels) == ["Kiosk", "Showroom"]


def test_list_rows_are_focusable_and_offer_the_e_key_to_edit(browser, session, engagement):
    add_system(session, engagement, "Zendesk", "crm")

    page = browser.get(f"/e/{engagement.id}/systems").get_data(as_text=True)

    assert 'tabindex="0" data-row-keys' in page and "data-edit-key" in page
    assert "js/rowkeys.js" in page and "js/chips.js" in page

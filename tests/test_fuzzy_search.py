"""Fuzzy search: typos and partial words find objects in the jump-to search and in the lists, after exact matches."""

from __future__ import annotations

import pytest

from app.services import engagements
from app.services.catalog import fuzzy, listing
from app.services.catalog.elements import save_element
from app.services.catalog.fields import KINDS
from tests.support.capture import add_system


@pytest.fixture
def catalog(session, engagement):
    """A few systems, one of them BrightPearl, and a requirement."""
    for name in ("BrightPearl", "Salesforce Service Cloud", "Shopify Plus", "Fluent OMS"):
        add_system(session, engagement, name)
    save_element(session, engagement, "requirement", {"title": "Store stock visible on web within 60s"})


@pytest.mark.parametrize(
    ("typed", "found"),
    [("brightperl", "BrightPearl"), ("brigthpearl", "BrightPearl"), ("servce cloud", "Salesforce Service Cloud"),
     ("shopfy", "Shopify Plus"), ("stok visible", "Store stock visible on web within 60s")],
)
def test_a_typo_or_a_partial_name_finds_the_object_in_the_jump_to_search(session, engagement, catalog, typed, found):
    names = [e.name for e in engagements.search(session, engagement, typed)]
    assert names and names[0] == found


def test_exact_matches_come_before_fuzzy_ones(session, engagement, catalog):
    add_system(session, engagement, "Brightpearl Sync")

    names = [e.name for e in engagements.search(session, engagement, "brightpearl sync")]
    assert names[0] == "Brightpearl Sync"


def test_text_with_no_close_name_finds_nothing_and_short_text_is_not_guessed(session, engagement, catalog):
    assert engagements.search(session, engagement, "zzqxv") == []
    assert fuzzy.closest_ids(session, engagement.id, "br") == []


def test_a_list_filtered_with_a_typo_shows_the_close_name_and_only_of_its_kind(session, engagement, catalog):
    page = listing.list_page(session, engagement.id, KINDS["system"], q="brightperl")
    assert [s.name for s in page.items] == ["BrightPearl"]

    requirements = listing.list_page(session, engagement.id, KINDS["requirement"], q="brightperl")
    assert requirements.items == []


def test_the_search_box_answers_a_typo(browser, engagement, catalog):
    html = browser.get(f"/e/{engagement.id}/search?q=brightperl", htmx=True).get_data(as_text=True)
    assert "BrightPearl" in html

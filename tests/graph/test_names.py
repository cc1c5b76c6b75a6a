"""Loose names: case, plurals and partial words, with ambiguity reported instead of guessed."""

from __future__ import annotations

from app.graph.names import match_name

CHANNELS = [(1, "Web"), (2, "Mobile app"), (3, "Stores"), (4, "Store associate app"), (5, "Call centre")]


def test_an_exact_name_matches_whatever_the_case():
    assert match_name("WEB", CHANNELS).key == 1


def test_plural_and_singular_match_each_other():
    assert match_name("store", CHANNELS).key == 3
    assert match_name("call centres", CHANNELS).key == 5


def test_a_partial_name_matches_the_closest_channel():
    assert match_name("app", CHANNELS).key == 2  # "Mobile app" has fewer extra words
    assert match_name("call", CHANNELS).key == 5


def test_an_ambiguous_name_lists_the_candidates():
    result = match_name("app", [(1, "Mobile app"), (2, "Kiosk app")])
    assert not result.ok and result.candidates == ("Kiosk app", "Mobile app")
    assert result.message("channel") == "channel 'app' is ambiguous: Kiosk app, Mobile app"


def test_an_unknown_name_says_nothing_matches():
    result = match_name("fax", CHANNELS)
    assert not result.ok and result.message("channel") == "no channel matches 'fax'"


def test_a_code_and_its_label_are_one_option():
    assert match_name("oms", [("oms", "oms"), ("oms", "OMS"), ("erp", "ERP")]).key == "oms"


def test_without_closest_any_two_partial_matches_are_ambiguous():
    scenarios = [(1, "Target A — central OMS"), (2, "Target B — composable")]
    assert match_name("target", scenarios).key == 2
    assert match_name("target", scenarios, closest=False).candidates == tuple(n for _, n in scenarios)
    assert match_name("central", scenarios, closest=False).key == 1

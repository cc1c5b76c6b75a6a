"""Look-alike names and category guesses for new systems. Pure tests: no app, no database."""

from __future__ import annotations

import pytest

from app.capture.suggest import closest, guess_category

CATALOG = ["Shopify Plus", "Fluent OMS", "SAP S/4HANA", "MuleSoft", "Salesforce Service Cloud", "OMS 0042"]


def names(matches):
    return [m.name for m in matches]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Shopfy Plus", "Shopify Plus"),
        ("Fluent", "Fluent OMS"),
        ("fluen oms", "Fluent OMS"),
        ("SAP S4", "SAP S/4HANA"),
        ("Mulesoft Cloud", "MuleSoft"),
    ],
)
def test_typos_partial_names_and_case_differences_find_the_catalog_name(typed, expected):
    assert names(closest(typed, CATALOG))[0] == expected


def test_a_name_equal_to_a_catalog_name_is_a_match_not_a_suggestion():
    assert "Shopify Plus" not in names(closest("shopify   PLUS", CATALOG))


def test_a_name_like_nothing_in_the_catalog_gets_no_suggestion():
    assert closest("Data Hub", CATALOG) == []
    assert closest("Anything", []) == []


def test_at_most_three_suggestions_come_back_best_first():
    catalog = [f"OMS {n:04d}" for n in range(50)]
    found = closest("OMS 001", catalog)
    assert len(found) == 3
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Fluent OMS", "oms"),
        ("SAP S/4", "erp"),
        ("Shopify Plus", "ecommerce"),
        ("MuleSoft", "ipaas"),
        ("Store POS", "pos"),
        ("Adyen", "payment"),
        ("Data Hub", "custom"),
        ("Posh Shop", "custom"),
    ],
)
def test_a_word_in_a_new_systems_name_gives_its_category_away(name, category):
    assert guess_category(name) == category


def test_without_a_hint_the_caller_chooses_the_default():
    assert guess_category("Data Hub", default="ipaas") == "ipaas"
    assert guess_category("Fluent OMS", default="ipaas") == "oms"

"""The identity engine: preparation, deterministic rules, Splink linkage, clusters, golden records, overlap."""

import ast
import math
from datetime import date
from pathlib import Path

import pytest

from app.engines import identity as I
from app.engines.identity_synth import extracts, true_pairs

ROOT = Path(__file__).resolve().parents[2]


def test_emails_are_normalised_and_provider_rules_are_an_option():
    assert I.normalise_email("  John.Smith+shop@GMAIL.com ") == ("john.smith+shop@gmail.com", True)
    assert I.normalise_email("John.Smith+shop@googlemail.com", provider_rules=True) == ("johnsmith@gmail.com", True)
    assert I.normalise_email("j.smith+x@outlook.com", provider_rules=True) == ("j.smith@outlook.com", True)
    assert I.normalise_email("not an email") == (None, False)
    assert I.normalise_email("a@b..com") == (None, False)
    assert I.normalise_email("") == (None, True)


def test_phones_become_e164_with_a_default_region_or_the_records_country():
    assert I.normalise_phone("07911 123456") == ("+447911123456", True)
    assert I.normalise_phone("0044 7911 123456") == ("+447911123456", True)
    assert I.normalise_phone("(07911) 123-456") == ("+447911123456", True)
    assert I.normalise_phone("030 1234567", "DE") == ("+49301234567", True)
    assert I.normalise_phone("+1 415 555 2671", "GB") == ("+14155552671", True)
    assert I.normalise_phone("12") == (None, False)
    assert I.normalise_phone("n/a") == (None, False)
    assert I.normalise_phone("") == (None, True)
    assert I.region_for("Germany", "GB") == "DE" and I.region_for("uk", "FR") == "GB"
    assert I.region_for("", "FR") == "FR"


def test_names_lose_accents_case_punctuation_and_titles_and_know_nicknames():
    assert I.normalise_name("  Dr. José  ") == "jose"
    assert I.normalise_name("Zoë O'Brien-Smith") == "zoe obrien smith"
    assert I.normalise_name("Søren") == "soren"
    assert I.normalise_name("MÜLLER") == "muller"
    assert I.normalise_name("") is None and I.normalise_name(None) is None
    assert "william" in I.name_variants("bill")
    assert "katherine" in I.name_variants("kate")
    assert I.split_full_name("Smith, John") == ("John", "Smith")
    assert I.split_full_name("Mrs Anna Maria Rossi") == ("Anna Maria", "Rossi")
    assert I.normalise_postcode(" ls1 4ab") == "LS14AB"


@pytest.mark.parametrize("text, expected", [
    ("1985-03-12", date(1985, 3, 12)), ("1985-03-12T00:00:00Z", date(1985, 3, 12)), ("12/03/1985", date(1985, 3, 12)),
    ("12.03.1985", date(1985, 3, 12)), ("03/25/1985", date(1985, 3, 25)), ("19850312", date(1985, 3, 12)),
    ("12 March 1985", date(1985, 3, 12)), ("Mar 12, 1985", date(1985, 3, 12)), ("31/02/1985", None),
    ("soon", None), ("", None),
])
def test_dates_in_several_formats(text, expected):
    assert I.parse_date(text) == expected


def test_obvious_test_records_are_flagged_and_not_counted_as_customers():
    records = [
        {"system": "Web", "source_record_id": "1", "first_name": "Test", "last_name": "User", "email": "t@x.co"},
        {"system": "Web", "source_record_id": "2", "first_name": "Ann", "email": "ann@example.com"},
        {"system": "Web", "source_record_id": "3", "first_name": "Ann", "last_name": "Lee", "email": "ann@lee.uk"},
    ]
    result = I.resolve(records, I.Options(probabilistic=False))
    assert [r.test for r in result.records] == [True, True, False]
    assert result.real_customers == 1
    assert result.quality["Web"]["test_records"] == 2


def _record(system, rid, **fields):
    return {"system": system, "source_record_id": rid, **fields}


HOUSEHOLD = [
    _record("Web", "w1", first_name="William", last_name="Jones", email="jones.family@gmail.com",
            phone="07911 123456", updated_at="2024-01-01"),
    _record("POS", "p1", first_name="Bill", last_name="Jones", email="JONES.FAMILY@gmail.com", loyalty_id="L1",
            updated_at="2025-02-01", street="1 New Road"),
    _record("CRM", "c1", first_name="Sarah", last_name="Jones", email="jones.family@gmail.com"),
    _record("CRM", "c2", first_name="W.", last_name="Jones", phone="+44 7911 123456", loyalty_id="l1"),
]


def test_deterministic_rules_link_shared_identifiers_but_not_a_household_sharing_an_email():
    prepared, _ = I.prepare(HOUSEHOLD)
    pairs = {(p.left, p.right): p.rule for p in I.deterministic_pairs(prepared)}
    assert pairs[(0, 1)] == "email"  # William / Bill: a nickname
    assert (0, 2) not in pairs and (1, 2) not in pairs  # Sarah shares the family email: not the same person
    assert pairs[(1, 3)] == "loyalty_id" and pairs[(0, 3)] == "phone"  # "W." is an initial of William
    assert I.deterministic_pairs(prepared, rules=("loyalty_id",)) == [
        p for p in I.deterministic_pairs(prepared) if p.rule == "loyalty_id"]
    result = I.resolve(HOUSEHOLD, I.Options(probabilistic=False))
    assert result.real_customers == 2
    assert result.overlap["by_count"] == {"1": 1, "3": 1}
    assert result.overlap["matrix"]["Web"]["POS"] == 1 and result.overlap["matrix"]["CRM"]["CRM"] == 2
    assert result.duplicate_rate == {"Web": 0.0, "POS": 0.0, "CRM": 0.0}


def test_golden_records_follow_survivorship_rules_per_field():
    result = I.resolve(HOUSEHOLD, I.Options(probabilistic=False, source_priority=("CRM", "POS", "Web")))
    golden = next(g for g in result.golden if len(g["records"]) == 3)
    assert golden["first_name"] == "William"  # most complete
    assert golden["email"] == "jones.family@gmail.com"  # most recent (POS, updated 2025)
    assert golden["sources"]["email"] == "POS:p1"
    assert golden["loyalty_id"] == "L1" and golden["sources"]["loyalty_id"] == "CRM:c2"  # source priority: CRM
    result = I.resolve(HOUSEHOLD, I.Options(probabilistic=False, survivorship={"first_name": "source_priority"},
                                            source_priority=("CRM",)))
    assert next(g for g in result.golden if len(g["records"]) == 3)["first_name"] == "W."
    with pytest.raises(ValueError):
        I.Options(survivorship={"email": "loudest"})
    with pytest.raises(ValueError):
        I.Options(rules=("shoe_size",))


def test_review_decisions_split_or_join_and_survive_a_rerun():
    keys = ("POS:p1", "Web:w1")
    rejected = I.resolve(HOUSEHOLD, I.Options(probabilistic=False, rules=("email",),
                                              decisions={keys: "reject"}))
    assert rejected.real_customers == 4
    accepted = I.resolve(HOUSEHOLD, I.Options(probabilistic=False, rules=(),
                                              decisions={("CRM:c2", "Web:w1"): "accept"}))
    assert accepted.real_customers == 3  # an accepted pair needs no rule (only scored pairs are decided)


@pytest.fixture(scope="module")
def synthetic():
    records = extracts(150, seed=11)
    return records, I.resolve(records)


def test_known_answer_linkage_reaches_precision_and_recall(synthetic):
    records, result = synthetic
    truth = true_pairs(records)
    keys = [r.key for r in result.records]
    found = set()
    for members in result.clusters:
        ordered = sorted(keys[i] for i in members)
        found.update((a, b) for n, a in enumerate(ordered) for b in ordered[n + 1:])
    correct = len(found & truth)
    assert correct / len(found) >= 0.95
    assert correct / len(truth) >= 0.95
    assert result.model["trained"] and result.model["em_sessions"]
    assert result.real_customers < len(records)
    assert set(result.overlap["systems"]) == {"E-commerce", "POS / loyalty", "CRM"}


def test_explanations_sum_to_the_pairs_match_weight(synthetic):
    _, result = synthetic
    scored = [p for p in result.pairs if p.contributions and p.contributions[0].field == "prior"]
    assert scored
    for pair in scored[:50]:
        total = sum(c.weight for c in pair.contributions if not math.isinf(c.weight))
        assert total == pytest.approx(pair.weight, abs=1e-6)
    explained = I.explain(scored[0])
    assert explained[0]["field"] == "prior" and all("words" in e for e in explained)


def test_must_and_must_not_match_pairs():
    records = [
        _record("Web", "1", first_name="Katherine", last_name="Müller", email="k.mueller@web.de",
                phone="0151 2345 6789", country="DE", postal_code="10115", city="Berlin", birth_date="1980-04-02"),
        _record("POS", "2", first_name="Kate", last_name="Muller", phone="+49 151 23456789", postal_code="10115",
                city="Berlin", birth_date="02.04.1980"),
        _record("CRM", "3", first_name="Katharina", last_name="Schmidt", email="kschmidt@gmx.de",
                postal_code="80331", city="München", birth_date="1975-11-30"),
        _record("Web", "4", first_name="Peter", last_name="Müller", email="peter.m@web.de", postal_code="10115",
                city="Berlin", birth_date="1950-01-01"),
    ]
    result = I.resolve(records, I.Options(probabilistic=False))
    assert result.cluster_of[0] == result.cluster_of[1]  # same E.164 phone, Kate ~ Katherine
    assert len({result.cluster_of[0], result.cluster_of[2], result.cluster_of[3]}) == 3


def test_the_engine_is_pure():
    """No Flask, SQLAlchemy, models or app services: only the standard library and matching packages."""
    allowed = {"__future__", "collections", "dataclasses", "datetime", "functools", "itertools", "logging", "math",
               "gc", "operator", "random", "re", "typing", "unicodedata", "phonenumbers", "nicknames", "splink",
               "pyarrow", "duckdb", "numpy", "scipy", "rapidfuzz",
               # backends.py: the Spark session (a JVM, its temporary directories) and Splink's SQL transpiler
               "atexit", "os", "shutil", "tempfile", "weakref", "pyspark", "sqlglot"}
    files = sorted((ROOT / "app" / "engines" / "identity").glob("*.py")) + [ROOT / "app/engines/identity_synth.py"]
    assert len(files) >= 7
    for path in files:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        assert {n.split(".")[0] for n in names} <= allowed, path.name
        assert "_settings_obj" not in text, f"{path.name} reads Splink's private settings object"

"""The identity engine package: column-wise preparation on tricky inputs, progress, training on a sample,
blocking within budget, lazy explanations and the public API the service relies on."""

import math

import pytest

from app.engines import identity as I
from app.engines.identity.phones import _phones
from app.engines.identity_synth import extracts, true_pairs


def _pairs_found(result):
    keys = [r.key for r in result.records]
    found = set()
    for members in result.clusters:
        ordered = sorted(keys[i] for i in members)
        found.update((a, b) for n, a in enumerate(ordered) for b in ordered[n + 1:])
    return found


def _scores(records, result):
    truth, found = true_pairs(records), _pairs_found(result)
    correct = len(found & truth)
    return correct / len(found), correct / len(truth)


TRICKY = [
    {"system": "Web", "source_record_id": "1", "first_name": "  Zoë ", "last_name": "O'Brien-Smith",
     "email": " Zoe.OBrien+newsletter@GMAIL.com ", "phone": "+1 (415) 555-2671", "country": "US",
     "birth_date": "02/04/1980", "postal_code": " sw1a 1aa", "house_number": " 12a "},
    {"system": "Web", "source_record_id": "2", "first_name": "Søren", "last_name": "Müller", "email": "",
     "phone": "0049 30 1234567", "birth_date": "1980-04-02T00:00:00Z", "full_name": "ignored when both are set"},
    {"system": "POS", "source_record_id": "3", "full_name": "Dr. José García", "phone": "030 1234567",
     "country": "Germany", "email": "not-an-email", "birth_date": "31/02/1980"},
    {"system": "POS", "source_record_id": "4"},  # every field empty
    {"system": "", "source_record_id": "", "first_name": None, "phone": "n/a"},
]


def test_preparation_handles_international_phones_plus_tags_accents_and_empty_fields():
    prepared, changed = I.prepare(TRICKY, I.Options(email_provider_rules=True))
    zoe, soren, jose, empty, anonymous = prepared
    assert zoe.values["first_name"] == "zoe" and zoe.values["last_name"] == "obrien smith"
    assert zoe.values["email"] == "zoeobrien@gmail.com"  # Gmail: tag and dots dropped with provider rules
    assert zoe.values["phone"] == "+14155552671"  # the record's country decides the region
    assert zoe.values["birth_date"] == "19800402" and zoe.display["birth_date"] == "1980-04-02"
    assert zoe.values["postal_code"] == "SW1A1AA" and zoe.values["house_number"] == "12a"
    assert soren.values["first_name"] == "soren" and soren.values["last_name"] == "muller"
    assert soren.values["phone"] == "+49301234567" and soren.values.get("email") is None and not soren.issues
    assert soren.values["birth_date"] == zoe.values["birth_date"]
    assert (jose.values["first_name"], jose.values["last_name"]) == ("jose", "garcia")  # split, title dropped
    assert jose.display["first_name"] == "José" and jose.display["last_name"] == "García"  # display keeps accents
    assert jose.values["phone"] == "+49301234567"  # 'Germany' -> DE
    assert jose.issues == ["invalid_email", "invalid_birth_date"]
    assert empty.values == {} and empty.display == {} and empty.issues == [] and not empty.test  # only what is there
    assert set(zoe.values) == {"first_name", "last_name", "email", "phone", "birth_date", "house_number",
                               "postal_code", "country"}
    assert anonymous.system == "unknown" and anonymous.key == "unknown:4" and anonymous.issues == ["invalid_phone"]
    assert changed == {"first_name": 3, "last_name": 3, "email": 1, "phone": 3, "birth_date": 3}
    assert I.prepare(TRICKY, I.Options())[0][0].values["email"] == "zoe.obrien+newsletter@gmail.com"


def test_column_phone_normalisation_agrees_with_the_single_value_normaliser():
    raw = ["07911 123456", "+44 7911 123456", "0044 7911 123456", "(07911) 123-456", "+447911123456", "12", "",
           "n/a", "030 1234567", "+49 30 1234567", "1-800-FLOWERS", "+44 20 7946 0018 ext. 12", "07911 123456"]
    regions = ["GB"] * 8 + ["DE", "GB", "US", "GB", "DE"]
    assert _phones(raw, regions) == [I.normalise_phone(t, r) for t, r in zip(raw, regions, strict=True)]


def test_progress_receives_increasing_fractions_ending_at_one():
    records = extracts(60, seed=3)
    seen = []
    I.resolve(records, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(a <= b for a, b in zip(seen, seen[1:], strict=False))
    assert len(set(seen)) >= 8  # stage boundaries and steps inside the model and golden-record stages
    assert all(0.0 <= f <= 1.0 for f in seen)
    seen.clear()
    I.resolve(records, I.Options(probabilistic=False), progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_the_model_trains_on_a_sample_and_still_finds_the_customers():
    records = extracts(200, seed=5)
    result = I.resolve(records, I.Options(max_training_records=250))
    assert result.model["training_records"] == 250 < len(records)
    precision, recall = _scores(records, result)
    assert precision >= 0.95 and recall >= 0.95


def test_blocking_rules_over_budget_are_left_out_and_reported():
    records = extracts(120, seed=9)
    full = I.resolve(records)
    assert "postal_code" in full.blocking_rules and not full.model["blocking_dropped"]
    tight = I.resolve(records, I.Options(min_block_comparisons=40, block_comparisons_per_record=0.0))
    assert "postal_code" not in tight.blocking_rules
    assert tight.model["blocking_dropped"]["postal_code"] > 40
    assert tight.model["blocking_budget"] == 40
    kept = tight.model["blocking_comparisons"]
    assert sum(kept.values()) <= 40 and list(kept) == tight.blocking_rules  # strongest first, within budget
    assert set(kept) | set(tight.model["blocking_dropped"]) == set(full.blocking_rules)


def test_explanations_are_built_on_demand_and_name_each_level():
    records = extracts(80, seed=13)
    result = I.resolve(records)
    model_pairs = [p for p in result.pairs if not p.rule]
    assert model_pairs and all(p._contributions is None for p in model_pairs)  # nothing explained yet
    pair = model_pairs[0]
    explained = I.explain(pair)
    assert pair._contributions is not None
    assert explained[0]["field"] == "prior"
    assert sum(e["weight"] for e in explained) == pytest.approx(pair.weight, abs=0.01)
    levels = {e["level"] for e in explained[1:]}
    assert not any(level.startswith("level ") for level in levels)  # labels from the saved model document
    linked = [p for p in result.pairs if p.rule and p.contributions[0].field == "prior"]
    for p in linked[:20]:  # a rule link the model scored keeps the model's explanation, then the rule's
        assert math.isinf(p.contributions[-1].weight) and p.contributions[-1].level.endswith("(rule)")
        finite = sum(c.weight for c in p.contributions if not math.isinf(c.weight))
        assert finite == pytest.approx(p.weight, abs=1e-6)


def test_pairs_compare_by_value():
    a = I.Pair(1, 2, 0.9, 3.0, None, (I.Contribution("email", "x", "x", "same", 3.0),))
    b = I.Pair(1, 2, 0.9, 3.0, None, (I.Contribution("email", "x", "x", "same", 3.0),))
    assert a == b and hash(a) == hash(b) and a != I.Pair(1, 3, 0.9, 3.0)


def test_the_public_api_stays_importable_from_the_package():
    for name in ("Options", "Prepared", "Pair", "Result", "Contribution", "resolve", "explain", "golden_record",
                 "quality", "overlap", "duplicate_rates", "normalise_email", "normalise_phone", "normalise_name",
                 "normalise_postcode", "parse_date", "region_for", "is_test_record", "prepare",
                 "deterministic_pairs", "FIELDS", "RULES", "LABELS", "GOLDEN_FIELDS"):
        assert hasattr(I, name), name


def test_explanations_name_the_right_records_when_test_records_are_left_out():
    records = [{"system": "Web", "source_record_id": "t", "first_name": "Test", "email": "test@example.com"}]
    records += extracts(60, seed=21)
    result = I.resolve(records)
    assert result.records[0].test
    for pair in [p for p in result.pairs if not p.rule][:30]:
        left, right = result.records[pair.left], result.records[pair.right]
        by_field = {c.field: c for c in pair.contributions}
        for name in ("first_name", "last_name", "email"):
            if name in by_field:
                assert (by_field[name].left, by_field[name].right) == (left.values.get(name), right.values.get(name))


def test_no_blocking_rule_within_budget_means_no_model_rather_than_every_pair():
    records = extracts(40, seed=2)
    result = I.resolve(records, I.Options(min_block_comparisons=0, block_comparisons_per_record=0.0))
    assert result.model["trained"] is False and "budget" in result.model["reason"]
    assert all(p.rule for p in result.pairs)  # deterministic rules still link
    assert result.real_customers < len(records)


def test_swapped_names_count_once_and_an_address_with_typos_is_still_the_same_home():
    records = extracts(150, seed=21)
    original = next(r for r in records if r["birth_date"] and r["street"] and r["house_number"])
    street = original["street"]
    postcode = original["postal_code"].replace(" ", "").upper()
    copy = {"system": original["system"], "source_record_id": "SWAPPED-1", "person": original["person"],
            "first_name": original["last_name"], "last_name": original["first_name"],
            "birth_date": original["birth_date"], "street": street[:3] + street[4] + street[3] + street[5:],
            "house_number": original["house_number"], "city": original["city"],
            "postal_code": postcode[:-1] + ("X" if postcode[-1] != "X" else "Y")}
    result = I.resolve([*records, copy])
    pair = result.pair(f"{original['system']}:{original['source_record_id']}", f"{copy['system']}:SWAPPED-1")
    assert pair is not None
    explained = {c.field: c for c in pair.contributions}
    assert explained["first_name"].level == "swapped with the last name" and explained["first_name"].weight > 0
    assert explained["last_name"].level == "swapped with the first name (counted there)"
    assert explained["last_name"].weight == 0  # neutral, not "different"
    assert explained["postal_code"].level == "same address with a typo" and explained["postal_code"].weight > 0
    assert sum(c.weight for c in pair.contributions) == pytest.approx(pair.weight, abs=0.01)
    assert result.cluster_of[pair.left] == result.cluster_of[pair.right]

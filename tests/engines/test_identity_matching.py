"""How the identity model weighs evidence: loyalty ids are personal, birth-date slips are not a household,
names keyed in each other's field, and addresses compared part by part when the postcode is missing."""

import math

import pytest

from app.engines import identity as I
from app.engines.identity.model import M_FLOOR, _floor_m, prior_recall
from app.engines.identity_synth import extracts


def _record(system, rid, **values):
    return {"system": system, "source_record_id": rid, **values}


def _explained(result, a, b):
    pair = result.pair(a, b)
    assert pair is not None, f"{a} and {b} were not compared"
    return pair, {c.field: c for c in pair.contributions}


def _with_copy(seed, change):
    """A generated extract plus one altered copy of a complete record (the copy's key is 'Copy:1')."""
    records = extracts(800, seed=seed)
    original = next(r for r in records if r["birth_date"] and r["street"] and r["house_number"] and r["city"]
                    and r["postal_code"])
    copy = {**original, "system": "Copy", "source_record_id": "1", "email": "", "phone": "", "loyalty_id": ""}
    change(copy, original)
    return [*records, copy], f"{original['system']}:{original['source_record_id']}"


def test_a_shared_loyalty_id_links_records_whatever_their_first_names_say():
    records = [_record("POS", "p1", first_name="Holly", last_name="Webb", loyalty_id="L 5682368"),
               _record("CRM", "c1", first_name="Haklra", last_name="Hokly", loyalty_id="l5682368"),
               _record("Web", "w1", first_name="Sarah", last_name="Webb", email="webb@mail.com"),
               _record("Web", "w2", first_name="Tom", last_name="Webb", email="webb@mail.com")]
    prepared, _ = I.prepare(records)
    rules = {(p.left, p.right): p.rule for p in I.deterministic_pairs(prepared)}
    assert rules == {(0, 1): "loyalty_id"}  # the shared family email still needs compatible first names
    assert I.resolve(records, I.Options(probabilistic=False)).real_customers == 3


def test_a_birth_date_one_keying_slip_apart_releases_the_household_guard():
    def retyped(copy, original):
        day = original["birth_date"][-1]
        copy["birth_date"] = original["birth_date"][:-1] + ("1" if day != "1" else "2")
        copy["first_name"] = "Zebedee"  # a first name that is not the original's, as in a household

    records, original = _with_copy(31, retyped)
    pair, explained = _explained(I.resolve(records, I.Options(review_low=0.01)), original, "Copy:1")
    assert explained["first_name"].level == "different"
    assert explained["birth_date"].level == "one typo apart"
    assert pair.held is None

    def other_birthday(copy, original):
        retyped(copy, original)
        copy["birth_date"] = "1911-11-11"

    records, original = _with_copy(31, other_birthday)
    pair, _ = _explained(I.resolve(records, I.Options(review_low=1e-9)), original, "Copy:1")
    assert pair.held is not None and "household" in pair.held


def test_a_name_entered_in_the_other_name_field_counts_once_on_the_first_name():
    def crossed(copy, original):
        copy["first_name"], copy["last_name"] = "Howie", original["first_name"]

    records, original = _with_copy(32, crossed)
    pair, explained = _explained(I.resolve(records), original, "Copy:1")
    assert explained["first_name"].level == "one name entered in the other name field"
    assert explained["first_name"].weight > 0
    assert explained["last_name"].level == "one name in the other name field (counted on the first name)"
    assert explained["last_name"].weight == 0
    assert sum(c.weight for c in pair.contributions) == pytest.approx(pair.weight, abs=0.01)


def test_without_a_postcode_the_street_and_city_are_still_compared():
    def no_postcode(copy, original):
        copy["postal_code"], copy["house_number"] = "", ""

    records, original = _with_copy(33, no_postcode)
    _, explained = _explained(I.resolve(records), original, "Copy:1")
    assert explained["postal_code"].level == "same street and city, other postcode or number"
    assert explained["postal_code"].weight > 0

    def nothing_to_compare(copy, original):
        copy["postal_code"], copy["street"], copy["city"], copy["house_number"] = "", "", "", ""

    records, original = _with_copy(33, nothing_to_compare)
    _, explained = _explained(I.resolve(records), original, "Copy:1")
    assert explained["postal_code"].level == "missing on one side" and explained["postal_code"].weight == 0


def test_no_single_field_vetoes_a_pair_even_when_training_never_saw_its_level():
    records = extracts(300, seed=34)  # small and clean: EM sees no true match with, say, a moved address
    result = I.resolve(records, I.Options(review_low=1e-9))
    assert result.model["m_floored"]  # levels EM had pushed towards m = 0
    lowest = min(c.weight for p in result.pairs if not p.rule for c in p.contributions if c.field != "prior")
    assert lowest >= math.log2(M_FLOOR)  # weight = log2(m / u) and u <= 1


def test_the_m_floor_keeps_each_comparison_a_distribution():
    document = {"comparisons": [{"output_column_name": "city", "comparison_levels": [
        {"is_null_level": True, "m_probability": None},
        {"label_for_charts": "same", "m_probability": 0.9999},
        {"label_for_charts": "different", "m_probability": 1e-40}]}]}
    assert _floor_m(document) == ["city: different"]
    levels = document["comparisons"][0]["comparison_levels"][1:]
    assert levels[1]["m_probability"] == M_FLOOR
    assert sum(lv["m_probability"] for lv in levels) == pytest.approx(1.0)


def test_a_failed_em_session_leaves_no_trace_in_the_model(monkeypatch):
    from splink.internals.linker_components.training import LinkerTraining

    records = extracts(300, seed=35)
    real = LinkerTraining.estimate_parameters_using_expectation_maximisation

    def run(update_before_failing: bool):
        calls = []

        def first_session_fails(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 1:  # Splink refuses a session after it has already changed the parameters
                if update_before_failing:
                    real(self, *args, **kwargs)
                raise ValueError("m_probability value 0.0 is below the minimum allowed value")
            return real(self, *args, **kwargs)

        monkeypatch.setattr(LinkerTraining, "estimate_parameters_using_expectation_maximisation",
                            first_session_fails)
        result = I.resolve(records)
        return result, [(p.left, p.right, round(p.probability, 9)) for p in result.pairs]

    half_updated, scored = run(update_before_failing=True)
    refused, scored_cleanly = run(update_before_failing=False)
    assert half_updated.model["em_notes"][0].startswith("first_name+last_name: m_probability")
    assert half_updated.model["em_sessions"] == refused.model["em_sessions"]
    assert ["first_name", "last_name"] not in half_updated.model["em_sessions"]
    assert len(half_updated.model["em_sessions"]) == 2  # the next candidates took its place
    assert scored == scored_cleanly  # the failed session's partial update was thrown away


def test_the_prior_counts_on_the_rules_finding_only_matches_whose_fields_are_filled_in():
    import pyarrow as pa

    table = pa.table({"email": ["a@x.io", None, "b@x.io", None], "birth_date": ["19800101", None, None, "19900101"],
                      "last_name": ["ng", "ng", None, "li"]})
    assert prior_recall(table, [("email",)]) == pytest.approx(0.8 * 0.5 ** 2)
    assert prior_recall(table, [("email",), ("birth_date", "last_name")]) == pytest.approx(0.8 * 0.75 ** 2)
    assert prior_recall(table.slice(1, 1), [("email",)]) == 0.05  # never zero: Splink divides by it


def test_an_extract_of_last_names_and_birth_dates_still_finds_the_people_who_share_both():
    base = extracts(1500, seed=12)
    records = [{"system": r["system"], "source_record_id": r["source_record_id"],
                **{c: r[c] for c in ("last_name", "birth_date") if r.get(c)}} for r in base]
    result = I.resolve(records)
    person = {f"{r['system']}:{r['source_record_id']}": r["person"] for r in base}
    alike = [(i, j) for i, a in enumerate(result.records) for j in range(i + 1, len(result.records))
             if (b := result.records[j]).values.get("birth_date") and a.values.get("birth_date") == b.values.get(
                 "birth_date") and a.values.get("last_name") == b.values.get("last_name")
             and person[a.key] == person[b.key]]
    merged = sum(1 for i, j in alike if result.cluster_of[i] == result.cluster_of[j])
    assert len(alike) > 100 and merged / len(alike) >= 0.9  # 2 % before the prior took missing dates into account


def test_a_placeholder_email_shared_by_a_store_links_no_one_and_is_reported():
    records = extracts(400, seed=36)
    pos = [r for r in records if r["system"] == "POS / loyalty"]
    for r in pos[:60]:
        r["email"] = "Store@Northwind-Living.com"
        r["first_name"] = ""  # no first name to tell the customers apart either
    result = I.resolve(records)
    keys = [f"POS / loyalty:{r['source_record_id']}" for r in pos[:60]]
    customers = {result.cluster_of[next(x.index for x in result.records if x.key == k)] for k in keys}
    assert len(customers) > 50  # before: one customer of 60 records
    assert result.placeholders == {"email": {"store@northwind-living.com": 60}}
    assert result.quality["POS / loyalty"]["shared_identifier"] == 60
    assert result.summary()["placeholders"] == {"email": [["store@northwind-living.com", 60]]}
    held = next(x for x in result.records if x.key == keys[0])
    assert "email" not in held.values and held.display["email"] == "store@northwind-living.com"
    assert "shared_email" in held.issues
    family = I.resolve(records, I.Options(max_shared_identifier=100))  # the consultant says it is one account
    assert family.placeholders == {}
    with pytest.raises(ValueError):
        I.Options(max_shared_identifier=1)


def test_anonymous_till_sales_are_left_out_but_a_person_called_guest_is_not():
    records = [_record("POS", "1", first_name="Walk-in", last_name="Customer"),
               _record("POS", "2", full_name="GUEST"),
               _record("POS", "3", first_name="Cash", last_name="Sale"),
               _record("POS", "4", first_name="Unknown", last_name="Smith"),
               _record("POS", "5", first_name="John", last_name="Guest"),
               _record("POS", "6", first_name="Anna", last_name="Customer-Smith")]
    prepared, _ = I.prepare(records)
    assert [r.test for r in prepared] == [True, True, True, True, False, False]
    assert [I.is_test_record(r.values) for r in prepared] == [r.test for r in prepared]


def test_names_in_other_scripts_are_kept_so_a_household_sharing_an_email_stays_two_people():
    assert I.fold("Иван Петров") == "иван петров" and I.fold("王伟") == "王伟"
    assert I.fold("Ελένη") == "ελενη" and I.fold("Zoë O'Brien") == "zoe obrien"
    records = [_record("Web", "1", first_name="Иван", last_name="Петров", email="petrov@mail.ru"),
               _record("POS", "2", first_name="ИВАН", last_name="Петров", email="PETROV@mail.ru"),
               _record("CRM", "3", first_name="Мария", last_name="Петрова", email="petrov@mail.ru")]
    prepared, _ = I.prepare(records)
    assert prepared[0].values["first_name"] == prepared[1].values["first_name"] == "иван"
    assert {(p.left, p.right) for p in I.deterministic_pairs(prepared)} == {(0, 1)}

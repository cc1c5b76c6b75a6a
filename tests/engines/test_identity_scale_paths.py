"""The identity engine's fast paths give what the obvious, one-record-at-a-time code gives: preparation against
the single-value normalisers, columnar input against dicts, golden records by dict merging against the
survivorship rules as written, components against union-find, and lazily built golden records against the list."""

import random
import re
from collections import Counter

import pytest

from app.engines import identity as I
from app.engines.identity.clusters import GoldenRecords, _golden, _rules, components
from app.engines.identity.normalise import normalise_street
from app.engines.identity_synth import extracts

CELLS = {
    "first_name": [None, "", "  ", "John", "Dr. José", "  zoë ", "BILL", "Mr", "Mrs Jane", "j", "Test", "mickey",
                   "Søren", 12, "Anne-Marie", "O'Neil", "Łukasz", "Kate", "A.", "Dame Judi", "ﬁona", "  John  "],
    "last_name": [None, "", "Smith", "smith", "O'Brien-Smith", "MÜLLER", "García", "Doe", "Mouse", "test", 7, "x"],
    "full_name": [None, "", "Smith, John", "Mr John A. Smith", "Madonna", "Mickey Mouse", ",", "Jones,", ", Ann",
                  "  Sir   Elton  John ", "mr mrs"],
    "email": [None, "", "JOHN@Example.com", " a.b+tag@gmail.com", "x@y", "mailto:Ann@Shop.co.uk", "a..b@c.com",
              "test@foo.com", "noreply@shop.de", "jo hn@outlook.com;", "<ann@btinternet.com>", "bad", 5,
              "A.B.C+x@googlemail.com"],
    "phone": [None, "", "07700 900123", "+44 7700 900123", "0044 7700 900123", "(07700) 900-123", "123",
              "+49 30 123456", "030 123456", "+1 212 555 0100", "212-555-0100", "abc", "+0123456", "7700900123",
              "+33 1 23 45 67 89", "01 23 45 67 89", "+44 (0) 20 7946 0958", "020 7946 0958", 447700900123,
              "++44 7700 900123", "06 1234 5678", "+31 6 12345678", "9"],
    "birth_date": [None, "", "1985-03-12", "12/03/1985", "04/13/1985", "12.03.1985", "12-03-85", "19850312",
                   "19851399", "12 March 1985", "Mar 12, 1985", "31/02/1990", "yesterday", 19850312],
    "street": [None, "", "High Street", "high  street", "Königstraße", "Station Rd.", "Queen's Road", 3],
    "house_number": [None, "", "12", "12 a", " 7 ", 4, "Flat 3, 2"],
    "city": [None, "", "London", "LONDON", " london ", "München", "Saint-Étienne"],
    "postal_code": [None, "", "ls1 4ab ", "LS1 4AB", "sw1a1aa", "10115", "D-80331", "--", 12345],
    "country": [None, "", "GB", "UK", "Germany", "de", "France", "United States", "Narnia", "NL", 3],
    "loyalty_id": [None, "", "L100001", "l 100 001", " L100001 ", 100001],
    "created_at": [None, "", "2020-01-05", "05/01/2020", "2021-13-01", "Jan 5, 2020"],
    "updated_at": [None, "", "2022-02-02", "02.02.2022", "junk"],
    "system": [None, "", "A", "B", " CRM ", 7],
}


def _tricky(n, seed):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        record = {name: rng.choice(pool) for name, pool in CELLS.items() if rng.random() < 0.85}
        if rng.random() < 0.9:
            record["source_record_id"] = rng.choice([f"R{i}", i, "", None, f"R{i % 40}"])
        out.append(record)
    return out


def _text(value):
    return "" if value is None or value == "" else str(value).strip()


def _reference(records, options):
    """prepare() the obvious way: one record at a time with the public single-value functions."""
    out, changed = [], Counter()
    for i, r in enumerate(records):
        t = {f: _text(r.get(f)) for f in I.FIELDS}
        first, last = t["first_name"], t["last_name"]
        if t["full_name"] and not (first and last):
            first_split, last_split = I.split_full_name(t["full_name"])
            first, last = first or first_split or "", last or last_split or ""
        email, email_ok = I.normalise_email(t["email"], options.email_provider_rules)
        phone, phone_ok = I.normalise_phone(t["phone"], I.region_for(t["country"], options.default_region))
        born = I.parse_date(t["birth_date"], options.day_first)
        digits = re.sub(r"\D", "", t["birth_date"])
        country = I.region_for(t["country"], "") or None
        loyalty = re.sub(r"\s+", "", t["loyalty_id"]).upper() or None
        values = {"first_name": I.normalise_name(first), "last_name": I.normalise_name(last), "email": email,
                  "phone": phone, "birth_date": born.strftime("%Y%m%d") if born else (digits if len(digits) == 8
                                                                                      else None),
                  "street": normalise_street(t["street"]),
                  "house_number": I.fold(t["house_number"]).replace(" ", "") or None,
                  "city": I.fold(t["city"]) or None, "postal_code": I.normalise_postcode(t["postal_code"]),
                  "country": country, "loyalty_id": loyalty}
        display = {"first_name": " ".join(first.split()) or None, "last_name": " ".join(last.split()) or None,
                   "email": email, "phone": phone, "birth_date": born.isoformat() if born else None,
                   "street": " ".join(t["street"].split()) or None, "house_number": t["house_number"] or None,
                   "city": " ".join(t["city"].split()) or None,
                   "postal_code": " ".join(t["postal_code"].upper().split()) or None,
                   "country": country or (t["country"] or None), "loyalty_id": loyalty}
        for name, before in (("first_name", first), ("last_name", last), ("email", t["email"]),
                             ("phone", t["phone"]), ("birth_date", t["birth_date"]),
                             ("postal_code", t["postal_code"])):
            plain = " ".join(before.casefold().split())
            if name == "postal_code":
                plain = plain.replace(" ", "").upper()
            if before and values[name] and values[name] != plain:
                changed[name] += 1
        issues = [issue for issue, bad in (("invalid_email", bool(t["email"]) and not email_ok),
                                           ("invalid_phone", not phone_ok),
                                           ("invalid_birth_date", bool(t["birth_date"]) and born is None)) if bad]
        stamp = t["updated_at"] or t["created_at"]
        recency = d.isoformat() if (d := I.parse_date(stamp, options.day_first)) else ""
        first_value = values["first_name"]
        variants = (I.name_variants(first_value) if options.nicknames
                    else ((first_value.split()[0],) if first_value else ()))
        system = _text(r.get("system")) or "unknown"
        source_id = str(r.get("source_record_id") or i)
        out.append((i, f"{system}:{source_id}", system, source_id, {k: v for k, v in values.items() if v},
                    {k: v for k, v in display.items() if v}, variants, recency, issues, I.is_test_record(values)))
    return out, dict(changed)


def _plain(prepared):
    return [(p.index, p.key, p.system, p.source_record_id, p.values, p.display, p.variants, p.recency, p.issues,
             p.test) for p in prepared]


@pytest.mark.parametrize("options", [
    I.Options(),
    I.Options(email_provider_rules=True, nicknames=False, day_first=False, default_region="DE"),
])
def test_preparation_equals_the_single_value_functions_record_by_record(options):
    records = _tricky(1500, seed=4) + extracts(80, seed=6)
    prepared, changed = I.prepare(records, options)
    expected, expected_changed = _reference(records, options)
    assert _plain(prepared) == expected
    assert changed == expected_changed and changed  # something was normalised
    assert any(p.test for p in prepared) and any(p.issues for p in prepared)


def test_one_region_and_several_regions_read_phones_alike():
    one = [{"phone": "07911 123456"}, {"phone": "+49 30 1234567"}, {"phone": "07911 123456", "country": "GB"}]
    several = [*one, {"phone": "030 1234567", "country": "Germany"}]
    assert [p.values.get("phone") for p in I.prepare(one)[0]] == ["+447911123456", "+49301234567", "+447911123456"]
    assert [p.values.get("phone") for p in I.prepare(several)[0]] == [
        "+447911123456", "+49301234567", "+447911123456", "+49301234567"]


def test_unhashable_cells_are_read_as_their_text():
    records = [{"system": "A", "first_name": ["Ann"], "email": "ann@shop.com"}, {"system": "A", "first_name": "Ann"}]
    prepared, _ = I.prepare(records)
    assert prepared[0].display["first_name"] == "['Ann']" and prepared[0].values["first_name"] == "ann"
    assert prepared[1].values["first_name"] == "ann"


def test_columns_prepare_and_resolve_like_the_same_records_as_dicts():
    records = _tricky(400, seed=8)
    columns = {name: [r.get(name) for r in records] for name in (*I.FIELDS, "system", "source_record_id")}
    del columns["loyalty_id"]  # an absent column is an empty one
    dicts = [{k: v for k, v in r.items() if k != "loyalty_id"} for r in records]
    assert _plain(I.prepare(columns)[0]) == _plain(I.prepare(dicts)[0])
    assert I.prepare(columns)[1] == I.prepare(dicts)[1]
    people = extracts(60, seed=3)
    by_column = {name: [r.get(name) for r in people] for name in (*I.FIELDS, "system", "source_record_id")}
    from_columns, from_dicts = I.resolve(by_column), I.resolve(people)
    assert from_columns.clusters == from_dicts.clusters and list(from_columns.golden) == list(from_dicts.golden)
    assert I.prepare({}) == ([], {}) and I.prepare([]) == ([], {})
    with pytest.raises(ValueError, match="one cell per record"):
        I.prepare({"email": ["a@b.com"], "phone": []})


@pytest.mark.parametrize("survivorship", [{}, {"email": "most_common", "city": "most_complete",
                                               "first_name": "most_recent", "phone": "source_priority"}])
def test_golden_records_by_merging_equal_the_survivorship_rules_as_written(survivorship):
    records = extracts(200, seed=17)
    result = I.resolve(records, I.Options(source_priority=("CRM",), survivorship=survivorship))
    systems = list(dict.fromkeys(r.system for r in result.records))
    priority = ["CRM"] + [s for s in systems if s != "CRM"]
    rank = {s: i for i, s in enumerate(priority)}
    several = [n for n, c in enumerate(result.clusters) if len(c) > 1]
    assert len(several) > 50
    for number in several:
        members = [result.records[i] for i in result.clusters[number]]
        by_priority = sorted(members, key=lambda r: (rank.get(r.system, len(rank)), r.index))
        assert result.golden[number] == _golden(members, by_priority, _rules(survivorship), number)
        assert result.golden[number] == I.golden_record(members, priority, survivorship, number)


def test_golden_records_are_built_when_read_and_behave_like_the_list():
    records = extracts(60, seed=12)
    result = I.resolve(records, I.Options(probabilistic=False))
    systems = list(dict.fromkeys(r.system for r in result.records))
    eager = I.golden_records(result.records, result.clusters, systems, {})
    golden = result.golden
    assert isinstance(golden, GoldenRecords) and len(golden) == len(eager) == result.real_customers
    assert list(golden) == eager and golden == eager and golden[:5] == eager[:5] and golden[-1] == eager[-1]
    assert golden[3] is not golden[3]  # built on each read: nothing held
    with pytest.raises(IndexError):
        golden[len(eager)]


def test_golden_record_of_records_with_empty_display_values_skips_them():
    a = I.Prepared(0, "A:1", "A", "1", {"email": "x@y.com"}, {"email": "x@y.com", "city": ""}, recency="2020-01-01")
    b = I.Prepared(1, "B:1", "B", "1", {"city": "leeds"}, {"city": "Leeds", "email": None}, recency="2019-01-01")
    golden = GoldenRecords([a, b], [[0, 1]], ["A", "B"], {})[0]
    assert golden["email"] == "x@y.com" and golden["city"] == "Leeds"
    assert golden["sources"] == {"email": "A:1", "city": "B:1"}
    quality = I.quality([a, b], ["A", "B"])
    assert quality["A"]["fill_rate"]["city"] == 0.0 and quality["B"]["fill_rate"]["city"] == 1.0
    assert quality["B"]["fill_rate"]["email"] == 0.0


def test_components_are_rooted_at_their_lowest_item():
    links = [(5, 3), (3, 8), (1, 2), (9, 9), (7, 6)]
    assert components(10, links) == [0, 1, 1, 3, 4, 3, 6, 6, 3, 9]
    assert components(3, []) == [0, 1, 2] and components(0, []) == []

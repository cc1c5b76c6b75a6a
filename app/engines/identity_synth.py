"""Synthetic customer extracts with a known truth: the demo's files, the tests' known answer and the bench.

Each person may appear in several systems and more than once in one; copies get realistic damage: typos,
nicknames, other phone formats, upper-case emails, a moved address, missing fields. Households share an email
and an address (different people: they must not be merged). Deterministic for a seed; pure Python.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

FIRST = ("James", "Oliver", "William", "Thomas", "Robert", "Jonathan", "Daniel", "Matthew", "Samuel", "Joseph",
         "Olivia", "Amelia", "Isla", "Emily", "Katherine", "Elizabeth", "Margaret", "Charlotte", "Sophie", "Jessica",
         "Zoë", "José", "Chloé", "Anaïs", "Søren", "Niamh", "Priya", "Mohammed", "Aisha", "Wei")
NICK = {"William": "Bill", "Robert": "Bob", "Thomas": "Tom", "Jonathan": "Jon", "Daniel": "Dan",
        "Matthew": "Matt", "Samuel": "Sam", "Joseph": "Joe", "Katherine": "Kate", "Elizabeth": "Liz",
        "Margaret": "Maggie", "Jessica": "Jess", "James": "Jim"}
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
        "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
        "Khan", "O'Brien", "Müller", "García", "Nguyen", "McDonald", "Fitzgerald", "Okafor", "Kowalski",
        "Hughes", "Edwards", "Harrison", "Lewis", "Morgan", "Baker", "Cooper", "Ward", "Turner", "Hill")
CITIES = (("London", "SW1A"), ("Manchester", "M1"), ("Leeds", "LS1"), ("Bristol", "BS1"), ("Glasgow", "G1"),
          ("Birmingham", "B1"), ("Liverpool", "L1"), ("Edinburgh", "EH1"), ("Cardiff", "CF10"), ("York", "YO1"))
STREETS = ("High Street", "Station Road", "Church Lane", "Park Avenue", "Victoria Road", "Mill Lane",
           "King Street", "Queen's Road", "Green Lane", "Manor Close")
DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com", "icloud.com", "hotmail.co.uk")
# Wider pools for large extracts (diverse=True): a million customers do not share 30 first and 40 last names,
# and blocking on names would be quadratic if they did.
_STEMS = ("Ash", "Brad", "Carl", "Dun", "Els", "Fair", "Gold", "Hart", "Kings", "Lang", "Mor", "North", "Old", "Pem",
          "Ross", "Shel", "Thorn", "Wal", "Whit", "Win", "Ack", "Bur", "Chad", "Dray", "Ed", "Farn", "Glad", "Hol",
          "Ing", "Kel", "Lynd", "Mar", "New", "Ock", "Pit", "Rad", "Sand", "Tad", "Up", "Wick")
_ENDS = ("ley", "ton", "field", "wood", "worth", "by", "ford", "ham", "well", "more", "ridge", "brook", "combe",
         "stone", "man", "er", "ing", "cott", "den", "hurst")
WIDE_LAST = LAST + tuple(a + b for a in _STEMS for b in _ENDS)
WIDE_FIRST = FIRST + tuple(a + b for a in ("Al", "Ben", "Car", "Dan", "El", "Fen", "Gal", "Har", "Is", "Jas", "Kel",
                                          "Lor", "Mar", "Nel", "Or", "Per", "Ros", "Sel", "Tam", "Vin")
                           for b in ("a", "o", "ie", "en", "ine", "ia", "us", "ey", "an", "ette"))
WIDE_STREETS = STREETS + tuple(f"{a}{b} {c}" for a in _STEMS for b in ("", "ley") for c in
                               ("Road", "Street", "Lane", "Avenue", "Close"))


def typo(rng: random.Random, text: str) -> str:
    """`text` with one keying slip: two letters swapped, one dropped or one replaced (short text unchanged)."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # transposition
    if kind < 0.7:
        return text[:i] + text[i + 1:]  # deletion
    return text[:i] + rng.choice("aeiourstln") + text[i + 1:]  # substitution


def _phone_format(rng: random.Random, digits: str) -> str:
    """digits: the national number without the 0 (10 digits, 7…)."""
    style = rng.randrange(4)
    if style == 0:
        return f"0{digits[:4]} {digits[4:]}"
    if style == 1:
        return f"+44 {digits[:4]} {digits[4:]}"
    if style == 2:
        return f"0044{digits}"
    return f"(0{digits[:4]}) {digits[4:7]}-{digits[7:]}"


def people(n: int, seed: int = 7, diverse: bool = False) -> list[dict[str, Any]]:
    """n people; about 8 % share a household (email and address) with the previous person. `diverse` draws
    names and streets from wider pools (for large extracts)."""
    rng = random.Random(seed)
    firsts, lasts, streets = (WIDE_FIRST, WIDE_LAST, WIDE_STREETS) if diverse else (FIRST, LAST, STREETS)
    out = []
    for pid in range(n):
        first, last = rng.choice(firsts), rng.choice(lasts)
        city, area = rng.choice(CITIES)
        person = {
            "person": pid, "first_name": first, "last_name": last,
            "email": f"{first[:1].lower()}{last.lower().replace(chr(39), '')}{rng.randrange(1, 9999)}"
                     f"@{rng.choice(DOMAINS)}".encode("ascii", "ignore").decode(),
            "phone": f"7{rng.choice('4589')}{rng.randrange(10, 99)}{rng.randrange(100000, 999999)}",
            "birth_date": f"{rng.randrange(1945, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "street": rng.choice(streets), "house_number": str(rng.randrange(1, 200)), "city": city,
            "postal_code": f"{area} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                           f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            "loyalty_id": f"L{100000 + pid}",
        }
        if out and rng.random() < 0.08 and out[-1].get("household") is None:  # partner at the same address
            prev = out[-1]
            person.update({k: prev[k] for k in ("last_name", "email", "street", "house_number", "city",
                                                "postal_code")})
            person["first_name"] = rng.choice([f for f in FIRST if f != prev["first_name"]])  # same pool: stable
            person["household"] = prev["person"]
        out.append(person)
    return out


def extracts(n: int, systems: Sequence[str] = ("E-commerce", "POS / loyalty", "CRM"), seed: int = 7,
             presence: Sequence[float] = (0.7, 0.55, 0.45), duplicate: float = 0.08,
             damage: float = 0.3, diverse: bool = False) -> list[dict[str, Any]]:
    """Customer records of n people across systems; each record has `system`, `source_record_id` and
    `person` (the truth). `presence[i]` is the chance a person is in system i; `duplicate` of a second copy;
    `diverse` uses wider name and street pools (the bench's million records)."""
    rng = random.Random(seed + 1)
    records: list[dict[str, Any]] = []
    counters = [0] * len(systems)
    streets = WIDE_STREETS if diverse else STREETS
    for person in people(n, seed, diverse):
        placed = [i for i, p in enumerate(presence) if rng.random() < p] or [rng.randrange(len(systems))]
        for i in placed:
            copies = 2 if rng.random() < duplicate else 1
            for _ in range(copies):
                counters[i] += 1
                records.append(_copy(rng, person, systems[i], i, counters[i], damage, streets))
    rng.shuffle(records)
    return records


def _copy(rng: random.Random, person: dict[str, Any], system: str, number: int, counter: int,
          damage: float, streets: Sequence[str] = STREETS) -> dict[str, Any]:
    first, last = person["first_name"], person["last_name"]
    record: dict[str, Any] = {"system": system, "source_record_id": f"{'ABC'[number % 3]}{counter:06d}",
                              "person": person["person"]}
    if rng.random() < damage:
        what = rng.randrange(5)
        if what == 0 and first in NICK:
            first = NICK[first]
        elif what == 1:
            first = typo(rng, first)
        elif what == 2:
            last = typo(rng, last)
        elif what == 3:
            first, last = first.upper(), last.upper()
        else:
            first = first.encode("ascii", "ignore").decode() or first  # accents lost
    record["first_name"], record["last_name"] = first, last
    record["email"] = person["email"] if rng.random() > 0.15 else ""
    if record["email"] and rng.random() < 0.2:
        record["email"] = record["email"].upper() if rng.random() < 0.5 else f" {record['email']}"
    record["phone"] = _phone_format(rng, person["phone"]) if rng.random() > 0.2 else ""
    record["birth_date"] = ""
    if number != 0 and rng.random() < 0.8:  # the web shop rarely asks
        y, m, d = person["birth_date"].split("-")
        record["birth_date"] = rng.choice((person["birth_date"], f"{d}/{m}/{y}", f"{d}.{m}.{y}"))
    moved = rng.random() < 0.1
    record["street"] = rng.choice(streets) if moved else person["street"]
    record["house_number"] = str(rng.randrange(1, 200)) if moved else person["house_number"]
    record["city"] = person["city"]
    record["postal_code"] = person["postal_code"] if not moved else person["postal_code"][:-2] + "ZZ"
    if rng.random() < 0.3:
        record["postal_code"] = record["postal_code"].replace(" ", "").lower()
    record["country"] = "GB"
    record["loyalty_id"] = person["loyalty_id"] if number == 1 or (number == 0 and rng.random() < 0.3) else ""
    year = rng.randrange(2019, 2026)
    record["created_at"] = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    record["updated_at"] = f"{min(year + rng.randrange(0, 2), 2025)}-{rng.randrange(1, 13):02d}-01"
    return record


def true_pairs(records: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
    """The truth: every pair of record keys (system:source_record_id) of the same person."""
    by_person: dict[int, list[str]] = {}
    for r in records:
        by_person.setdefault(r["person"], []).append(f"{r['system']}:{r['source_record_id']}")
    out = set()
    for keys in by_person.values():
        keys = sorted(keys)
        out.update((a, b) for i, a in enumerate(keys) for b in keys[i + 1:])
    return out

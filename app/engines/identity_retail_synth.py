"""Retail-like customer extracts with a known truth: the evaluation set of the identity engine.

Unlike identity_synth (the demo's files), names follow a census-like skew: a few dozen first and last names cover
most people (Zipf over each pool, plus a tail of rare names), in a few cities, so namesakes live in the same city.
Households share an email, a phone or an address under different first names; copies get "last, first" keyed into
each other's fields, nicknames, typos, missing fields, store placeholders (the shop's email, the till's phone),
in-system duplicates; each source system fills its fields at its own rates. Two name pools ("de", "en") so a
figure tuned on one can be checked on the other. Deterministic for a seed; pure Python.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from .identity_synth import typo

POOLS: dict[str, dict[str, Any]] = {
    "de": {
        "first": ("Michael", "Thomas", "Andreas", "Stefan", "Christian", "Peter", "Jan", "Markus", "Daniel",
                  "Alexander", "Tobias", "Sebastian", "Christopher", "Matthias", "Frank", "Jürgen", "Klaus",
                  "Florian", "Lukas", "Jonas", "Maria", "Sabine", "Julia", "Anna", "Laura", "Katharina", "Jennifer",
                  "Sandra", "Nicole", "Stefanie", "Claudia", "Andrea", "Lisa", "Sarah", "Melanie", "Susanne",
                  "Petra", "Monika", "Lea", "Sophie"),
        "last": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
                 "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
                 "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
                 "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann"),
        "nick": {"Michael": "Micha", "Thomas": "Tom", "Andreas": "Andi", "Christian": "Chris", "Alexander": "Alex",
                 "Sebastian": "Basti", "Christopher": "Chris", "Matthias": "Matze", "Katharina": "Kathi",
                 "Stefanie": "Steffi", "Susanne": "Susi", "Jennifer": "Jenny", "Daniel": "Dani"},
        "cities": (("Berlin", "10"), ("Hamburg", "20"), ("München", "80"), ("Köln", "50"), ("Frankfurt", "60"),
                   ("Stuttgart", "70"), ("Düsseldorf", "40"), ("Leipzig", "04"), ("Dortmund", "44"),
                   ("Essen", "45")),
        "streets": ("Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße",
                    "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße",
                    "Goethestraße", "Amselweg", "Mühlenweg", "Wiesenweg", "Rosenstraße", "Friedhofstraße"),
        "domains": ("gmx.de", "web.de", "t-online.de", "gmail.com", "outlook.de", "freenet.de"),
        "country": "DE", "mobile": ("151", "152", "157", "160", "170", "171", "172", "175", "176", "177", "178"),
        "store": ("service@modehaus-kunde.de", "+49 30 9876543"),
    },
    "en": {
        "first": ("James", "John", "David", "Michael", "Paul", "Andrew", "Mark", "Richard", "Peter", "Robert",
                  "Daniel", "Christopher", "Matthew", "Thomas", "William", "Stephen", "Anthony", "Steven", "Sarah",
                  "Emma", "Claire", "Laura", "Rachel", "Rebecca", "Emily", "Jessica", "Charlotte", "Katherine",
                  "Elizabeth", "Hannah", "Lucy", "Amy", "Sophie", "Helen", "Margaret", "Susan"),
        "last": ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
                 "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green",
                 "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper",
                 "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker"),
        "nick": {"James": "Jim", "William": "Bill", "Robert": "Bob", "Richard": "Rick", "Michael": "Mike",
                 "Andrew": "Andy", "Thomas": "Tom", "Daniel": "Dan", "Matthew": "Matt", "Katherine": "Kate",
                 "Elizabeth": "Liz", "Margaret": "Maggie", "Rebecca": "Becky", "Christopher": "Chris",
                 "Anthony": "Tony", "Steven": "Steve", "Jessica": "Jess", "Susan": "Sue"},
        "cities": (("London", "SW"), ("Manchester", "M"), ("Birmingham", "B"), ("Leeds", "LS"), ("Glasgow", "G"),
                   ("Liverpool", "L"), ("Bristol", "BS"), ("Sheffield", "S"), ("Edinburgh", "EH"),
                   ("Cardiff", "CF")),
        "streets": ("High Street", "Station Road", "Main Street", "Park Road", "Church Road", "Church Street",
                    "London Road", "Victoria Road", "Green Lane", "Manor Road", "Church Lane", "Park Avenue",
                    "The Avenue", "Queens Road", "New Road", "Grange Road", "Kings Road", "Mill Lane"),
        "domains": ("gmail.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.com", "btinternet.com", "icloud.com"),
        "country": "GB", "mobile": ("74", "75", "77", "78", "79"),
        "store": ("customerservice@highstreet-retail.co.uk", "020 7946 0000"),
    },
}
# Source systems: (name, chance a person is in it, fill rate of email, phone, birth date, address, loyalty id).
SYSTEMS = (("Webshop", 0.65, 0.97, 0.45, 0.25, 0.9, 0.15), ("POS / loyalty", 0.5, 0.55, 0.65, 0.85, 0.6, 0.95),
           ("CRM", 0.4, 0.8, 0.8, 0.5, 0.95, 0.4), ("Newsletter", 0.25, 1.0, 0.1, 0.1, 0.2, 0.0))
_SYLLABLES = ("ber", "lin", "dor", "han", "ka", "mar", "ten", "vo", "sel", "rik", "an", "gus", "wal", "ter", "bro",
              "mo", "ste", "ri", "lo", "fen", "gar", "hol", "din", "ze", "ul", "brecht", "ow", "ski", "ley", "ton")


def _zipf(size: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf weights over ranks 1..size."""
    return list(accumulate(1 / (rank ** s) for rank in range(1, size + 1)))


def _draw(rng: random.Random, items: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _rare(rng: random.Random) -> str:
    """A rare name from the tail (one person in thousands)."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 4))).capitalize()


def _fold(text: str) -> str:
    return (text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
            .replace(" ", "").replace("'", ""))


class _People:
    """Draws people of one name pool: skewed names, few cities, unique emails and phones."""

    def __init__(self, pool: str, seed: int, tail: float) -> None:
        if pool not in POOLS:
            raise ValueError(f"Unknown name pool {pool!r}; use one of {', '.join(POOLS)}.")
        self.pool, self.rng, self.tail = POOLS[pool], random.Random(seed), tail
        self.first_w, self.last_w = _zipf(len(self.pool["first"]), 0.9), _zipf(len(self.pool["last"]), 0.9)
        self.city_w, self.street_w = _zipf(len(self.pool["cities"]), 0.8), _zipf(len(self.pool["streets"]), 0.7)
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    def name(self, which: str) -> str:
        rng = self.rng
        if rng.random() < self.tail:
            return _rare(rng)
        return _draw(rng, self.pool[which], self.first_w if which == "first" else self.last_w)

    def email(self, first: str, last: str) -> str:
        rng = self.rng
        while True:
            user = rng.choice((f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}{rng.randrange(1, 99)}",
                               f"{last}.{first}{rng.randrange(60, 99)}", f"{first}_{rng.randrange(100, 9999)}"))
            email = f"{_fold(user)}@{rng.choice(self.pool['domains'])}"
            if email not in self.emails:
                self.emails.add(email)
                return email

    def phone(self) -> str:
        rng = self.rng
        while True:
            if self.pool["country"] == "DE":
                number = f"0{rng.choice(self.pool['mobile'])}{rng.randrange(10_000_000, 99_999_999)}"
            else:
                number = f"07{rng.choice(self.pool['mobile'])[1]}{rng.randrange(10_000_000, 99_999_999)}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def address(self) -> dict[str, str]:
        rng = self.rng
        city, prefix = _draw(rng, self.pool["cities"], self.city_w)
        if self.pool["country"] == "DE":
            postcode = f"{prefix}{rng.randrange(100, 999)}"
        else:
            postcode = f"{prefix}{rng.randrange(1, 28)} {rng.randrange(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
                       f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        return {"street": _draw(rng, self.pool["streets"], self.street_w),
                "house_number": str(rng.randrange(1, 120)), "city": city, "postal_code": postcode}

    def birth(self) -> str:
        rng = self.rng
        return f"{rng.randrange(1940, 2006)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def people(n: int, seed: int = 1, pool: str = "de", household: float = 0.2, tail: float = 0.15) -> list[dict]:
    """n people; `household` of them live with the person before (same address, mostly the same last name, and a
    shared email or phone half the time) under another first name and birth date."""
    draw = _People(pool, seed, tail)
    rng = draw.rng
    out: list[dict[str, Any]] = []
    for pid in range(n):
        first, last = draw.name("first"), draw.name("last")
        person = {"person": pid, "first_name": first, "last_name": last, "birth_date": draw.birth(),
                  "email": draw.email(first, last), "phone": draw.phone(), **draw.address(),
                  "loyalty_id": f"K{seed:02d}{pid:07d}" if rng.random() < 0.6 else ""}
        if out and rng.random() < household and "household" not in out[-1]:
            mate = out[-1]
            while person["first_name"] == mate["first_name"]:
                person["first_name"] = draw.name("first")
            person["household"] = mate["person"]
            person.update({k: mate[k] for k in ("street", "house_number", "city", "postal_code")})
            if rng.random() < 0.85:
                person["last_name"] = mate["last_name"]
            shared = rng.random()
            if shared < 0.35:
                person["email"] = mate["email"]  # the family's address
            elif shared < 0.6:
                person["phone"] = mate["phone"]  # the landline
        out.append(person)
    return out



def _phone_text(rng: random.Random, number: str, country: str) -> str:
    style = rng.randrange(3)
    code = "+49" if country == "DE" else "+44"
    if style == 0:
        return number
    if style == 1:
        return f"{number[:4]} {number[4:]}"
    return f"{code} {number[1:4]} {number[4:]}"


def _date_text(rng: random.Random, iso: str, country: str) -> str:
    y, m, d = iso.split("-")
    style = rng.randrange(3)
    if style == 0:
        return iso
    return f"{d}.{m}.{y}" if country == "DE" and style == 1 else f"{d}/{m}/{y}"


def _copy(rng: random.Random, draw: _People, person: dict[str, Any], system: Sequence[Any], counter: int,
          placeholder: float) -> dict[str, Any]:
    """One record of a person in one system: the system's fill rates, then damage."""
    name, _presence, f_email, f_phone, f_birth, f_address, f_loyalty = system
    country = draw.pool["country"]
    first, last = person["first_name"], person["last_name"]
    damage = rng.random()
    if damage < 0.05 and first in draw.pool["nick"]:
        first = draw.pool["nick"][first]
    elif damage < 0.10:
        first = typo(rng, first)
    elif damage < 0.15:
        last = typo(rng, last)
    elif damage < 0.19:
        first, last = last, first  # "Zimmermann, Christopher" keyed into the wrong fields
    elif damage < 0.23:
        first, last = first.upper(), last.upper()
    record: dict[str, Any] = {"system": name, "source_record_id": f"{name[:3].upper()}{counter:07d}",
                              "person": person["person"], "first_name": first, "last_name": last,
                              "country": country}
    if rng.random() < f_email:
        record["email"] = person["email"] if rng.random() > 0.04 else draw.email(first, last)  # a newer address
        if rng.random() < 0.1:
            record["email"] = record["email"].upper()
    if rng.random() < f_phone:
        record["phone"] = _phone_text(rng, person["phone"] if rng.random() > 0.03 else draw.phone(), country)
    if rng.random() < f_birth:
        born = person["birth_date"]
        if rng.random() < 0.02:  # day and month keyed the other way round
            y, m, d = born.split("-")
            born = f"{y}-{d}-{m}" if int(d) <= 12 else born
        record["birth_date"] = _date_text(rng, born, country)
    if rng.random() < f_address:
        address = draw.address() if rng.random() < 0.05 else person  # moved since
        record.update({k: address[k] for k in ("street", "house_number", "city", "postal_code")})
        if rng.random() < 0.05:
            record["street"] = typo(rng, record["street"])
    elif rng.random() < 0.5:
        record["city"] = person["city"]
    if person["loyalty_id"] and rng.random() < f_loyalty:
        record["loyalty_id"] = person["loyalty_id"]
    if rng.random() < placeholder:  # keyed at the till for a customer who gave none
        store_email, till_phone = draw.pool["store"]
        if "email" not in record:
            record["email"] = store_email
        elif "phone" not in record:
            record["phone"] = till_phone
    return record


def extracts(n: int, seed: int = 1, pool: str = "de", duplicate: float = 0.06, placeholder: float = 0.02,
             household: float = 0.2, tail: float = 0.15,
             systems: Sequence[Sequence[Any]] = SYSTEMS) -> list[dict[str, Any]]:
    """Records of n people across `systems` (name, presence, fill rates: see SYSTEMS); each record has `system`,
    `source_record_id` and `person` (the truth). `duplicate` is the chance of a second copy in one system."""
    if n < 0:
        raise ValueError("The number of people cannot be negative.")
    crowd = people(n, seed, pool, household, tail)
    draw = _People(pool, seed + 1000, tail)
    rng = draw.rng
    records: list[dict[str, Any]] = []
    counters = [0] * len(systems)
    for person in crowd:
        draw.emails.add(person["email"])
        draw.phones.add(person["phone"])
    for person in crowd:
        placed = [i for i, s in enumerate(systems) if rng.random() < s[1]] or [rng.randrange(len(systems))]
        for i in placed:
            for _ in range(2 if rng.random() < duplicate else 1):
                counters[i] += 1
                records.append(_copy(rng, draw, person, systems[i], counters[i], placeholder))
    rng.shuffle(records)
    return records


def records_per_person(systems: Sequence[Sequence[Any]] = SYSTEMS, duplicate: float = 0.06) -> float:
    """The expected records per person (to ask for a number of records)."""
    return sum(s[1] for s in systems) * (1 + duplicate)

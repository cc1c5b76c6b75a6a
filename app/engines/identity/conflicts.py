"""Hard conflicts between two records: evidence that they are two people, whatever links them.

Two records conflict when their first names are different people's (nicknames, initials, typos and first and
last name keyed the other way round are not) and no birth date or loyalty id agrees (a household sharing an
email, a phone or a home; a loyalty id is issued to one person), or when two of email, phone, birth date and
address disagree and none of them or the loyalty id agrees (namesakes). A pair that only agrees on the name (and
city) has no `evidence`. Placeholders (a store's email, a till's phone) were taken out of the matching values
before this runs, so they never count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import attrgetter

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler

from .base import Prepared

IDENTIFIERS = ("email", "phone", "birth_date", "loyalty_id")


def edits(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between a and b, or limit + 1 when it exceeds limit."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _same_birth(a: str, b: str) -> bool:
    """Equal, one keying slip apart or day and month swapped (YYYYMMDD)."""
    return edits(a, b, 1) <= 1 or (a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6])


def _street(a: str | None, b: str | None) -> bool:
    """The same street, keyed with a slip or two ('burdon pl' / 'burdon p lace'; spaces ignored)."""
    if not a or not b:
        return False
    a, b = a.replace(" ", ""), b.replace(" ", "")
    # 'wells rd' / 'wellslroad': Jaro-Winkler 0.94; distinct streets of one town stay below 0.92
    return (edits(a, b, 2) <= 2 or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))
            or JaroWinkler.similarity(a, b) >= 0.92)


def _near_home(a: dict, b: dict) -> bool:
    """Two of street, postcode (one slip allowed) and house number the same: evidence, though not enough to call
    it the same home."""
    pa, pb, na, nb = a.get("postal_code"), b.get("postal_code"), a.get("house_number"), b.get("house_number")
    postcode, number = bool(pa and pb and edits(pa, pb, 1) <= 1), bool(na and nb and na == nb)
    return (postcode and number) or ((postcode or number) and _street(a.get("street"), b.get("street")))


def _address(a: dict, b: dict) -> bool | None:
    """True (same home), False (another home) or None (not on both records). The city alone says nothing."""
    pa, pb = a.get("postal_code"), b.get("postal_code")
    na, nb = a.get("house_number"), b.get("house_number")
    sa, sb = a.get("street"), b.get("street")
    if pa and pb:
        if edits(pa, pb, 1) > 1:
            return False
        if na and nb and na != nb:
            # another number in another street is another home; in the same street it may be a keying slip
            return None if _street(sa, sb) else False
        if pa == pb or (na and nb and _street(sa, sb)):
            return True
        return None
    if sa and sb and na and nb:
        return na == nb and _street(sa, sb)
    return None


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _agree(name: str, a: str, b: str) -> bool:
    if name == "birth_date":
        return _same_birth(a, b)
    if name == "email":  # 'florian.schmitt@' and 'florian.schmidt@', 'mwagner31@' and 'mwagner13@': namesakes
        return a == b
    return edits(a, b, 1) <= 1


def _first_token(name: str | None) -> str:
    return name.split()[0] if name else ""


def _alike(x: str, y: str) -> bool:
    """Two first names one person may carry: equal, an initial, one typo apart, or one the other's start."""
    if not x or not y or x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    if min(len(x), len(y)) >= 3 and max(len(x), len(y)) >= 4 and edits(x, y, 1) <= 1:
        return True
    return min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x))


def different_people_names(a: Prepared, b: Prepared, swapped: frozenset[int] = frozenset()) -> bool:
    """Whether the names are two people's: the first names differ (no nickname, initial, typo or prefix of each
    other), and not because first and last name were keyed into each other's fields. Records in `swapped` hold
    the family name in the first-name field (Judge finds them)."""
    fa, la = _first_token(a.values.get("first_name")), _first_token(a.values.get("last_name"))
    fb, lb = _first_token(b.values.get("first_name")), _first_token(b.values.get("last_name"))
    if a.index in swapped:
        fa, la = la, fa
    if b.index in swapped:
        fb, lb = lb, fb
    if not fa or not fb or _alike(fa, fb) or (
            set(a.variants) & set(b.variants) and a.index not in swapped and b.index not in swapped):
        return False
    # 'Zimmermann, Christopher' keyed the other way round is still Christopher Zimmermann; 'Zimmermann, Michael'
    # shares only the family name with him.
    return not (la and lb and _alike(fa, lb) and _alike(la, fb))


def judge(a: Prepared, b: Prepared) -> tuple[list[str], list[str]]:
    """(identifiers that agree, identifiers that disagree) of two records, address included."""
    agree, disagree = [], []
    va, vb = a.values, b.values
    for name in IDENTIFIERS:
        x, y = va.get(name), vb.get(name)
        if x and y:
            (agree if _agree(name, x, y) else disagree).append(name)
    home = _address(va, vb)
    if home is not None:
        (agree if home else disagree).append("address")
    return agree, disagree


def swapped_names(records: Sequence[Prepared]) -> frozenset[int]:
    """Records whose first-name field holds a family name and last-name field a first name, judged by how often
    each word is keyed as a first and as a last name across the extract ('Becker, Lukas' in the wrong fields)."""
    return _swapped(records, *_tokens(records))


def _tokens(records: Sequence[Prepared]) -> tuple[list[str], list[str]]:
    values = list(map(attrgetter("values"), records))
    out = []
    for name in ("first_name", "last_name"):
        column = list(map(dict.get, values, repeat(name)))
        token = {v: _first_token(v) for v in dict.fromkeys(column)}  # once per distinct name
        out.append(list(map(token.__getitem__, column)))
    return out[0], out[1]


def _swapped_mask(first: list[str], last: list[str]) -> np.ndarray:
    """Per record: its first-name token is keyed as a last name over twice as often as a first name, and its
    last-name token the other way round."""
    firsts, lasts = Counter(first), Counter(last)
    family = {t for t in firsts if t and lasts[t] > 2 * firsts[t]}
    given = {t for t in lasts if t and firsts[t] > 2 * lasts[t]}
    return (np.fromiter(map(family.__contains__, first), dtype=bool, count=len(first))
            & np.fromiter(map(given.__contains__, last), dtype=bool, count=len(last)))


def _swapped(records: Sequence[Prepared], first: list[str], last: list[str]) -> frozenset[int]:
    return frozenset(compress(map(attrgetter("index"), records), _swapped_mask(first, last).tolist()))


def conflict(a: Prepared, b: Prepared, swapped: frozenset[int] = frozenset()) -> str | None:
    """Why two records cannot be one customer, or None (`swapped`: see swapped_names)."""
    agree, disagree = judge(a, b)
    if different_people_names(a, b, swapped) and "birth_date" not in agree and "loyalty_id" not in agree:
        return "different first names and no birth date or loyalty id in common (a household?)"
    # a second loyalty card is common (a lost card, a new scheme): it does not count against one person
    if len([name for name in disagree if name != "loyalty_id"]) >= 2 and not agree:
        return "different " + " and ".join(name.replace("_", " ") for name in disagree)
    return None


def evidence(a: Prepared, b: Prepared) -> bool:
    """Whether anything beyond the name and city agrees (email, phone, birth date, loyalty id, the home, or the
    street with the postcode or house number)."""
    return bool(judge(a, b)[0]) or _near_home(a.values, b.values)


# --- the same checks, column-wise -------------------------------------------------------------------------------
# The clusters stage checks hundreds of thousands of pairs: per pair in Python that was most of a million-record
# run's cluster time. Below, each field is compared for all pairs at once (numpy over the records' columns); only
# the pairs whose values differ reach rapidfuzz's C edit distance (OSA.distance with a cutoff equals `edits`).
# The per-pair functions above stay the reference: tests compare the two on generated extracts.

_FIELDS = (*IDENTIFIERS, "postal_code", "house_number", "street")


class Columns:
    """The prepared records' values as columns, read once per run: per field a code per record (0 for missing,
    equal codes for equal values) and the values by code. `swapped` (see swapped_names) is worked out from the
    records when not given."""

    def __init__(self, records: Sequence[Prepared], swapped: frozenset[int] | None = None) -> None:
        values = list(map(attrgetter("values"), records))
        self.codes: dict[str, np.ndarray] = {}
        self.texts: dict[str, np.ndarray] = {}
        for name in _FIELDS:
            # integer codes: comparing a million pairs is then numpy's work, not a million string comparisons;
            # numbered in order of first appearance, 0 for missing (dict and map passes run at C speed)
            column = list(map(dict.get, values, repeat(name)))
            index = dict.fromkeys(column)
            index.pop(None, None)
            index.pop("", None)
            code = {"": 0, None: 0} | {v: k for k, v in enumerate(index, 1)}
            self.codes[name] = np.fromiter(map(code.__getitem__, column), dtype=np.int64, count=len(values))
            self.texts[name] = _column(["", *index])
        first, last = _tokens(records)
        if swapped is None:
            self.swapped = _swapped_mask(first, last)
        else:
            self.swapped = np.fromiter(map(swapped.__contains__, map(attrgetter("index"), records)), dtype=bool,
                                       count=len(records))
        first_column, last_column = _column(first), _column(last)
        self.first = np.where(self.swapped, last_column, first_column)
        self.last = np.where(self.swapped, first_column, last_column)
        self.variants = list(map(attrgetter("variants"), records))  # sets made only for the pairs that need them


def _column(items: list[str]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _distinct(test: Callable[[str, str], bool], texts: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """test(texts[x[k]], texts[y[k]]) for every k, called once per distinct pair of codes: a million pairs of
    duplicates hold far fewer pairs of values (most share theirs). `test` must be symmetric."""
    width = np.int64(len(texts))
    unique, inverse = np.unique(np.minimum(x, y) * width + np.maximum(x, y), return_inverse=True)
    flags = np.fromiter((test(a, b) for a, b in zip(texts[unique // width], texts[unique % width], strict=True)),
                        dtype=bool, count=len(unique))
    return flags[inverse.reshape(-1)]


def _within(texts: np.ndarray, x: np.ndarray, y: np.ndarray, limit: int, mask: np.ndarray) -> np.ndarray:
    """Where mask: edits(x, y, limit) <= limit for the values of codes x and y; elsewhere False."""
    out = np.zeros(len(x), dtype=bool)
    at = np.flatnonzero(mask)
    out[at] = _distinct(lambda a, b: OSA.distance(a, b, score_cutoff=limit) <= limit, texts, x[at], y[at])
    return out


def _streets(texts: np.ndarray, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Where mask: _street() of the values of codes x and y; elsewhere False."""
    out = np.zeros(len(x), dtype=bool)
    at = np.flatnonzero(mask & (x != 0) & (y != 0))
    out[at] = _distinct(_street_fast, texts, x[at], y[at])
    return out


def _street_fast(a: str, b: str) -> bool:
    a, b = a.replace(" ", ""), b.replace(" ", "")
    return (OSA.distance(a, b, score_cutoff=2) <= 2 or (min(len(a), len(b)) >= 5 and (a.startswith(b)
            or b.startswith(a))) or JaroWinkler.similarity(a, b) >= 0.92)


def _alike_fast(x: str, y: str) -> bool:
    if not x or not y or x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    if min(len(x), len(y)) >= 3 and max(len(x), len(y)) >= 4 and OSA.distance(x, y, score_cutoff=1) <= 1:
        return True
    return min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x))


def judged_pairs(cols: Columns, left: np.ndarray, right: np.ndarray) -> tuple[dict[str, np.ndarray],
                                                                              dict[str, np.ndarray]]:
    """judge() for every pair: (agree, disagree) masks per identifier and 'address'."""
    c, t = cols.codes, cols.texts
    agree, disagree = {}, {}
    for name in IDENTIFIERS:
        x, y = c[name][left], c[name][right]
        present = (x != 0) & (y != 0)
        same = present & (x == y)
        if name == "email":
            ok = same
        elif name == "birth_date":
            slip = _within(t[name], x, y, 1, present & ~same)
            at = np.flatnonzero(present & ~same & ~slip)
            swap = np.zeros(len(x), dtype=bool)
            swap[at] = [a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]
                        for a, b in zip(t[name][x[at]], t[name][y[at]], strict=True)]
            ok = same | slip | swap
        else:
            ok = same | _within(t[name], x, y, 1, present & ~same)
        agree[name], disagree[name] = ok, present & ~ok
    pa, pb = c["postal_code"][left], c["postal_code"][right]
    na, nb = c["house_number"][left], c["house_number"][right]
    sa, sb = c["street"][left], c["street"][right]
    postcodes, numbers = (pa != 0) & (pb != 0), (na != 0) & (nb != 0)
    same_postcode = postcodes & (pa == pb)
    near_postcode = same_postcode | _within(t["postal_code"], pa, pb, 1, postcodes & ~same_postcode)
    all_four = numbers & (sa != 0) & (sb != 0)
    street = _streets(t["street"], sa, sb, (postcodes & near_postcode & numbers) | (~postcodes & all_four & (na == nb)))
    other_number = numbers & (na != nb)
    home = np.where(postcodes,
                    np.where(~near_postcode, 0, np.where(other_number, np.where(street, -1, 0),
                                                          np.where(same_postcode | (numbers & street), 1, -1))),
                    np.where(all_four, np.where((na == nb) & street, 1, 0), -1))
    agree["address"], disagree["address"] = home == 1, home == 0
    return agree, disagree


def _different_names(cols: Columns, left: np.ndarray, right: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Where mask: different_people_names for the pair; elsewhere False."""
    fa, fb = cols.first[left], cols.first[right]
    out = np.zeros(len(left), dtype=bool)
    at = np.flatnonzero(mask & (fa != "") & (fb != "") & (fa != fb))
    la, lb, sw, var = cols.last, cols.last, cols.swapped, cols.variants
    flags = []
    for i, j, x, y in zip(left[at].tolist(), right[at].tolist(), fa[at], fb[at], strict=True):
        if _alike_fast(x, y) or (not sw[i] and not sw[j] and not set(var[i]).isdisjoint(var[j])):
            flags.append(False)
            continue
        li, lj = la[i], lb[j]
        flags.append(not (li and lj and _alike_fast(x, lj) and _alike_fast(li, y)))
    out[at] = flags
    return out


Judged = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]


def conflict_reasons(cols: Columns, left: np.ndarray, right: np.ndarray,
                     judged: Judged | None = None) -> list[str | None]:
    """conflict() of every pair (left[k], right[k]), computed field by field over all pairs (`judged`: judged_pairs()
    of these pairs when the caller has it already)."""
    agree, disagree = judged or judged_pairs(cols, left, right)
    names = (*IDENTIFIERS, "address")
    any_agree = np.logical_or.reduce([agree[name] for name in names])
    household = _different_names(cols, left, right, ~agree["birth_date"] & ~agree["loyalty_id"])
    count = sum(disagree[name].astype(np.int64) for name in names if name != "loyalty_id")
    namesakes = ~household & (count >= 2) & ~any_agree
    reasons: list[str | None] = [None] * len(left)
    for k in np.flatnonzero(household).tolist():
        reasons[k] = "different first names and no birth date or loyalty id in common (a household?)"
    for k in np.flatnonzero(namesakes).tolist():
        reasons[k] = "different " + " and ".join(name.replace("_", " ") for name in names if disagree[name][k])
    return reasons


def evidences(cols: Columns, left: np.ndarray, right: np.ndarray, judged: Judged | None = None) -> np.ndarray:
    """evidence() of every pair, as a boolean array (`judged`: as for conflict_reasons)."""
    agree, _ = judged or judged_pairs(cols, left, right)
    c, t = cols.codes, cols.texts
    pa, pb = c["postal_code"][left], c["postal_code"][right]
    na, nb = c["house_number"][left], c["house_number"][right]
    postcodes = (pa != 0) & (pb != 0)
    postcode = (postcodes & (pa == pb)) | _within(t["postal_code"], pa, pb, 1, postcodes & (pa != pb))
    number = (na != 0) & (nb != 0) & (na == nb)
    street = _streets(t["street"], c["street"][left], c["street"][right], (postcode | number) & ~(postcode & number))
    return np.logical_or.reduce([agree[name] for name in (*IDENTIFIERS, "address")]) | (postcode & number) | \
        ((postcode | number) & street)

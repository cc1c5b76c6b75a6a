"""Deterministic rules: records sharing a loyalty id, normalised email or phone link outright (configurable).
An email or phone links only records whose first names are compatible (a household sharing an email is not one
person); a loyalty id is issued to one member, so it links whatever the names say."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import compress

from .base import LABELS, RULES, Contribution, Pair, Prepared


def compatible_first_names(a: Prepared, b: Prepared) -> bool:
    """True unless both have first names that are neither equal, initials of each other nor nicknames."""
    fa, fb = a.values.get("first_name"), b.values.get("first_name")
    if not fa or not fb:
        return True
    ta, tb = fa.split()[0], fb.split()[0]
    if ta == tb:
        return True
    if len(ta) == 1 or len(tb) == 1:  # an initial: of the name or of a formal name it is short for
        initial, other = (ta, b) if len(ta) == 1 else (tb, a)
        return any(v.startswith(initial) for v in other.variants or (other.values.get("first_name"),))
    return bool(set(a.variants) & set(b.variants))


def deterministic_pairs(records: Sequence[Prepared], rules: Iterable[str] = RULES) -> list[Pair]:
    """Pairs linked by a rule (same loyalty id / email / phone), chained within each group (O(n))."""
    rules = list(rules)
    out: dict[tuple[int, int], Pair] = {}
    if not rules or not records:
        return []
    # One pass over the records for every rule's value, then counting at C speed: only values held by two
    # records or more are grouped (a million-record extract has a few hundred thousand).
    columns = list(zip(*(tuple(map(r.values.get, rules)) for r in records), strict=True))
    for rule, column in zip(rules, columns, strict=True):
        shared = {v for v, count in Counter(column).items() if count > 1 and v}
        if not shared:
            continue
        groups: dict[str, list[Prepared]] = defaultdict(list)
        for i in compress(range(len(column)), map(shared.__contains__, column)):
            groups[column[i]].append(records[i])
        label = f"same {LABELS[rule].lower()} (rule)"
        personal = rule == "loyalty_id"
        for value, members in groups.items():
            because = (Contribution(rule, value, value, label, math.inf),)  # one explanation for the group
            heads: list[Prepared] = []  # one representative per compatible first-name group
            for r in members:
                head = heads[0] if personal and heads else next(
                    (h for h in heads if compatible_first_names(h, r)), None)
                if head is None:
                    heads.append(r)
                    continue
                key = (min(head.index, r.index), max(head.index, r.index))
                if key not in out:
                    out[key] = Pair(key[0], key[1], 1.0, math.inf, rule, because)
    return sorted(out.values(), key=lambda p: (p.left, p.right))


def decision_key(a: Prepared, b: Prepared) -> tuple[str, str]:
    """How a review decision is stored: the two record keys, sorted."""
    return tuple(sorted((a.key, b.key)))  # type: ignore[return-value]


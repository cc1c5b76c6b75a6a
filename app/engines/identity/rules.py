"""Deterministic rules: records sharing a loyalty id, normalised email or phone link outright (configurable).
An email or phone links only records whose first names are compatible (a household sharing an email is not one
person); a loyalty id is issued to one member, so it links whatever the names say."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

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
    out: dict[tuple[int, int], Pair] = {}
    for rule in rules:
        groups: dict[str, list[Prepared]] = defaultdict(list)
        for r in records:
            if r.values.get(rule):
                groups[r.values[rule]].append(r)
        label = f"same {LABELS[rule].lower()} (rule)"
        for value, members in groups.items():
            if len(members) < 2:
                continue
            because = (Contribution(rule, value, value, label, math.inf),)  # one explanation for the group
            heads: list[Prepared] = []  # one representative per compatible first-name group
            personal = rule == "loyalty_id"
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



def set_aside_placeholders(records: Sequence[Prepared], limit: int) -> dict[str, dict[str, int]]:
    """Identifier values (email, phone, loyalty id) held by more than `limit` records: placeholders, not people.

    They are taken out of those records' matching values (display values stay), and each such record gets the
    issue "shared_<field>". Returns {field: {value: records}}, most used first."""
    found: dict[str, dict[str, int]] = {}
    for name in RULES:
        counts = Counter(r.values.get(name) for r in records)
        counts.pop(None, None)
        common = {v: n for v, n in counts.most_common() if n > limit}
        if common:
            found[name] = common
    if not found:
        return found
    for r in records:  # prepare() gives each record its own values dict and issues list
        for name, common in found.items():
            if r.values.get(name) in common:
                del r.values[name]
                r.issues.append(f"shared_{name}")
    return found


def decision_key(a: Prepared, b: Prepared) -> tuple[str, str]:
    """How a review decision is stored: the two record keys, sorted."""
    return tuple(sorted((a.key, b.key)))  # type: ignore[return-value]


"""Clusters without chains: connected components of the links, split where two members conflict.

Each link is checked on its own before this (conflicts.py), but A-B and B-C can both hold while A and C are two
people (two namesakes each linked to a third record with a missing email). Every component of three or more
records is checked pair by pair; one holding a conflicting pair is rebuilt strongest link first (Kruskal's
order: reviewer-accepted links, then rule links, then model links by match weight), refusing a link when the
conflicting pairs it would bring together outweigh the links between the two sides (CONFLICT_WEIGHT bits each:
correlation clustering's trade, made greedily). A chain's weak link is refused; a record that conflicts with one
member but is linked to many stays. The links refused are returned so the run can show them as cut (and queue
them for review).

Cost: one conflict check per pair of records in a component of three or more (most components are one or two
records), all of them in one column-wise call when `conflicting_many` is given (the pipeline's), and a rebuild
only of components holding a conflict: O(links · log links) for the sort, plus, per
refused merge, a check of every pair across the two sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# What one conflicting pair weighs against the links (match weights, in bits) holding two groups together: a
# chain's single weak link (from 3.2 bits, p = 0.9) rarely outweighs it; a cluster whose records are linked many
# times over (one record badly keyed, the others vouching for it) does. 12 split FEBRL3 clusters whose members
# had replaced birth dates and ids; 6 let namesake chains through on the generated retail set; 8 did neither.
CONFLICT_WEIGHT = 8.0


def _renumber(number: np.ndarray) -> np.ndarray:
    """Labels numbered 0, 1, … in the order of each label's first (lowest) item."""
    n = len(number)
    if n == 0:
        return number
    labels, inverse = np.unique(number, return_inverse=True)
    first = np.full(len(labels), n, dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(n, dtype=np.int64))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(labels), dtype=np.int64)
    return rank[inverse]


def split_conflicts(number: np.ndarray, left: np.ndarray, right: np.ndarray, strength: np.ndarray,
                    conflicting: Callable[[int, int], bool] | None,
                    forced: Sequence[bool] | None = None,
                    conflict_weight: float = CONFLICT_WEIGHT,
                    conflicting_many: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(component number of each item after splitting, positions of the links cut).

    `number` are the components of the links (left[k], right[k]); strength[k] orders them (strongest kept
    first); forced[k] links (a reviewer accepted them) are always kept. `conflicting(i, j)` says whether two items
    should not share a cluster: two sides merge only while the strength of the links between them exceeds
    `conflict_weight` per conflicting pair between them. `conflicting_many(i, j)`, when given, answers the same
    for arrays of pairs at once (and `conflicting` is not called)."""
    if len(number) == 0 or len(left) == 0:
        return number, np.zeros(0, dtype=np.int64)
    sizes = np.bincount(number)
    big = sizes >= 3
    if not big.any():
        return number, np.zeros(0, dtype=np.int64)
    order = np.argsort(number, kind="stable")
    ends = np.cumsum(sizes)
    link_component = number[left]
    candidate = big[link_component]
    link_order = np.flatnonzero(candidate)
    link_order = link_order[np.argsort(link_component[link_order], kind="stable")]
    link_groups: dict[int, list[int]] = {}
    for k, c in zip(link_order.tolist(), link_component[link_order].tolist(), strict=True):
        link_groups.setdefault(c, []).append(k)
    number = number.copy()
    next_label = int(number.max()) + 1
    cut: list[int] = []
    forced_flags = list(forced) if forced is not None else [False] * len(left)
    clash_sets = _clashes(order, ends, sizes, np.flatnonzero(big), conflicting, conflicting_many)
    for c in np.flatnonzero(big).tolist():
        members = order[ends[c] - sizes[c]:ends[c]].tolist()
        clashes = clash_sets.get(c)
        if not clashes:
            continue
        links = sorted(link_groups.get(c, ()), key=lambda k: (not forced_flags[k], -strength[k]))
        group = {i: i for i in members}
        sets = {i: {i} for i in members}

        def find(i: int, group: dict[int, int] = group) -> int:
            while group[i] != i:
                group[i] = group[group[i]]
                i = group[i]
            return i

        support: dict[tuple[int, int], float] = {}
        for k in links:
            key = (min(int(left[k]), int(right[k])), max(int(left[k]), int(right[k])))
            support[key] = support.get(key, 0.0) + float(strength[k])
        for k in links:
            a, b = find(int(left[k])), find(int(right[k]))
            if a == b:
                continue
            if not forced_flags[k]:
                across = [(min(x, y), max(x, y)) for x in sets[a] for y in sets[b]]
                clashing = sum(1 for pair in across if pair in clashes)
                # correlation clustering's trade: the links across against the conflicts across
                if clashing and clashing * conflict_weight >= sum(support.get(pair, 0.0) for pair in across):
                    cut.append(k)
                    continue
            if len(sets[a]) < len(sets[b]):
                a, b = b, a
            group[b] = a
            sets[a] |= sets.pop(b)
        for root, items in sets.items():
            if root == find(members[0]):
                continue
            for i in items:
                number[i] = next_label
            next_label += 1
    kept_apart = [k for k in cut if number[left[k]] != number[right[k]]]
    return _renumber(number), np.array(kept_apart, dtype=np.int64)


def _clashes(order: np.ndarray, ends: np.ndarray, sizes: np.ndarray, components: np.ndarray,
             conflicting: Callable[[int, int], bool] | None,
             conflicting_many: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
             batch: int = 1_000_000) -> dict[int, set[tuple[int, int]]]:
    """The conflicting pairs (i, j), i before j in record order, of each component that has any: every pair of
    members checked, `batch` pairs at a time."""
    out: dict[int, set[tuple[int, int]]] = {}
    # Components of one size at a time: their members as the rows of one matrix, whose columns combinations'
    # index pairs pick (16,000 components at 100k records: one numpy call per size, not per component).
    firsts, seconds, owners = [], [], []
    component_sizes = sizes[components]
    for size in np.unique(component_sizes).tolist():
        these = components[component_sizes == size]
        members = order[(ends[these] - size)[:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)  # combinations(members, 2)'s order
        firsts.append(members[:, first].ravel())
        seconds.append(members[:, second].ravel())
        owners.append(np.repeat(these, len(first)))
    if not firsts:
        return out
    lefts, rights, owner = np.concatenate(firsts), np.concatenate(seconds), np.concatenate(owners)
    flags = np.zeros(len(lefts), dtype=bool)
    for at in range(0, len(lefts), batch):
        i, j = lefts[at:at + batch], rights[at:at + batch]
        if conflicting_many is not None:
            flags[at:at + batch] = np.asarray(conflicting_many(i, j), dtype=bool)
        else:
            assert conflicting is not None, "split_conflicts needs conflicting or conflicting_many"
            flags[at:at + batch] = [conflicting(x, y) for x, y in zip(i.tolist(), j.tolist(), strict=True)]
    hit = np.flatnonzero(flags)
    for c, x, y in zip(owner[hit].tolist(), lefts[hit].tolist(), rights[hit].tolist(), strict=True):
        out.setdefault(c, set()).add((x, y))
    return out


def merged_count(number: np.ndarray, left: np.ndarray, right: np.ndarray, strength: np.ndarray,
                 forced: Sequence[bool], extra_left: np.ndarray, extra_right: np.ndarray, extra_strength: np.ndarray,
                 conflicting_many: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> int:
    """How many fewer clusters there would be if the extra links (held ones) were links too, split as the run
    splits (split_conflicts): `number` is the run's clusters of the links (left, right). Only the components the
    extra links touch are rebuilt, so the cost is that of splitting those components once more."""
    from .clusters import component_numbers

    if len(extra_left) == 0:
        return 0
    all_left, all_right = np.concatenate((left, extra_left)), np.concatenate((right, extra_right))
    union = component_numbers(len(number), all_left, all_right)
    touched = np.zeros(int(union.max()) + 1, dtype=bool)
    touched[union[extra_left]] = True
    items = np.flatnonzero(touched[union])
    local = np.full(len(number), -1, dtype=np.int64)
    local[items] = np.arange(len(items), dtype=np.int64)
    inside = touched[union[all_left]]
    sub_left, sub_right = local[all_left[inside]], local[all_right[inside]]
    sub_strength = np.concatenate((strength, extra_strength))[inside]
    sub_forced = np.concatenate((np.asarray(forced, dtype=bool), np.zeros(len(extra_left), dtype=bool)))[inside]
    sub_number = component_numbers(len(items), sub_left, sub_right)
    split, _ = split_conflicts(sub_number, sub_left, sub_right, sub_strength, None, sub_forced.tolist(),
                               conflicting_many=lambda i, j: conflicting_many(items[i], items[j]))
    before = len(np.unique(number[items]))
    return max(before - (int(split.max()) + 1), 0)

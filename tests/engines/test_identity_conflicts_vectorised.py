"""The column-wise conflict checks (conflicts.conflict_reasons, evidences) give what the per-pair reference
(conflict, evidence) gives, pair for pair and run for run: same held links, same reasons, same clusters."""

import random
from collections import Counter
from itertools import combinations

import numpy as np
import pytest

from app.engines import identity
from app.engines.identity import pipeline
from app.engines.identity.conflicts import (
    Columns,
    _first_token,
    conflict,
    conflict_reasons,
    evidence,
    evidences,
    swapped_names,
)
from app.engines.identity.splitting import _clashes
from app.engines.identity_retail_synth import extracts as retail_extracts
from app.engines.identity_synth import extracts as synth_extracts

EXTRACTS = [("retail", 1), ("retail", 2), ("retail", 3), ("synth", 7), ("synth", 11)]


def _records(kind, seed):
    if kind == "retail":
        return retail_extracts(700, seed=seed)
    return synth_extracts(700, seed=seed, diverse=True)


def _old_swapped_names(records):
    firsts = Counter(_first_token(r.values.get("first_name")) for r in records)
    lasts = Counter(_first_token(r.values.get("last_name")) for r in records)
    out = set()
    for r in records:
        f, last = _first_token(r.values.get("first_name")), _first_token(r.values.get("last_name"))
        if f and last and lasts[f] > 2 * firsts[f] and firsts[last] > 2 * lasts[last]:
            out.add(r.index)
    return frozenset(out)


def _pairs_to_check(prepared, seed):
    """Pairs likely to be alike (sharing a last name, a postcode or a first name) and random ones."""
    rng = random.Random(seed)
    out = set()
    for field in ("last_name", "postal_code", "first_name", "email"):
        groups = {}
        for r in prepared:
            value = r.values.get(field)
            if value:
                groups.setdefault(value, []).append(r.index)
        for members in groups.values():
            out.update(combinations(members[:30], 2))
    n = len(prepared)
    out.update(tuple(sorted(rng.sample(range(n), 2))) for _ in range(5000))
    pairs = np.array(sorted(out), dtype=np.int64)
    return pairs[:, 0], pairs[:, 1]


class _Kept(Columns):
    """Columns that keep the run's own prepared records (placeholders set aside) for the per-pair reference."""

    def __init__(self, records, swapped=None):
        super().__init__(records, swapped)
        self.records = records
        self.swapped_set = _old_swapped_names(records) if swapped is None else swapped


def _reference_reasons(cols, left, right, _judged=None):  # the per-pair reference judges each pair itself
    prepared = cols.records
    return [conflict(prepared[i], prepared[j], cols.swapped_set)
            for i, j in zip(left.tolist(), right.tolist(), strict=True)]


def _reference_evidences(cols, left, right, _judged=None):
    prepared = cols.records
    return np.array([evidence(prepared[i], prepared[j]) for i, j in zip(left.tolist(), right.tolist(), strict=True)],
                    dtype=bool).reshape(-1)


@pytest.mark.parametrize(("kind", "seed"), EXTRACTS)
def test_the_column_wise_checks_agree_with_the_per_pair_checks_on_every_pair(kind, seed):
    prepared, _ = identity.prepare(_records(kind, seed))
    swapped = swapped_names(prepared)
    assert swapped == _old_swapped_names(prepared)
    assert swapped or kind == "synth"  # the retail extracts carry names keyed the wrong way round
    left, right = _pairs_to_check(prepared, seed)
    cols = _Kept(prepared, swapped)

    reasons = conflict_reasons(cols, left, right)
    found = evidences(cols, left, right)

    assert reasons == _reference_reasons(cols, left, right)
    assert found.tolist() == _reference_evidences(cols, left, right).tolist()
    # the generated extracts exercise both kinds of conflict and both answers of evidence
    assert any(r and r.startswith("different first names") for r in reasons)
    assert any(r and r.startswith("different ") and "first names" not in r for r in reasons)
    assert found.any() and not found.all()


@pytest.mark.parametrize(("kind", "seed"), EXTRACTS)
def test_a_run_holds_cuts_and_clusters_exactly_as_with_the_per_pair_checks(kind, seed, monkeypatch):
    records = _records(kind, seed)
    new = identity.resolve(records)
    monkeypatch.setattr(pipeline, "Columns", _Kept)
    monkeypatch.setattr(pipeline, "conflict_reasons", _reference_reasons)
    monkeypatch.setattr(pipeline, "evidences", _reference_evidences)

    old = identity.resolve(records)

    assert [(p.left, p.right, p.held) for p in new.pairs] == [(p.left, p.right, p.held) for p in old.pairs]
    assert new.clusters == old.clusters and new.cluster_of == old.cluster_of
    assert [(p.left, p.right) for p in new.review] == [(p.left, p.right) for p in old.review]
    assert any(p.held for p in new.pairs)


def test_every_pair_of_a_component_of_three_or_more_is_checked_once_with_either_callable():
    number = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2])
    sizes = np.bincount(number)
    order = np.argsort(number, kind="stable")
    ends = np.cumsum(sizes)
    big = np.flatnonzero(sizes >= 3)
    asked = []

    def conflicting(i, j):
        asked.append((i, j))
        return (i + j) % 3 == 0

    one_by_one = _clashes(order, ends, sizes, big, conflicting, None)
    many = _clashes(order, ends, sizes, big, None, lambda i, j: (i + j) % 3 == 0, batch=2)

    assert sorted(asked) == [*combinations([0, 1, 2, 3], 2), *combinations([6, 7, 8], 2)]
    assert one_by_one == many == {0: {(0, 3), (1, 2)}, 2: {(7, 8)}}


def test_no_pairs_give_no_reasons_and_no_evidence():
    prepared, _ = identity.prepare([{"system": "S", "source_record_id": "1", "first_name": "Anna"}])
    cols = Columns(prepared)
    empty = np.zeros(0, dtype=np.int64)

    assert conflict_reasons(cols, empty, empty) == []
    assert evidences(cols, empty, empty).tolist() == []

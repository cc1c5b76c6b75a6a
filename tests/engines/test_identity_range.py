"""The customer-count range: the low end merges the pairs held only because the name (and city) agree, where the
conflict splitting would let them merge; the high end is the count as reported."""

import numpy as np
import pytest

from app.engines import identity
from app.engines.identity.clusters import component_numbers
from app.engines.identity.splitting import merged_count
from app.engines.identity_retail_synth import extracts


def _never(i, j):
    return np.zeros(len(i), dtype=bool)


def test_a_held_link_between_two_clusters_lowers_the_count_by_one():
    number = np.array([0, 0, 1, 2])
    fewer = merged_count(number, np.array([0]), np.array([1]), np.array([5.0]), [False],
                         np.array([1]), np.array([2]), np.array([4.0]), _never)
    assert fewer == 1


def test_a_held_link_into_a_conflicting_cluster_does_not_lower_the_count():
    number = np.array([0, 0, 1])

    def clash(i, j):
        return (i == 0) & (j == 2)  # record 0 contradicts record 2

    fewer = merged_count(number, np.array([0]), np.array([1]), np.array([5.0]), [False],
                         np.array([1]), np.array([2]), np.array([2.0]), clash)
    assert fewer == 0


def test_no_held_links_leave_the_count_as_it_is():
    number = np.array([0, 1, 2])
    empty = np.zeros(0, dtype=np.int64)
    assert merged_count(number, empty, empty, np.zeros(0), [], empty, empty, np.zeros(0), _never) == 0


@pytest.fixture(scope="module")
def run():
    return identity.resolve(extracts(700, seed=5))


def test_the_range_runs_from_the_names_merged_to_the_count_reported(run):
    span = run.summary()["customers_range"]
    assert span["high"] == run.real_customers
    name_only = [p for p in run.pairs if p.held and p.held.startswith("only the name")]
    assert name_only and span["low"] < span["high"]
    # never below what plain components of the links and the held name-only pairs would give
    linked = [p for p in run.pairs if run.cluster_of[p.left] == run.cluster_of[p.right] >= 0]
    links = linked + name_only
    plain = component_numbers(len(run.records), np.array([p.left for p in links]), np.array([p.right for p in links]))
    tests = {r.index for r in run.records if r.test}
    assert span["low"] >= len({int(c) for i, c in enumerate(plain.tolist()) if i not in tests})
    assert span["high"] - span["low"] <= len(name_only)


def test_without_conflict_checks_nothing_is_held_for_the_name_and_the_range_is_one_figure():
    result = identity.resolve(extracts(300, seed=6), identity.Options(conflicts=False))
    assert result.summary()["customers_range"] == {"low": result.real_customers, "high": result.real_customers}

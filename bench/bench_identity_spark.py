"""Identity resolution on Splink's Spark backend next to DuckDB: wall time, peak memory and the customers found.

    .venv/bin/python bench/bench_identity_spark.py [--sizes 100000 1000000] [--systems 4] [--seed 7]
                                                   [--budget-minutes 40] [--stop-at HH:MM] [--master 'local[*]']
                                                   [--memory 4g] [--backends duckdb spark]

Each (backend, size) runs in its own interpreter (`--one`), on the same generated records (identity_synth with
the wide name pools, as bench_identity.py's scale run) handed over as columns. Peak memory is the highest sum of
resident sets of the run's process and its children (Spark's JVM is a child), sampled every 0.2 s, so a short
spike can be missed by a few MiB. A run that outlasts its budget is stopped and printed as "not measured", with
the reason; no figure is ever estimated.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from identity_support import PRESENCE, SYSTEMS, cluster_pairs, prf  # noqa: E402


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for text in status:
                if text.startswith("VmRSS:"):
                    return int(text.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc's parent ids)."""
    children = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children[parent].append(int(entry))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, ()))
    return out


class TreePeak:
    """Samples the resident set of this process and its children in a thread; `peak` is the highest sum seen."""

    def __init__(self, every: float = 0.2) -> None:
        self.peak, self.every, self._stop = 0.0, every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss_mib(p) for p in _tree(os.getpid())))
            self._stop.wait(self.every)

    def stop(self) -> float:
        """Stop sampling; the peak in MiB."""
        self._stop.set()
        self._thread.join()
        return self.peak


def one(backend: str, records_wanted: int, systems: int, seed: int, master: str, memory: str) -> dict:
    """One run of the engine on one backend; figures as a dict."""
    from app.engines import identity
    from app.engines.identity.backends import Backend
    from app.engines.identity_synth import extracts

    people = round(records_wanted / (sum(PRESENCE[:systems]) * 1.08))
    records = extracts(people, SYSTEMS[:systems], seed=seed, presence=PRESENCE[:systems], diverse=True)
    names = ("system", "source_record_id", *identity.FIELDS)
    columns = {name: [r.get(name) or None for r in records] for name in names}
    person = [r["person"] for r in records]
    del records
    gc.collect()
    options = identity.Options(backend=Backend(name=backend, spark_master=master, spark_driver_memory=memory))
    sampler = TreePeak()
    started = time.perf_counter()
    result = identity.resolve(columns, options)
    took = time.perf_counter() - started
    peak = sampler.stop()
    keys = [r.key for r in result.records]
    by_person = defaultdict(list)
    for index, who in enumerate(person):
        by_person[who].append(index)
    scores = prf(cluster_pairs(result.clusters, keys), cluster_pairs(by_person.values(), keys))
    return {**scores, "records": len(keys), "people": people, "seconds": took, "peak_mib": peak,
            "real_customers": result.real_customers, "pairs": len(result.pairs), "load": os.getloadavg()[0],
            "backend": result.model.get("backend", backend)}


def run(backend: str, size: int, args: argparse.Namespace) -> tuple[dict | None, str]:
    """One measurement in a fresh interpreter within the budget: (figures, "") or (None, why not)."""
    command = [sys.executable, __file__, "--one", backend, "--sizes", str(size), "--systems", str(args.systems),
               "--seed", str(args.seed), "--master", args.master, "--memory", args.memory]
    budget = args.budget_minutes * 60
    if args.stop_at is not None:
        budget = min(budget, args.stop_at - time.time())
        if budget <= 0:
            return None, f"not started: the bench's end time ({args.stop_at_text} UTC) had passed"
    try:
        out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=budget)
    except subprocess.TimeoutExpired:
        return None, (f"stopped unfinished after {budget / 60:.0f} min (budget {args.budget_minutes:g} min, end "
                      f"time {args.stop_at_text or 'none'}), load average {os.getloadavg()[0]:.1f} on "
                      f"{os.cpu_count()} cores")
    for output in reversed(out.stdout.splitlines()):
        if output.startswith("{"):
            return json.loads(output), ""
    lines = out.stderr.strip().splitlines()
    causes = [t.strip() for t in lines if ("Error" in t or "Exception" in t) and not t.strip().startswith("at ")]
    return None, f"the run failed (exit {out.returncode}): {(causes or lines or ['?'])[-1][:400]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="records, smallest first")
    parser.add_argument("--systems", type=int, default=4, choices=(2, 3, 4))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--budget-minutes", type=float, default=40.0, help="per run; longer runs are stopped")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--memory", default="4g", help="Spark driver memory")
    parser.add_argument("--backends", nargs="+", default=["duckdb", "spark"], choices=("duckdb", "spark"))
    parser.add_argument("--stop-at", dest="stop_at_text", help="HH:MM UTC: stop any run still going then")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.stop_at = None
    if args.stop_at_text:
        hour, minute = map(int, args.stop_at_text.split(":"))
        now = time.gmtime()
        args.stop_at = time.time() + ((hour * 60 + minute) - (now.tm_hour * 60 + now.tm_min)) * 60 - now.tm_sec
    if args.one:
        print(json.dumps(one(args.one, args.sizes[0], args.systems, args.seed, args.master, args.memory)))
        return
    print(f"Identity on Spark ({args.master}, driver memory {args.memory}) next to DuckDB; {args.systems} systems, "
          f"seed {args.seed}; {os.cpu_count()} cores; budget {args.budget_minutes:g} min per run")
    for size in args.sizes:  # smallest first: a run stopped at the end time leaves the smaller figures printed
        for backend in args.backends:
            figures, why = run(backend, size, args)
            if figures is None:
                label = f"{size / 1e6:g}M" if size >= 1_000_000 else f"{size / 1e3:g}k"
                print(f"  {size:,} records, {backend}: {label} not measured: {why}", flush=True)
                continue
            print(f"  {figures['records']:,} records, {figures['backend']}: {figures['seconds']:.1f} s, peak "
                  f"{figures['peak_mib']:,.0f} MiB ({figures['peak_mib'] / 1024:.2f} GiB) with children; real "
                  f"customers {figures['real_customers']:,} (truth {figures['people']:,}); "
                  f"P {figures['precision']:.4f} R {figures['recall']:.4f}; pairs {figures['pairs']:,}; "
                  f"load average {figures['load']:.1f}",
                  flush=True)


if __name__ == "__main__":
    main()

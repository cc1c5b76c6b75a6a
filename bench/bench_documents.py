"""Interchange documents benchmark: ReqIF and MADR of a large engagement, Mermaid of a large landscape.

Run from the repository root:  .venv/bin/python bench/bench_documents.py [--requirements 2000] [--decisions 500]
                               [--links 3000] [--systems 1000] [--flows 5000] [--reps 3] [--validate]

Pure: the requirements, decisions and links are generated directly as `exports.records` dataclasses with
hostile text (`& < "`, non-ASCII, line breaks) in every field, the landscape as `ScenarioSnapshot`
dataclasses (bench_diagrams' generator). It prints median seconds and output sizes of: the ReqIF `.reqif`
(grouped by type and by channel) and `.reqifz`, the MADR zip, and the Mermaid landscape (both clusterings)
next to the DOT of the same figure. `--validate` also times the `reqif` package's parser on the file
(test-only dependency). Budgets (exit 1 when over): ReqIF < 5 s, MADR zip < 5 s, Mermaid < 2 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_diagrams import generate as generate_landscape  # noqa: E402
from bench.timing import median_timed  # noqa: E402
from exports import diagrams, madr, mermaid, reqif  # noqa: E402
from exports.records import DecisionRecord, DocumentSnapshot, LinkRecord, RequirementRecord  # noqa: E402
from models import vocab  # noqa: E402

BUDGETS = {"reqif": 5.0, "madr": 5.0, "mermaid": 2.0}
TEXT = 'Stock & <availability> "within" 60 s — für Kunden 東京.\nSecond line: freshness(inventory, web) <= 60s'


def generate(n_req: int, n_adr: int, n_links: int, seed: int) -> DocumentSnapshot:
    """An engagement's documents as plain records."""
    rng = random.Random(seed)
    channels = {i + 1: name for i, (name, _) in enumerate(vocab.DEFAULT_CHANNELS)}
    reqs = tuple(RequirementRecord(
        id=1000 + i, ref=f"REQ-{i + 1}", title=f"Requirement {i + 1} & <{rng.random():.3f}>", text=TEXT * 3,
        type=rng.choice(list(vocab.REQUIREMENT_TYPES)), priority=rng.choice(list(vocab.PRIORITIES)),
        status=rng.choice(list(vocab.REQUIREMENT_STATUSES)),
        channel_ids=tuple(sorted(rng.sample(list(channels), rng.randint(0, 3)))), source="Dana Ruiz",
        acceptance="freshness(inventory, web) <= 60s", tags=("stock", "web"), version=rng.randint(1, 5),
        satisfied_by=("Fluent OMS", "SAP ECC"),
    ) for i in range(n_req))
    adrs = tuple(DecisionRecord(
        id=100000 + i, number=i + 1, ref=f"ADR-{i + 1}", title=f"Decision {i + 1}: ---\n# not a heading",
        status=rng.choice(list(vocab.DECISION_STATUSES)), context=TEXT * 4, options="1. A\n2. B\n# C",
        outcome=TEXT, consequences=TEXT * 2, decided_on=date(2026, 1, 1 + i % 28),
        supersedes_id=100000 + i - 1 if i and rng.random() < 0.1 else None,
        deciders=("Ana Lima", 'Bo "the boss"'), consulted=("Cy",), informed=("Di",),
    ) for i in range(n_adr))
    links = []
    for i in range(n_links):
        source = rng.choice(reqs).id
        if rng.random() < 0.5:
            links.append(LinkRecord(i + 1, "addresses", source, rng.choice(adrs).id))
        else:
            target = rng.choice(reqs).id
            if target != source:
                links.append(LinkRecord(i + 1, "refines", source, target))
    return DocumentSnapshot(
        engagement_id=1, engagement_name="Benchmark & <Co>", client="Bench",
        exported_at=datetime(2026, 3, 1, tzinfo=UTC),
        channels=channels, requirement_types=vocab.REQUIREMENT_TYPES, priorities=vocab.PRIORITIES,
        requirement_statuses=vocab.REQUIREMENT_STATUSES, decision_statuses=vocab.DECISION_STATUSES,
        requirements=reqs, decisions=adrs, links=tuple(links),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--links", type=int, default=3000)
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--validate", action="store_true", help="also parse the ReqIF with the reqif package")
    args = parser.parse_args()
    snap = generate(args.requirements, args.decisions, args.links, args.seed)
    print(f"{args.requirements} requirements, {args.decisions} decisions, {len(snap.links)} links; "
          f"landscape {args.systems} systems, {args.flows} flows; median of {args.reps} run(s)")
    ok = True

    def line(label: str, seconds: float, size: int, budget: str) -> None:
        nonlocal ok
        within = seconds < BUDGETS[budget]
        ok &= within
        print(f"  {label:<34} {seconds:6.2f} s  {size / 1024 / 1024:6.1f} MiB   "
              f"{'ok' if within else 'OVER'} (budget {BUDGETS[budget]:g} s)")

    for group_by in reqif.GROUPINGS:
        seconds, data = median_timed(lambda g=group_by: reqif.write_reqif(snap, group_by=g), args.reps)
        line(f"ReqIF .reqif by {group_by}", seconds, len(data), "reqif")
    seconds, packed = median_timed(lambda: reqif.write_reqifz(snap), args.reps)
    line("ReqIF .reqifz by type", seconds, len(packed), "reqif")
    if args.validate:
        from reqif.parser import ReqIFParser

        with tempfile.NamedTemporaryFile(suffix=".reqif") as handle:
            handle.write(reqif.write_reqif(snap))
            handle.flush()
            start = time.perf_counter()
            bundle = ReqIFParser.parse(handle.name)
            print(f"  {'reqif package parses it':<34} {time.perf_counter() - start:6.2f} s  "
                  f"{len(bundle.core_content.req_if_content.spec_objects)} spec objects, "
                  f"{len(bundle.exceptions)} problems")
    seconds, zipped = median_timed(lambda: madr.write_adr_zip(snap), args.reps)
    line(f"MADR zip ({args.decisions} files)", seconds, len(zipped), "madr")
    landscape = generate_landscape(args.systems, args.flows, args.seed)
    for cluster in diagrams.CLUSTERS:
        figure = diagrams.landscape_figure(landscape, cluster=cluster)
        t_dot, _ = median_timed(figure.dot, args.reps)
        seconds, text = median_timed(lambda f=figure: mermaid.render(f), args.reps)
        line(f"Mermaid landscape by {cluster}", seconds, len(text.encode()), "mermaid")
        print(f"  {'  (DOT of the same figure)':<34} {t_dot:6.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Text fidelity of the documents: awkward text through ReqIF and MADR and back, diagram labels and fonts.

Run from the repository root:  .venv/bin/python bench/bench_document_text.py [--requirements 500]
                               [--decisions 100] [--seed 7]

Generates requirements and decisions whose titles and texts hold quotes, `;`, `|`, a leading `-` or `=`,
line breaks, CJK, emoji, Arabic (RTL) and 150-character names, then prints for each format the number of
fields that differ after the round trip in the fields the format carries (titles compared one-line, as
exported) and the time taken: ReqIF (written, then read with the `reqif` package, test-only dependency) and
MADR (written, then `parse_madr`). It also prints the widest diagram node-label line (a 150-character name must
wrap to ≤ 26 columns) and how many distinct characters of the text no installed font can draw (0 once the Noto
fonts are installed). Exit 1 when a difference, an over-wide label or a missing glyph is found.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exports import fonts, madr, reqif  # noqa: E402
from exports.diagrams.figure import NODE_LABEL_WIDTH  # noqa: E402
from exports.records import DecisionRecord, DocumentSnapshot, RequirementRecord  # noqa: E402
from exports.text import display_width, single_line, wrap  # noqa: E402
from models import vocab  # noqa: E402

AWKWARD = ['Quote "x" and \'y\'', "semi; colon | pipe", "- leading dash", "= leading equals", "日本語の要件",
           "在庫管理システム 🚀👍🏽", "نظام المخزون", "Line one\nline two", "R&D <core>", "x" * 150]


def generate(n_req: int, n_adr: int, seed: int) -> DocumentSnapshot:
    """Requirements and decisions with awkward titles and texts."""
    rng = random.Random(seed)

    def text(i: int) -> str:
        return " ".join(rng.sample(AWKWARD, 3)) + f" {i}"

    reqs = tuple(RequirementRecord(id=1000 + i, ref=f"REQ-{i + 1}", title=text(i), text=text(i) + "\n" + text(i),
                                   type=rng.choice(list(vocab.REQUIREMENT_TYPES)), source=text(i)[:80])
                 for i in range(n_req))
    adrs = tuple(DecisionRecord(id=100000 + i, number=i + 1, ref=f"ADR-{i + 1}", title=text(i), status="accepted",
                                context=text(i) + "\n\n" + text(i), outcome=text(i), decided_on=date(2026, 1, 1),
                                deciders=(text(i)[:60],))
                 for i in range(n_adr))
    return DocumentSnapshot(engagement_id=1, engagement_name="日本語 & <Co>", client="Bench",
                            exported_at=datetime(2026, 3, 1, tzinfo=UTC), requirement_types=vocab.REQUIREMENT_TYPES,
                            priorities=vocab.PRIORITIES, requirement_statuses=vocab.REQUIREMENT_STATUSES,
                            decision_statuses=vocab.DECISION_STATUSES, requirements=reqs, decisions=adrs)


def _xhtml_text(value: str) -> str:
    value = re.sub(r"<br/>", "\n", value)
    paragraphs = re.findall(r"<p>(.*?)</p>", value, flags=re.S)
    return unescape("\n\n".join(re.sub(r"<[^>]+>", "", p).strip() for p in paragraphs))


def reqif_differences(snap: DocumentSnapshot) -> tuple[int, int, float]:
    """(fields compared, fields differing, seconds) for write + read of the ReqIF file."""
    from reqif.parser import ReqIFParser

    start = time.perf_counter()
    data = reqif.write_reqif(snap)
    with tempfile.NamedTemporaryFile(suffix=".reqif") as handle:
        handle.write(data)
        handle.flush()
        content = ReqIFParser.parse(handle.name).core_content.req_if_content
    seconds = time.perf_counter() - start
    read = {}
    for spec_object in content.spec_objects:
        values = {a.definition_ref: (_xhtml_text(a.value_stripped_xhtml) if a.value_stripped_xhtml is not None
                                     else a.value) for a in spec_object.attributes}
        read[values.get("ad-req-foreign-id")] = values
    compared = differing = 0
    for req in snap.requirements:
        got = read.get(req.ref, {})
        for key, want in (("ad-req-name", single_line(req.title)), ("ad-req-text", req.text.strip()),
                          ("ad-req-source", single_line(req.source))):
            compared += 1
            differing += got.get(key) != want
    return compared, differing, seconds


def madr_differences(snap: DocumentSnapshot) -> tuple[int, int, float]:
    """(decisions compared, decisions differing, seconds) for write + parse of every MADR file."""
    start = time.perf_counter()
    files = madr.write_adrs(snap)
    parsed = {name: madr.parse_madr(text) for name, text in files.items()}
    seconds = time.perf_counter() - start
    differing = sum(parsed[madr.file_name(d)] != madr.fields_of(d, snap) for d in snap.decisions)
    return len(snap.decisions), differing, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=int, default=500)
    parser.add_argument("--decisions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    snap = generate(args.requirements, args.decisions, args.seed)
    ok = True
    compared, differing, seconds = reqif_differences(snap)
    ok &= differing == 0
    print(f"ReqIF  {compared} fields of {args.requirements} requirements: {differing} differences, {seconds:.2f} s")
    compared, differing, seconds = madr_differences(snap)
    ok &= differing == 0
    print(f"MADR   {compared} decisions: {differing} differences, {seconds:.2f} s")
    widest = max(display_width(row) for name in AWKWARD for row in wrap(single_line(name), NODE_LABEL_WIDTH))
    ok &= widest <= NODE_LABEL_WIDTH
    print(f"Diagram node labels: widest line {widest} columns (limit {NODE_LABEL_WIDTH})")
    if fonts.can_check():
        missing = fonts.missing_characters(AWKWARD)
        ok &= not missing
        print(f"Fonts: {len(missing)} characters no installed font draws"
              + (f" ({', '.join(fonts.describe(c) for c in missing)}): not met" if missing else ""))
    else:
        print("Fonts: not measured — fontconfig (fc-list) is not installed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

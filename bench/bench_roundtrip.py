"""Round trip through every exchange format: bundle, workbook, ArchiMate and ReqIF, with awkward text.

Run from the repository root:  .venv/bin/python bench/bench_roundtrip.py [--systems 200] [--flows 1000]
[--requirements 500] [--seed 7] [--formats bundle,workbook,archimate,reqif]

Generates an engagement (bench/roundtrip_support.py: every element and dataset kind, trace links, values per
scenario, quotes, `;`, `|`, leading `-`/`=`/`+`/`@`, newlines in text fields, CJK, emoji, RTL and 150-character
names), imports it into a throwaway SQLite database, then for each format: export, import into an empty
database (a fresh SQLite file), and compare the fields that format carries, objects matched by name or ref:

- bundle: everything (every element field, links, values per scenario, and every other section as a whole);
- workbook: the columns of app/services/workbook/mapping.FIELDS, trace links and values per scenario;
- ArchiMate: every element field (fields are properties or structure: archimate_mapping), and trace links;
- ReqIF: requirement and decision text (title, text, acceptance / context, options, outcome, consequences),
  read back from the file with lxml (this branch has no ReqIF importer).

Prints per format the number of differences, the first few, and the seconds taken (export + import + compare).
A format with differences is "not met": the target is zero differences for each.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("THROUGHLINE_INSTANCE", tempfile.mkdtemp(prefix="throughline-bench-"))
os.environ.setdefault("SECRET_KEY", "bench-secret")

from lxml import etree  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.database import configure_engine  # noqa: E402
from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle, parse_bundle  # noqa: E402
from app.services.engagements import create_engagement  # noqa: E402
from app.services.errors import ValidationError  # noqa: E402
from app.services.workbook.mapping import FIELDS, SHEET_KIND  # noqa: E402
from bench.roundtrip_support import comparable, differences, generate  # noqa: E402
from models import Base  # noqa: E402

FORMATS = ("bundle", "workbook", "archimate", "reqif")
READ_BACK_ONLY = {"reqif"}
EXAMPLES = 5
_R = "{http://www.omg.org/spec/ReqIF/20110401/reqif.xsd}"
_X = "{http://www.w3.org/1999/xhtml}"


def database(folder: Path, name: str) -> Session:
    """A session on a new SQLite file with the schema: the "empty database" a format is imported into."""
    engine = create_engine(f"sqlite:///{folder / name}.sqlite")
    configure_engine(engine, 30_000)
    Base.metadata.create_all(engine)
    return Session(engine)


def bundle_trip(source: Session, engagement, target: Session) -> list[str]:
    """Export, import into the empty database, export again: every element and every section."""
    first = export_bundle(source, engagement)
    copy = import_bundle(target, parse_bundle(dumps_bundle(first)))
    second = export_bundle(target, copy)
    found = differences(comparable(first), comparable(second))
    for section in sorted(set(first) | set(second) - {"exported_at"}):
        if section != "exported_at" and first.get(section) != second.get(section):
            found.append(f"section {section!r} differs")
    return found


def workbook_trip(source: Session, engagement, target: Session) -> list[str]:
    """XLSX export, applied to a new engagement without default channels or entities."""
    from app.services.workbook.export import export_workbook
    from app.services.workbook.importer import import_workbook

    data = export_workbook(source, engagement, "xlsx")
    empty = create_engagement(target, engagement.name, seed=False)
    report = import_workbook(target, empty, data, filename="roundtrip.xlsx", dry_run=False)
    if not report.ok:
        return [f"import refused: {p}" for p in report.errors]
    carried: dict[str, set[str]] = {}
    for sheet, columns in FIELDS.items():
        carried.setdefault(SHEET_KIND[sheet], set()).update(columns.values())
    carried.update(trace_link=set(), scenario_value=set())
    return differences(comparable(export_bundle(source, engagement), carried),
                       comparable(export_bundle(target, empty), carried))


def archimate_trip(source: Session, engagement, target: Session) -> list[str]:
    """Exchange-format export of every scenario (one plateau each), imported as a new engagement."""
    from app.services.interchange.archimate_export import export_archimate
    from app.services.interchange.archimate_import import import_archimate

    raw = export_archimate(source, engagement, "all")
    try:
        summary = import_archimate(target, raw)
    except ValidationError as exc:
        return [f"import refused: {where}: {m}" for where, ms in exc.errors.items() for m in ms]
    before = comparable(export_bundle(source, engagement))
    after = comparable(export_bundle(target, summary.engagement))
    for table in (before, after):
        table.pop("scenario_value", None)  # an exchange file describes each plateau's own elements instead
    return differences(before, after)


def reqif_trip(source: Session, engagement, _target: Session) -> list[str]:
    """ReqIF export read back: each requirement's and decision's text as the file holds it."""
    from app.services.interchange.documents import export_reqif

    raw = export_reqif(source, engagement)
    held = _read_reqif(raw)
    document = export_bundle(source, engagement)
    found = []
    wanted = {"requirements": {"title": "ReqIF.Name", "text": "ReqIF.Text", "acceptance": "Acceptance criteria"},
              "decisions": {"title": "ReqIF.Name", "context": "Context and problem statement",
                            "options": "Considered options", "outcome": "Decision outcome",
                            "consequences": "Consequences"}}
    for coll, fields in wanted.items():
        for obj in document.get(coll, []):
            values = held.get(obj["ref"])
            if values is None:
                found.append(f"{obj['ref']}: missing from the file")
                continue
            for field, attribute in fields.items():
                if (obj.get(field) or "") != values.get(attribute, ""):
                    found.append(f"{obj['ref']}.{field}: {obj.get(field)!r:.60} became {values.get(attribute)!r:.60}")
    return found


def _read_reqif(raw: bytes) -> dict[str, dict[str, str]]:
    """ForeignID -> attribute long name -> text (XHTML as paragraphs separated by a blank line)."""
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    names = {d.get("IDENTIFIER"): d.get("LONG-NAME") for d in root.iter() if
             isinstance(d.tag, str) and d.tag.startswith(f"{_R}ATTRIBUTE-DEFINITION-")}
    out: dict[str, dict[str, str]] = {}
    for obj in root.iter(f"{_R}SPEC-OBJECT"):
        values: dict[str, str] = {}
        for value in obj.iter(f"{_R}ATTRIBUTE-VALUE-STRING", f"{_R}ATTRIBUTE-VALUE-XHTML"):
            ref = next(iter(value.find(f"{_R}DEFINITION")), None)
            name = names.get(ref.text if ref is not None else "", "")
            if value.tag.endswith("STRING"):
                values[name] = value.get("THE-VALUE", "")
            else:
                paragraphs = value.find(f"{_R}THE-VALUE").iter(f"{_X}p")
                values[name] = "\n\n".join(_xhtml_text(p) for p in paragraphs)
        if "ReqIF.ForeignID" in values:
            out[values["ReqIF.ForeignID"]] = values
    return out


def _xhtml_text(p) -> str:
    parts = [p.text or ""]
    for child in p:
        parts.append("\n" if child.tag == f"{_X}br" else re.sub(r"\s+", " ", etree.tostring(child, method="text",
                                                                                            encoding="unicode")))
        parts.append(child.tail or "")
    return "".join(parts)


TRIPS = {"bundle": bundle_trip, "workbook": workbook_trip, "archimate": archimate_trip, "reqif": reqif_trip}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=200)
    parser.add_argument("--flows", type=int, default=1_000)
    parser.add_argument("--requirements", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(TRIPS)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))} (known: {', '.join(FORMATS)})")
    with tempfile.TemporaryDirectory(prefix="throughline-roundtrip-") as tmp:
        folder = Path(tmp)
        source = database(folder, "source")
        started = time.perf_counter()
        engagement = import_bundle(source, generate(args.systems, args.flows, args.requirements, args.seed))
        print(f"Round trip: {args.systems} systems, {args.flows} flows, {args.requirements} requirements, every "
              f"element and dataset kind, awkward text (generated and imported in "
              f"{time.perf_counter() - started:.1f} s)\n")
        failed = 0
        for fmt in formats:
            target = database(folder, fmt)
            started = time.perf_counter()
            try:
                found = TRIPS[fmt](source, engagement, target)
            except Exception as exc:  # noqa: BLE001 - a crash is a result to print, not a reason to stop
                found = [f"crashed: {type(exc).__name__}: {str(exc)[:300]}"]
                target.rollback()
            seconds = time.perf_counter() - started
            verdict = "met" if not found else "NOT MET"
            if fmt in READ_BACK_ONLY:  # no importer: a read-back, not a round trip, whatever it finds
                verdict += " (file read back only: there is no ReqIF importer, so no round trip was made)"
            print(f"{fmt:<10} {len(found):>6} differences  {seconds:7.1f} s  zero differences: {verdict}")
            for line in found[:EXAMPLES]:
                print(f"    {line}")
            failed += bool(found)
            target.close()
        source.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

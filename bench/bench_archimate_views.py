"""Archisurance round trip with its views: counts in the source and in the export, time, schema and table checks.

Run: .venv/bin/python bench/bench_archimate_views.py [--reps 3]
Imports tests/data/archisurance.xml into a throwaway SQLite database, exports it again (timed, median and max of
the repetitions), and prints per kind of thing (elements, relationships, views, nodes, connections, bendpoints,
organisation items, properties, property definitions, Dublin Core metadata) the count in the source and in the
export, whether the export is valid against exchange.xsd, the relationships ArchiMate 3.2's table does not
allow, and the property values the export states that the source did not. Any difference is printed as
"not met" with the reason.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("THROUGHLINE_INSTANCE", tempfile.mkdtemp(prefix="throughline-bench-"))

from lxml import etree  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.interchange.archimate_export import export_archimate  # noqa: E402
from app.services.interchange.archimate_import import import_archimate  # noqa: E402
from bench.timing import timed  # noqa: E402
from exports.archimate import NS, XSI_TYPE, holdings, schema_errors  # noqa: E402
from exports.archimate.relationships import disallowed  # noqa: E402
from models import Base  # noqa: E402

ARCHISURANCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "archisurance.xml"
A, DC = f"{{{NS}}}", "{http://purl.org/dc/elements/1.1/}"



def stated(root) -> Counter:
    """Every (property name, value) pair a file states."""
    names = {d.get("identifier"): d.findtext(f"{A}name") for d in root.iter(f"{A}propertyDefinition")}
    return Counter((names[p.get("propertyDefinitionRef")], p.findtext(f"{A}value")) for p in root.iter(f"{A}property"))


def relationship_rows(root) -> list[tuple[str, str, str, str]]:
    """(identifier, type, source type, target type) of every relationship."""
    types = {e.get("identifier"): e.get(XSI_TYPE) for e in root.iter(f"{A}element")}
    types |= {r.get("identifier"): "Relationship" for r in root.iter(f"{A}relationship")}
    return [(r.get("identifier"), r.get(XSI_TYPE), types[r.get("source")], types[r.get("target")])
            for r in root.iter(f"{A}relationship")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="throughline-bench-")) / "bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLALCHEMY_ENGINE_OPTIONS": {}})
    raw = ARCHISURANCE.read_bytes()
    with app.app_context():
        Base.metadata.create_all(db.engine)
        import_times, summary = timed(lambda: import_archimate(db.session, raw), args.reps)
        engagement = summary.engagement

        def export():
            db.session.expire_all()  # every repetition reads the database again
            return export_archimate(db.session, engagement)

        export_times, xml = timed(export, args.reps)
    source, exported = etree.fromstring(raw), etree.fromstring(xml)
    print(f"import archisurance.xml: median {statistics.median(import_times):.2f} s, max {max(import_times):.2f} s")
    print(f"export again with its views: median {statistics.median(export_times):.2f} s, "
          f"max {max(export_times):.2f} s")
    before, after = holdings(source), holdings(exported)
    for what, n in before.items():
        verdict = "same" if after[what] == n else f"not met: {after[what] - n:+d}"
        print(f"  {what:<21} source {n:>4}  export {after[what]:>4}  {verdict}")
    errors = schema_errors(exported.getroottree())
    print(f"valid against exchange.xsd: {not errors}" + (f" (not met: {errors[0]})" if errors else ""))
    refused = disallowed(relationship_rows(exported))
    print(f"relationships ArchiMate 3.2's table does not allow: {len(refused)}"
          + (f" (not met: {refused[0]})" if refused else ""))
    invented = stated(exported) - stated(source)
    print(f"property values stated by the export but not by the source: {sum(invented.values())}"
          + (f" (not met: {sorted(invented)[:3]})" if invented else ""))


if __name__ == "__main__":
    main()

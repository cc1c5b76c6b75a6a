"""Diagrams as DOT (pure) and their rendering: deterministic, inert user text, slow edges, safe `dot` runs."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from xml.etree import ElementTree

import pytest

from app.graph import snapshot as s
from app.graph.findings import run_findings
from app.graph.impact import system_impact
from app.graph.model import build_graph
from exports import diagrams
from exports.diagrams.figure import NODE_LABEL_WIDTH
from exports.dot import escape, lines
from exports.graphviz_render import DiagramError, check_inert_svg, render, render_environment
from tests.graph.model_builder import Model

HOSTILE = [
    "<script>alert(1)</script>",
    'Quote " inside',
    r"Back\G\N\E\T\H\L\l\r\n slash\\",
    "javascript:alert(1)",
    "<<b>x</b>>",
    "R&D &amp; &#0; &lt;",
]
XLINK = "{http://www.w3.org/1999/xlink}href"


def demo_model() -> Model:
    """A small omnichannel model: ERP (SoR) → iPaaS → web shop, a nightly batch, a store POS."""
    m = Model(scenario_id=1, name="Current state")
    m.channel("Web").channel("Store")
    m.system("ERP", "erp").system("iPaaS", "ipaas").system("Web shop", "ecommerce", channels=["Web"])
    m.system("POS", "pos", channels=["Store"]).system("Old WMS", "wms", lifecycle="retiring")
    m.owns("ERP", "Inventory")
    m.flow("ERP", "Web shop", "Inventory", pattern="batch", latency=43200, worst=86400, via="iPaaS")
    m.flow("ERP", "POS", "Inventory", pattern="api", latency=1, worst=5)
    m.flow("Old WMS", "ERP", "Inventory", pattern="event", latency=60, worst=3600)
    m.flow("Web shop", "ERP", "Order", pattern="api", latency=1, two_way=True)
    return m


def svg_tree(dot_source: str) -> ElementTree.Element:
    return ElementTree.fromstring(render(dot_source, "svg"))


def texts(root: ElementTree.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def all_four(m: Model, origin: str = "ERP", prefix: str | None = "/e/1") -> dict[str, str]:
    """Every diagram of a model (the diff drops its first system in B)."""
    snap = m.snapshot()
    graph = build_graph(snap)
    after = replace(snap, scenario_id=2, scenario_name="Target", systems=snap.systems[1:])
    return {
        "landscape": diagrams.landscape(snap, cluster="category", link_prefix=prefix),
        "by channel": diagrams.landscape(snap, cluster="channel", link_prefix=prefix),
        "entity": diagrams.entity_flow(snap, m["Inventory"], link_prefix=prefix),
        "impact": diagrams.impact_diagram(snap, system_impact(graph, m[origin]), link_prefix=prefix),
        "diff": diagrams.diff_diagram(snap, after, link_prefix=prefix),
    }


# --- determinism ----------------------------------------------------------------------------------


def test_the_same_model_gives_byte_identical_dot_whatever_the_order_it_arrives_in():
    m = demo_model()
    first, second = all_four(m), all_four(m)
    assert first == second
    shuffled = m.snapshot()
    shuffled = replace(shuffled, systems=shuffled.systems[::-1], flows=shuffled.flows[::-1],
                       channels=shuffled.channels[::-1], ownerships=shuffled.ownerships[::-1])
    assert diagrams.landscape(shuffled, cluster="channel", link_prefix="/e/1") == first["by channel"]
    assert diagrams.entity_flow(shuffled, m["Inventory"], link_prefix="/e/1") == first["entity"]
    for source in first.values():
        assert re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", source) is None  # no timestamps


# --- escaping -------------------------------------------------------------------------------------


def test_escape_doubles_backslashes_quotes_quotes_and_neutralises_entities():
    assert escape('a\\Gb"c') == 'a\\\\Gb\\"c'
    assert escape("x\ny\r\nz") == "x\\ny\\nz"  # our own line breaks only
    assert escape("R&D") == "R&amp;D"
    assert escape("bell\x07tab\tend") == "belltab\tend"  # XML has no control characters but the tab
    assert lines("Name", "", None, "ERP") == "Name\\nERP"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_quoted_labels_in_dot(name):
    m = Model()
    m.system(name, "erp")
    source = diagrams.landscape(m.snapshot(), link_prefix="/e/1")
    node = next(line for line in source.splitlines() if line.strip().startswith(f"s{m[name]} "))
    assert f'label="{lines(name, "ERP", width=NODE_LABEL_WIDTH)}"' in node  # escaped after wrapping
    assert "label=<" not in source  # never an HTML-like label


def test_hostile_names_render_as_inert_literal_text_in_svg():
    m = Model()
    m.channel("Web")
    for i, name in enumerate(HOSTILE):
        m.system(name, "custom", channels=["Web"] if i % 2 else [])
    for i, name in enumerate(HOSTILE[1:]):
        m.flow(HOSTILE[i], name, "Inventory", pattern="batch", latency=60)
    m.owns(HOSTILE[0], "Inventory")
    for kind, source in all_four(m, origin=HOSTILE[2]).items():
        root = svg_tree(source)
        shown = texts(root)
        for name in HOSTILE:  # a long name wraps over several text lines of its box
            assert " ".join(name.split()) in " ".join(shown), (kind, name, shown)
        tags = {el.tag.rsplit("}", 1)[-1].lower() for el in root.iter()}
        assert not tags & {"script", "foreignobject", "b", "iframe"}, (kind, tags)
        for el in root.iter():
            for attr, value in el.attrib.items():
                assert "javascript:" not in value.lower(), (kind, attr, value)
                assert not attr.lower().startswith("on"), (kind, attr)
                if attr == XLINK:
                    assert re.fullmatch(r"/e/1/(systems|flows|channels)/\d+", value), value


def test_node_links_are_app_paths_built_from_ids_and_open_at_the_top():
    m = demo_model()
    source = diagrams.landscape(m.snapshot(), link_prefix="/e/7")
    assert f'URL="/e/7/systems/{m["ERP"]}"' in source
    assert 'target="_top"' in source
    assert "URL=" not in diagrams.landscape(m.snapshot())  # no prefix, no links (CLI files)


@pytest.mark.parametrize("prefix", ["javascript:alert(1)", "//evil.example", "https://evil.example", "/e/1/../x",
                                    "/e/1?x=1", 'e/1"'])
def test_a_link_prefix_must_be_a_plain_app_path(prefix):
    with pytest.raises(ValueError):
        diagrams.landscape(demo_model().snapshot(), link_prefix=prefix)


# --- the four diagrams ----------------------------------------------------------------------------


def edge_lines(source: str, a: int, b: int) -> list[str]:
    return [line for line in source.splitlines() if line.strip().startswith(f"s{a} -> s{b} ")]


def test_entity_view_highlights_the_system_of_record_and_marks_slow_edges():
    m = demo_model()
    snap = m.snapshot()
    snap = replace(snap, vocabulary=replace(snap.vocabulary, roles={"sor": "System of record"}))
    source = diagrams.entity_flow(snap, m["Inventory"], link_prefix="/e/1")
    erp = next(line for line in source.splitlines() if line.strip().startswith(f"s{m['ERP']} ["))
    assert "System of record" in erp and 'fillcolor="#d3f0dc"' in erp
    batch = edge_lines(source, m["ERP"], m["iPaaS"])[0]  # first leg carries the label
    assert 'color="#b42318"' in batch and "SLOW" in batch and "Batch file" in batch and "worst 24 h" in batch
    assert 'color="#b42318"' in edge_lines(source, m["iPaaS"], m["Web shop"])[0]
    event = edge_lines(source, m["Old WMS"], m["ERP"])[0]  # worst 1 h > 15 min: slow though not batch
    assert "SLOW" in event
    api = edge_lines(source, m["ERP"], m["POS"])[0]
    assert "SLOW" not in api and "#b42318" not in api and "typical 1 s · worst 5 s" in api
    assert f"s{m['Web shop']} -> c{m['Web']}" in source  # the channel it serves
    assert "Order" not in source  # other entities' flows are left out
    relaxed = diagrams.entity_flow(m.snapshot(), m["Inventory"], slow_after=7200)
    assert "SLOW" not in edge_lines(relaxed, m["Old WMS"], m["ERP"])[0]


def test_impact_view_colours_origin_upstream_and_downstream():
    m = demo_model()
    graph = m.graph()
    source = diagrams.impact_diagram(m.snapshot(), system_impact(graph, m["ERP"]))
    node = {name: next(line for line in source.splitlines() if line.strip().startswith(f"s{m[name]} ["))
            for name in ("ERP", "POS", "Old WMS", "Web shop")}
    assert 'fillcolor="#ffe08a"' in node["ERP"] and 'penwidth="3"' in node["ERP"]
    assert 'fillcolor="#ffe1c7"' in node["POS"] and "downstream 1 hop" in node["POS"]
    assert 'fillcolor="#d6e4ff"' in node["Old WMS"] and "upstream 1 hop" in node["Old WMS"]
    assert 'fillcolor="#e6d8ff"' in node["Web shop"]  # order goes both ways
    assert "cluster_legend" in source


def test_diff_colours_added_removed_and_unchanged_by_element_id():
    m = demo_model()
    before = m.snapshot()
    m.system("OMS", "oms")
    new_flow = m.flow("ERP", "OMS", "Inventory")
    after = replace(m.snapshot(), scenario_id=2, scenario_name="Target",
                    systems=tuple(x for x in m.snapshot().systems if x.name != "Old WMS"))
    source = diagrams.diff_diagram(before, after, link_prefix="/e/1")

    def node(name):
        return next(line for line in source.splitlines() if line.strip().startswith(f"s{m[name]} ["))

    assert 'color="#1a7f37"' in node("OMS") and "added" in node("OMS")
    assert 'color="#b42318"' in node("Old WMS") and "removed" in node("Old WMS")
    assert 'color="#9aa3b2"' in node("ERP")
    assert f"Flow {new_flow}" in edge_lines(source, m["ERP"], m["OMS"])[0]
    assert 'color="#1a7f37"' in edge_lines(source, m["ERP"], m["OMS"])[0]


def test_landscape_clusters_by_category_or_by_channel():
    m = demo_model()
    by_category = diagrams.landscape(m.snapshot(), cluster="category")
    assert 'label="ERP";' in by_category and 'label="iPaaS / ESB";' in by_category
    by_channel = diagrams.landscape(m.snapshot(), cluster="channel")
    assert 'label="Web";' in by_channel and 'label="No channel (back office)";' in by_channel
    with pytest.raises(ValueError):
        diagrams.landscape(m.snapshot(), cluster="colour")
    with pytest.raises(ValueError):
        diagrams.entity_flow(m.snapshot(), 999_999)


def test_large_models_switch_to_a_force_directed_layout():
    m = Model()
    for i in range(diagrams.DOT_MAX_NODES + 1):
        m.system(f"S{i}")
    assert 'layout="fdp"' in diagrams.landscape(m.snapshot())
    assert "layout=" not in diagrams.landscape(demo_model().snapshot())


# --- rendering ------------------------------------------------------------------------------------


class FakeRunner:
    def __init__(self, result=None, raises=None):
        self.calls, self.result, self.raises = [], result, raises

    def __call__(self, command, **kwargs):
        self.calls.append((command, kwargs))
        if self.raises is not None:
            raise self.raises
        return self.result


def test_dot_runs_without_a_shell_on_stdin_with_file_loading_disabled(monkeypatch):
    monkeypatch.setenv("GV_FILE_PATH", "/")
    monkeypatch.setenv("GVBINDIR", "/tmp")
    fake = FakeRunner(subprocess.CompletedProcess([], 0, b"\x89PNG fake", b""))
    assert render("digraph g { a }", "png", runner=fake) == b"\x89PNG fake"
    command, kwargs = fake.calls[0]
    assert command[0].endswith("dot") and command[1:] == ["-Tpng"]
    assert kwargs["input"] == b"digraph g { a }" and kwargs["shell"] is False and kwargs["timeout"] == 10
    env = kwargs["env"]
    assert env["SERVER_NAME"] and "GV_FILE_PATH" not in env and "GVBINDIR" not in env
    assert render_environment({"PATH": "/bin", "SECRET": "x"}) == {"PATH": "/bin", "SERVER_NAME": "throughline"}


def test_graphviz_really_refuses_to_read_files(tmp_path):
    picture = tmp_path / "pic.png"
    picture.write_bytes(render("digraph g { a }", "png"))
    raw = f'digraph g {{ a [image="{picture}", label="x"]; b [shape="epsf", shapefile="/etc/hostname"] }}'
    unguarded = subprocess.run(["dot", "-Tsvg"], input=raw.encode(), capture_output=True, check=True).stdout
    assert b"<image" in unguarded  # the control: without SERVER_NAME the file is embedded
    svg = render(raw, "svg")
    assert b"<image" not in svg and str(picture).encode() not in svg


def test_a_render_that_overruns_is_stopped_with_a_clear_error():
    fake = FakeRunner(raises=subprocess.TimeoutExpired(["dot"], 0.01))
    with pytest.raises(DiagramError, match="longer than 0.01 s"):
        render("digraph g { a }", "svg", timeout=0.01, runner=fake)
    big = "digraph g {" + "".join(f"n{i} -> n{i * 7 % 3001};" for i in range(3000)) + "}"
    with pytest.raises(DiagramError, match="was stopped"):
        render(big, "svg", timeout=0.001)  # a real `dot`, killed


def test_failures_and_unknown_formats_raise_diagram_error():
    with pytest.raises(DiagramError, match="syntax error"):
        render("digraph {{{ nonsense", "svg")
    with pytest.raises(DiagramError, match="Unknown diagram format"):
        render("digraph g { a }", "pdf")


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
    b'<a x:href="java\nscript:alert(1)"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><a href="https://evil.example/"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
    b"<svg><unclosed></svg>",
])
def test_svg_with_anything_active_is_refused(svg):
    with pytest.raises(DiagramError):
        check_inert_svg(svg)


def test_svg_of_a_real_diagram_passes_the_check():
    check_inert_svg(render(diagrams.landscape(demo_model().snapshot(), link_prefix="/e/1"), "svg"))
    assert {"batch", "manual"} == s.SLOW_PATTERNS  # the entity view's slow marking relies on these codes


def test_landscape_borders_follow_the_worst_finding_of_each_system():
    m = demo_model()
    findings = run_findings(m.graph()).findings
    worst = {sid for f in findings if f.severity == "high" for sid in f.systems}
    assert worst
    source = diagrams.landscape(m.snapshot(), findings=findings)
    for sid in worst:
        node = next(line for line in source.splitlines() if line.strip().startswith(f"s{sid} ["))
        assert 'penwidth="2.5"' in node and any(c in node for c in diagrams.SEVERITY_COLOURS.values())
    assert 'penwidth="2.5"' not in diagrams.landscape(m.snapshot())

"""Diagrams as Mermaid flowcharts (pure): every system and flow present, hostile labels inert, same figures as DOT."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from app.graph.impact import system_impact
from app.graph.model import build_graph
from exports import diagrams, mermaid
from tests.graph.model_builder import Model

HOSTILE = [
    'Quote " inside',
    "Brackets [x] (y) {z} |pipe|",
    "Arrow --> B; C==>D -.-> E",
    "Two\nlines\r\nand a third",
    "<script>alert(1)</script> & <b>bold</b>",
    "Entity #quot; #35; and %% comment",
    "Back`tick` `markdown`",
    "click s1 href \"javascript:alert(1)\"",
    "end",
    "Ünïcödé — 東京",
]
# One statement per line, each in a form the writer produces: anything else means user text escaped its label.
STATEMENT = re.compile(
    r"""\A(?:
      ---|title:\ ".*"|flowchart\ LR|end|direction\ (?:LR|TB)
    | subgraph\ (?:g\d+|legend)\["[^"]*"\]
    | (?:s|c|legend)\d+(?:\("[^"]*"\)|\[/"[^"]*"/\])
    | (?:s|c)\d+\ (?:-->|<-->|-\.->|<-\.->|---|-\.-)(?:\|"[^"]*"\|)?\ (?:s|c)\d+
    | style\ \w+\ [a-z:#0-9,. -]+
    | linkStyle\ \d+\ [a-z:#0-9,. -]+
    | click\ (?:s|c)\d+\ href\ "/e/\d+/(?:systems|flows|channels)/\d+"\ _top
    )\Z""",
    re.X,
)


def hostile_model() -> Model:
    m = Model(name='Scenario "A" --> B')
    m.channel("Web <b>").channel('Store "1"')
    for i, name in enumerate(HOSTILE):
        m.system(name, "custom", channels=["Web <b>"] if i % 2 else ['Store "1"'])
    m.system("Middleware", "ipaas")
    for i, name in enumerate(HOSTILE[1:]):
        m.flow(HOSTILE[i], name, "Inventory", pattern="batch" if i % 2 else "api", latency=60, worst=7200,
               via="Middleware" if i == 2 else None, two_way=i == 3)
    m.owns(HOSTILE[0], "Inventory")
    return m


def all_four(m: Model, prefix: str | None = "/e/1") -> dict[str, str]:
    snap = m.snapshot()
    graph = build_graph(snap)
    after = replace(snap, scenario_id=2, scenario_name="Target", systems=snap.systems[1:])
    return {
        "landscape": mermaid.landscape(snap, cluster="category", link_prefix=prefix),
        "by channel": mermaid.landscape(snap, cluster="channel", link_prefix=prefix),
        "entity": mermaid.entity_flow(snap, m["Inventory"], link_prefix=prefix),
        "impact": mermaid.impact_diagram(snap, system_impact(graph, m[HOSTILE[1]]), link_prefix=prefix),
        "diff": mermaid.diff_diagram(snap, after, link_prefix=prefix),
    }


def decode(label: str) -> list[str]:
    """A quoted Mermaid label as the lines a reader sees (Mermaid turns `#n;` / `#quot;` into characters)."""
    return [html.unescape(re.sub(r"#(\d+|quot);", lambda m: f"&{'#' if m[1].isdigit() else ''}{m[1]};", part))
            for part in label.split("<br>")]


def node_labels(text: str) -> dict[str, list[str]]:
    found = re.findall(r'^\s*((?:s|c|legend)\d+)(?:\("([^"]*)"\)|\[/"([^"]*)"/\])$', text, flags=re.M)
    return {ident: decode(a or b) for ident, a, b in found}


def test_every_statement_has_a_known_shape_whatever_the_names():
    for kind, text in all_four(hostile_model()).items():
        for line in text.splitlines():
            assert STATEMENT.match(line.strip()), (kind, line)


def test_hostile_names_come_back_exactly_from_their_labels():
    m = hostile_model()
    text = mermaid.landscape(m.snapshot(), link_prefix="/e/1")
    labels = node_labels(text)
    for name in HOSTILE:
        shown = labels[f"s{m[name]}"]
        assert shown[:-1] == re.split(r"\r\n|\n", name), (name, shown)  # name lines, then the category
    assert "<script>" not in text and '"javascript' not in text
    body = text.split("flowchart LR\n", 1)[1]
    assert "-->" not in "".join(re.findall(r'"[^"]*"', body))  # no arrow inside any label


def test_every_system_and_every_flow_of_the_landscape_is_drawn():
    m = hostile_model()
    snap = m.snapshot()
    text = mermaid.landscape(snap)
    assert set(node_labels(text)) == {f"s{system.id}" for system in snap.systems}
    edges = re.findall(r"^\s*(s\d+) \S+ (?:\|\"[^\"]*\"\| )?(s\d+)$", text, flags=re.M)
    expected = []
    for flow in sorted(snap.flows, key=lambda f: f.id):
        if flow.via is not None:
            expected += [(f"s{flow.source}", f"s{flow.via}"), (f"s{flow.via}", f"s{flow.target}")]
        else:
            expected.append((f"s{flow.source}", f"s{flow.target}"))
    assert edges == expected
    assert "<-.->" in text  # the two-way batch flow
    assert "-.->" in text  # batch flows dashed, as in the DOT


def test_the_mermaid_and_the_dot_draw_the_same_figure():
    m = hostile_model()
    figure = diagrams.landscape_figure(m.snapshot(), cluster="channel")
    assert figure.dot() == diagrams.landscape(m.snapshot(), cluster="channel")
    text = mermaid.render(figure)
    assert len(re.findall(r"^\s*subgraph ", text, flags=re.M)) == len(figure.clusters)
    assert len(node_labels(text)) == len(figure.nodes)
    assert len(re.findall(r"^\s*linkStyle ", text, flags=re.M)) == len(figure.edges)


def test_the_title_is_a_quoted_yaml_string_in_front_matter():
    text = mermaid.landscape(hostile_model().snapshot())
    assert text.splitlines()[:4] == ["---", 'title: "Scenario \\"A\\" --\uff1e B — landscape by category"', "---",
                                     "flowchart LR"]


def test_links_only_with_a_prefix_and_only_app_paths():
    m = hostile_model()
    with_links = mermaid.landscape(m.snapshot(), link_prefix="/e/4")
    assert f'click s{m[HOSTILE[0]]} href "/e/4/systems/{m[HOSTILE[0]]}" _top' in with_links
    assert not re.search(r"^\s*click ", mermaid.landscape(m.snapshot()), flags=re.M)  # the hostile name is a label


def test_the_output_is_deterministic():
    assert all_four(hostile_model()) == all_four(hostile_model())


@pytest.mark.parametrize(("text", "expected"), [
    ('a"b', "a#quot;b"), ("a#b", "a#35;b"), ("<i>", "#60;i#62;"), ("x&y", "x#38;y"), ("50%", "50#37;"),
    ("bell\x07", "bell"), ("[a]|b;", "#91;a#93;#124;b#59;"),
])
def test_escape_encodes_every_character_mermaid_reads_as_syntax(text, expected):
    assert mermaid.escape(text) == expected

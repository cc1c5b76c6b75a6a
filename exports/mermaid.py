"""Diagrams as Mermaid `flowchart` text: the same figures `exports.diagrams` builds for Graphviz.

Pure: a `Figure` (nodes, edges, clusters with Graphviz-style attributes) in, Mermaid text out.

Safe: node and cluster ids are ours (`s12`, `c3`, `g0`, checked by the figure). User text appears only inside
double-quoted labels, where every character Mermaid could read as syntax or markup is written as one of
its entity codes (`#quot;`, `#60;`, …): quotes (which would end the label), `#` (so a user's `#quot;` stays
five characters), `<`, `>` and `&` (labels are rendered as HTML; an arrow `-->` becomes inert `--#62;`),
backticks (markdown strings), `%` (comments), and `;|[]{}`. Control characters are dropped and a
line break is only ever our own `<br>`. Mermaid decodes each entity code once, so `&` shows as `&` (not
`&amp;`) and `<b>` as the three characters.

The title goes into the YAML front matter as a JSON (hence YAML) double-quoted string, on one line. Mermaid
(11, as run by mermaid-cli 12) decodes no entity code there, passes the title through DOMPurify and then
sets the sanitised HTML as plain text: a `&` would show as `&amp;`, a `>` as `&gt;`, and `<core>` would
vanish. So the title writes those three as their full-width forms (`＆`, `＜`, `＞`), which read the same and
survive. Node links (`click … href`) are app paths built from ids only, and only when the figure
was built with a link prefix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from exports import diagrams
from exports.diagrams import Figure, Text
from exports.text import single_line

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Characters written as Mermaid entity codes (decimal code points, which Mermaid turns into `&#…;`).
_ENCODED = set('"#<>&`%;|[]{}')
_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}\Z")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_URL = re.compile(r"(?:/[A-Za-z0-9_.~-]+)+\Z")
_TITLE_LOOKALIKES = str.maketrans({"&": "\uff06", "<": "\uff1c", ">": "\uff1e"})
_SHAPES = {"note": ('[/"', '"/]'), "box": ('("', '")')}


def escape(text: object) -> str:
    """One line of user text for the inside of a quoted Mermaid label: inert, displayed as typed."""
    value = _CONTROL.sub("", str(text))
    out = []
    for char in value:
        if char in _ENCODED:
            out.append("#quot;" if char == '"' else f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def label(value: object) -> str:
    """A quoted label; several lines (a `Text`, or text with newlines) are joined with our own `<br>`."""
    parts = value if isinstance(value, Text) else [value]
    rows = [escape(row) for part in parts for row in _NEWLINES.split(str(part))]
    return '"' + "<br>".join(rows) + '"'


def title_text(title: Text | str) -> str:
    """The title as Mermaid shows it unchanged: one line, no control characters, `&<>` in full-width form."""
    text = " ".join(title) if isinstance(title, Text) else str(title)
    return _CONTROL.sub("", single_line(text)).translate(_TITLE_LOOKALIKES)


def render(figure: Figure, *, direction: str = "LR") -> str:
    """The figure as a Mermaid flowchart: front matter with its title, clusters as subgraphs, node and edge
    styles from the figure's colours, dashed edges for dashed flows, `click` links when the figure has them."""
    if direction not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"bad direction {direction!r}")
    out = ["---", f"title: {json.dumps(title_text(figure.title), ensure_ascii=False)}", "---",
           f"flowchart {direction}"]
    node_defaults = figure.node_defaults
    for cluster in figure.clusters:
        out.append(f"  subgraph {cluster.ident}[{label(cluster.attrs.get('label', ''))}]")
        out.append("    direction LR" if direction in ("LR", "RL") else "    direction TB")
        out.extend(f"    {_node(node, node_defaults)}" for node in figure.nodes if node.cluster == cluster.ident)
        out.append("  end")
    out.extend(f"  {_node(node, node_defaults)}" for node in figure.nodes if node.cluster is None)
    for edge in figure.edges:
        out.append(f"  {_edge(edge.source, edge.target, {**figure.edge_defaults, **edge.attrs})}")
    for cluster in figure.clusters:
        css = _css({"color": cluster.attrs.get("color"), "style": cluster.attrs.get("style")}, fill=False)
        if css:
            out.append(f"  style {cluster.ident} {css}")
    for node in figure.nodes:
        css = _css({**node_defaults, **node.attrs})
        if css:
            out.append(f"  style {node.ident} {css}")
    for index, edge in enumerate(figure.edges):
        css = _edge_css({**figure.edge_defaults, **edge.attrs})
        if css:
            out.append(f"  linkStyle {index} {css}")
    for node in figure.nodes:
        url = node.attrs.get("URL")
        if isinstance(url, str) and _URL.match(url):
            out.append(f'  click {node.ident} href "{url}" _top')
    return "\n".join(out) + "\n"


def _node(node: diagrams.Node, defaults: Mapping[str, object]) -> str:
    shape = node.attrs.get("shape", defaults.get("shape", "box"))
    opening, closing = _SHAPES.get(str(shape), _SHAPES["box"])
    text = label(node.attrs.get("label", node.ident))
    return f"{node.ident}{opening}{text[1:-1]}{closing}"


def _edge(source: str, target: str, attrs: Mapping[str, object]) -> str:
    styles = _styles(attrs)
    no_head = attrs.get("arrowhead") == "none"
    both = attrs.get("dir") == "both"
    if "dashed" in styles or "dotted" in styles:
        arrow = "-.-" if no_head else ("<-.->" if both else "-.->")
    else:
        arrow = "---" if no_head else ("<-->" if both else "-->")
    text = attrs.get("label")
    if text:
        return f"{source} {arrow}|{label(text)}| {target}"
    return f"{source} {arrow} {target}"


def _styles(attrs: Mapping[str, object]) -> set[str]:
    return {part.strip() for part in str(attrs.get("style") or "").split(",")}


def _css(attrs: Mapping[str, object], *, fill: bool = True) -> str:
    """Mermaid `style` properties from Graphviz node attributes; only colours and numbers pass."""
    parts = []
    if fill and _is_colour(attrs.get("fillcolor")):
        parts.append(f"fill:{attrs['fillcolor']}")
    if _is_colour(attrs.get("color")):
        parts.append(f"stroke:{attrs['color']}")
    if _is_colour(attrs.get("fontcolor")):
        parts.append(f"color:{attrs['fontcolor']}")
    if _is_number(attrs.get("penwidth")):
        parts.append(f"stroke-width:{attrs['penwidth']}px")
    styles = _styles(attrs)
    if "dashed" in styles:
        parts.append("stroke-dasharray:5 5")
    elif "dotted" in styles:
        parts.append("stroke-dasharray:2 2")
    return ",".join(parts)


def _edge_css(attrs: Mapping[str, object]) -> str:
    parts = []
    colour = attrs.get("color")
    if _is_colour(colour):
        parts.append(f"stroke:{colour}")
    if _is_number(attrs.get("penwidth")):
        parts.append(f"stroke-width:{attrs['penwidth']}px")
    if _is_colour(attrs.get("fontcolor")):
        parts.append(f"color:{attrs['fontcolor']}")
    return ",".join(parts)


def _is_colour(value: object) -> bool:
    return isinstance(value, str) and bool(_COLOUR.match(value))


def _is_number(value: object) -> bool:
    return isinstance(value, str) and bool(_NUMBER.match(value))


# --- the four diagrams, as Mermaid -------------------------------------------------------------------


def landscape(snap, **options) -> str:
    """The landscape (see `exports.diagrams.landscape_figure`) as Mermaid."""
    return render(diagrams.landscape_figure(snap, **options))


def entity_flow(snap, entity_id: int, **options) -> str:
    """One entity's systems and flows as Mermaid."""
    return render(diagrams.entity_figure(snap, entity_id, **options))


def impact_diagram(snap, impact, **options) -> str:
    """An impact diagram as Mermaid."""
    return render(diagrams.impact_figure(snap, impact, **options))


def diff_diagram(a, b, **options) -> str:
    """A scenario diff as Mermaid."""
    return render(diagrams.diff_figure(a, b, **options))


__all__ = ["diff_diagram", "entity_flow", "escape", "impact_diagram", "label", "landscape", "render", "title_text"]

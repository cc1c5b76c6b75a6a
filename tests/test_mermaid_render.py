"""Mermaid titles and labels escaped once: `&` shows as `&`, `<…>` stays text. The rules are checked exactly,
and by mermaid-cli when it is installed (`npm install @mermaid-js/mermaid-cli`; THROUGHLINE_MMDC names its
`mmdc`, THROUGHLINE_MMDC_CHROMIUM the browser it drives)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape

import pytest

from exports import mermaid
from exports.diagrams import Figure, Text

TITLE = 'R&D <core> "team" — 東京 🚀'
LABEL = "A & B <x> R&amp;D"


def figure(title: str = TITLE, name: str = LABEL) -> Figure:
    fig = Figure("g", {"label": Text(title)}, {}, {})
    fig.node("s1", label=Text(name))
    return fig


def test_the_title_writes_ampersand_and_angle_brackets_in_full_width_once():
    assert mermaid.title_text(Text(TITLE)) == 'R＆D ＜core＞ "team" — 東京 🚀'
    assert mermaid.title_text(Text("Two\nlines\u2028here\x07")) == "Two lines here"
    front = mermaid.render(figure()).splitlines()[1]
    assert front == "title: " + json.dumps('R＆D ＜core＞ "team" — 東京 🚀', ensure_ascii=False)
    assert "&amp;" not in front and "#38;" not in front


def test_a_label_encodes_each_special_character_exactly_once():
    node = next(line for line in mermaid.render(figure()).splitlines() if line.strip().startswith("s1("))
    assert node.strip() == 's1("A #38; B #60;x#62; R#38;amp#59;D")'
    # Mermaid turns `#38;` into `&#38;` once: what the reader sees is the text typed.
    shown = unescape(re.sub(r"#(\d+);", lambda m: f"&#{m.group(1)};", node.strip()[4:-2]))
    assert shown == LABEL


def _mmdc() -> str | None:
    return os.environ.get("THROUGHLINE_MMDC") or shutil.which("mmdc")


def _chromium() -> str | None:
    return os.environ.get("THROUGHLINE_MMDC_CHROMIUM") or shutil.which("chromium")


@pytest.mark.skipif(_mmdc() is None or _chromium() is None, reason="mermaid-cli (mmdc) or Chromium is not installed")
def test_mermaid_cli_shows_the_title_and_label_as_typed(tmp_path):
    (tmp_path / "pp.json").write_text(json.dumps({"executablePath": _chromium(), "args": ["--no-sandbox"]}))
    (tmp_path / "in.mmd").write_text(mermaid.render(figure()), encoding="utf-8")
    subprocess.run([_mmdc(), "-q", "-p", str(tmp_path / "pp.json"), "-i", str(tmp_path / "in.mmd"),  # noqa: S603
                    "-o", str(tmp_path / "out.svg")], check=True, capture_output=True, timeout=180)
    svg = (tmp_path / "out.svg").read_text(encoding="utf-8")
    title = re.search(r'class="flowchartTitleText"[^>]*>([^<]*)<', svg)
    assert title and unescape(title.group(1)) == 'R＆D ＜core＞ "team" — 東京 🚀'
    assert LABEL in [unescape(text) for text in re.findall(r"<p>([^<]*)</p>", svg)]

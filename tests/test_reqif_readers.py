"""ReqIF titles are one line, as third-party readers need: StrictDoc (when installed) converts our export, and
without it the XML is checked for a line break in any LONG-NAME or string value."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess

import pytest
from lxml import etree

from exports.reqif import write_reqif
from tests.test_reqif import snapshot

BROKEN = "Stock\nvisible\r\nnow \u2028 & <b>"


def broken_snapshot():
    snap = snapshot()
    first, *rest = snap.requirements
    decision = dataclasses.replace(snap.decisions[0], title="Centralise\nATP")
    return dataclasses.replace(snap, engagement_name="Acme\nRetail",
                               requirements=(dataclasses.replace(first, title=BROKEN, source="Dana\nRuiz"), *rest),
                               decisions=(decision,))


def strictdoc() -> str | None:
    """StrictDoc is heavy (web server, Selenium); it is found on PATH or named by THROUGHLINE_STRICTDOC."""
    return os.environ.get("THROUGHLINE_STRICTDOC") or shutil.which("strictdoc")


def test_no_long_name_or_string_value_holds_a_line_break():
    root = etree.fromstring(write_reqif(broken_snapshot()))
    singles = [*root.xpath("//@LONG-NAME"), *root.xpath("//*[local-name()='ATTRIBUTE-VALUE-STRING']/@THE-VALUE"),
               *root.xpath("//*[local-name()='TITLE' or local-name()='COMMENT']/text()")]
    assert singles and not [value for value in singles if "\n" in value or "\r" in value or "\u2028" in value]
    assert "Stock visible now & <b>" in root.xpath("//@LONG-NAME")
    assert "Centralise ATP" in root.xpath("//@LONG-NAME")


def test_text_fields_keep_their_line_breaks():
    root = etree.fromstring(write_reqif(broken_snapshot()))
    assert root.xpath("//*[local-name()='br']")  # the requirement text's lines survive as <br/>


@pytest.mark.skipif(strictdoc() is None, reason="StrictDoc is not installed (pip install strictdoc, or set "
                                                "THROUGHLINE_STRICTDOC to its executable)")
def test_strictdoc_converts_the_export_with_a_title_typed_over_two_lines(tmp_path):
    source = tmp_path / "requirements.reqif"
    source.write_bytes(write_reqif(broken_snapshot()))
    done = subprocess.run([strictdoc(), "convert", str(source), str(tmp_path / "sdoc")],  # noqa: S603
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    converted = "".join(path.read_text() for path in (tmp_path / "sdoc").glob("*.sdoc"))
    assert "TITLE: Stock visible now & <b>" in converted and "TITLE: Centralise ATP" in converted

"""`flask diagram …` on the demo engagement: SVG, PNG and DOT files, and clean failures."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from app.services.demo import load_demo

TARGET = "Target A — central OMS"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def run(app, session, *args):
    """Invoke `flask diagram` as the command line would (the test session first ends its transaction)."""
    session.commit()
    return app.test_cli_runner().invoke(args=["diagram", *map(str, args)])


def test_a_landscape_as_svg_by_channel(app, session, demo, tmp_path):
    out = tmp_path / "landscape.svg"
    result = run(app, session, demo.id, "--kind", "landscape", "--cluster", "channel", "--format", "svg", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"to {out} (svg" in result.stdout
    root = ElementTree.fromstring(out.read_bytes())
    text = " ".join(root.itertext())
    assert "Current state — landscape by channel" in text and "SAP ECC" in text
    assert not [el for el in root.iter() if any(k.endswith("href") for k in el.attrib)]  # no app links in files


def test_an_entity_view_as_png_for_a_named_scenario(app, session, demo, tmp_path):
    out = tmp_path / "inventory.png"
    result = run(app, session, demo.id, "--kind", "entity", "--entity", "inventory", "--scenario", "target a",
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")  # the format follows the file name


def test_impact_and_diff_as_dot(app, session, demo, tmp_path):
    impact = tmp_path / "impact.dot"
    result = run(app, session, demo.id, "--kind", "impact", "--system", "SAP ECC", "--depth", "1",
                 "--format", "dot", "-o", impact)
    assert result.exit_code == 0, result.output
    source = impact.read_text()
    assert source.startswith("digraph impact {") and "impact of SAP ECC" in source
    diff = tmp_path / "diff.dot"
    result = run(app, session, demo.id, "--kind", "diff", "--against", TARGET, "-o", diff)
    assert result.exit_code == 0, result.output
    assert "Current state → Target A — central OMS" in diff.read_text() and "added" in diff.read_text()
    again = tmp_path / "again.dot"
    run(app, session, demo.id, "--kind", "diff", "--against", TARGET, "-o", again)
    assert again.read_bytes() == diff.read_bytes()  # deterministic


def test_dot_to_standard_output(app, session, demo):
    result = run(app, session, demo.id, "--kind", "landscape", "--format", "dot", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("digraph landscape {")


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "mindmap"], "Invalid value for '--kind'"),
    (["--kind", "entity", "--entity", "unicorns"], "No entity 'unicorns'"),
    (["--kind", "entity"], "Name the entity to draw"),
    (["--kind", "impact"], "Give either a system or a flow"),
    (["--kind", "impact", "--system", "Nonesuch"], "No system 'Nonesuch'"),
    (["--kind", "diff"], "Name the scenario to compare with"),
    (["--kind", "landscape", "--scenario", "Target Z"], "No scenario 'Target Z'"),
    (["--kind", "landscape", "--cluster", "colour"], "Invalid value for '--cluster'"),
])
def test_bad_requests_exit_non_zero_with_a_message(app, session, demo, tmp_path, args, message):
    out = tmp_path / "x.svg"
    result = run(app, session, demo.id, *args, "-o", out)
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


def test_a_render_failure_suggests_the_dot_source(app, session, demo, tmp_path, monkeypatch):
    from exports.graphviz_render import DiagramError

    def broken(*_a, **_k):
        raise DiagramError("Graphviz failed (exit 1): boom")

    monkeypatch.setattr("app.cli.diagram.render", broken)
    result = run(app, session, demo.id, "--kind", "landscape", "-o", tmp_path / "x.svg")
    assert result.exit_code == 1
    assert "Graphviz failed (exit 1): boom" in result.output and "--format dot" in result.output

"""SVG charts for the report: well-formed, labels escaped, bars proportional, empty input drawn as "no data"."""

from __future__ import annotations

import pytest
from lxml import etree

from exports import charts

NS = {"s": "http://www.w3.org/2000/svg"}
EVIL = "</text><script>alert(1)</script>"


def parse(svg: str):
    root = etree.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def bars(root, series: str | None = None):
    found = root.findall(".//s:rect[@class='bar']", NS)
    return [b for b in found if series is None or b.get("data-series") == series]


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.findall(".//s:text", NS)]


ALL = {
    "bar": lambda label: charts.bar_chart([label, "b"], [3, 1], title=label),
    "column": lambda label: charts.column_chart([label, "b"], [3, 1], title=label),
    "grouped": lambda label: charts.grouped_bar_chart([label, "b"], {label: [1, 2], "y": [3, 4]}, title=label),
    "stacked": lambda label: charts.stacked_bar([label, "b"], {label: [1, 2], "y": [3, 4]}, title=label),
    "heatmap": lambda label: charts.heatmap([label, "b"], [label, "d"], [[1, 2], [3, None]], title=label),
}


@pytest.mark.parametrize("kind", ALL)
def test_every_chart_is_standalone_svg_with_a_viewbox_and_labels_that_stay_text(kind):
    svg = ALL[kind](EVIL)
    root = parse(svg)
    assert root.get("viewBox", "").startswith("0 0 ") and root.get("width") is None and root.get("height") is None
    assert not root.findall(".//s:script", NS) and not root.findall(".//script")
    assert "<script>" not in svg
    assert any(EVIL in t for t in texts(root))  # the label is shown, as text
    assert root.find("s:title", NS).text == EVIL
    sizes = [float(t.get("font-size")) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert sizes and min(sizes) >= 11  # ≥ 8pt printed at the chart's natural width


def test_bar_lengths_are_proportional_to_the_values():
    root = parse(charts.bar_chart(["a", "b", "c"], [50, 100, 25], unit="orders"))
    widths = [float(b.get("width")) for b in bars(root)]
    assert widths[1] > 0
    assert widths[0] == pytest.approx(widths[1] / 2, abs=0.02) and widths[2] == pytest.approx(widths[1] / 4, abs=0.02)
    assert "100 orders" in texts(root) and "25 orders" in texts(root)


def test_grouped_bars_share_one_scale_across_series_and_take_the_given_colours():
    root = parse(charts.grouped_bar_chart(["web", "store"], {"oversold": [2, 4], "phantom": [8, 1]},
                                          colours=["#123456", "#abcdef"]))
    oversold, phantom = bars(root, "oversold"), bars(root, "phantom")
    assert [b.get("fill") for b in oversold] == ["#123456"] * 2 and phantom[0].get("fill") == "#abcdef"
    widths = [float(b.get("width")) for b in oversold + phantom]
    assert widths == pytest.approx([w * widths[2] / 8 for w in (2, 4, 8, 1)], abs=0.02)  # 2-decimal coordinates


def test_stacked_bars_add_up_and_normalised_bars_fill_the_same_length():
    root = parse(charts.stacked_bar(["a", "b"], {"x": [1, 3], "y": [1, 1]}))
    x, y = bars(root, "x"), bars(root, "y")
    total_a = float(x[0].get("width")) + float(y[0].get("width"))
    total_b = float(x[1].get("width")) + float(y[1].get("width"))
    assert total_a == pytest.approx(total_b / 2, abs=0.02)
    assert float(y[0].get("x")) == pytest.approx(float(x[0].get("x")) + float(x[0].get("width")), abs=0.02)
    root = parse(charts.stacked_bar(["a", "b"], {"x": [1, 3], "y": [1, 1]}, normalise=True))
    x, y = bars(root, "x"), bars(root, "y")
    assert float(x[0].get("width")) + float(y[0].get("width")) == pytest.approx(
        float(x[1].get("width")) + float(y[1].get("width")), abs=0.02)
    assert any("75.0%" in t for t in texts(root))


def test_heatmap_cells_darken_with_the_value_and_show_it_formatted():
    root = parse(charts.heatmap(["a", "b"], ["x", "y"], [[0.1, 0.5], [1.0, None]], fmt="{:.0%}", colour="#000000"))
    cells = root.findall(".//s:rect[@class='cell']", NS)
    fills = [c.get("fill") for c in cells]
    assert fills[3] == "#ffffff" and cells[3].get("data-value") == ""  # a missing value is blank, not zero
    darkness = [255 - int(f[1:3], 16) for f in fills[:3]]
    assert darkness[0] < darkness[1] < darkness[2]
    assert {"10%", "50%", "100%", "–"} <= set(texts(root))


@pytest.mark.parametrize("svg", [
    charts.bar_chart([], [], title="Oversold per channel"),
    charts.column_chart([], [], title="Oversold per channel"),
    charts.grouped_bar_chart([], {}, title="Oversold per channel"),
    charts.grouped_bar_chart(["a"], {}, title="Oversold per channel"),
    charts.stacked_bar([], {"x": []}, title="Oversold per channel"),
    charts.heatmap([], [], [], title="Oversold per channel"),
])
def test_empty_input_gives_a_no_data_chart_not_an_exception(svg):
    root = parse(svg)
    assert "No data" in texts(root) and "Oversold per channel" in texts(root)
    assert not bars(root)


def test_zero_missing_and_non_finite_values_draw_without_failing():
    root = parse(charts.bar_chart(["a", "b", "c"], [0, None, float("nan")]))
    assert [float(b.get("width")) for b in bars(root)] == [0, 0, 0]
    root = parse(charts.column_chart(["d1", "d2"], [0, 0]))
    assert [float(b.get("height")) for b in bars(root)] == [0, 0]


def test_a_colour_that_is_not_hex_is_replaced_not_written_into_the_markup():
    svg = charts.bar_chart(["a"], [1], colour='red" onload="alert(1)')
    assert "onload" not in svg and f'fill="{charts.PRIMARY}"' in svg


def test_mismatched_lengths_are_a_programming_error():
    with pytest.raises(ValueError):
        charts.bar_chart(["a", "b"], [1])
    with pytest.raises(ValueError):
        charts.grouped_bar_chart(["a", "b"], {"x": [1]})
    with pytest.raises(ValueError):
        charts.heatmap(["a"], ["x", "y"], [[1]])


def test_column_chart_labels_are_thinned_out_when_there_are_many():
    days = [f"2025-03-{d:02d}" for d in range(1, 32)] * 3
    root = parse(charts.column_chart(days, list(range(len(days))), width=400))
    assert len(bars(root)) == len(days)
    assert len([t for t in texts(root) if t.startswith("2025-")]) < len(days) / 2

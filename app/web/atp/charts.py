"""Server-side SVG charts as plain geometry: the templates draw them, Jinja escapes every label."""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#1f5fbf", "#b42318", "#1a7f37", "#9a6700", "#6941c6", "#0e7490", "#c11574", "#475467")


@dataclass(frozen=True)
class Series:
    """One line: its name, colour and SVG polyline points."""

    name: str
    colour: str
    points: str
    dots: tuple[tuple[float, float, str], ...]  # (x, y, tooltip)


@dataclass(frozen=True)
class LineChart:
    """A line chart with a y axis of ticks and x labels."""

    width: int
    height: int
    left: int
    bottom: int
    series: tuple[Series, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str], ...]
    title: str


@dataclass(frozen=True)
class Bar:
    """One bar of a group: a label, its value, geometry."""

    label: str
    value_label: str
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class BarChart:
    """Grouped bars (groups × members) with a legend."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    groups: tuple[tuple[float, str], ...]
    legend: tuple[tuple[str, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    left: int
    bottom: int


def _ticks(top: float, percent: bool) -> tuple[float, list[float]]:
    if top <= 0:
        top = 1.0 if not percent else 0.01
    raw = top / 4
    magnitude = 10 ** len(str(int(raw * (100 if percent else 1)))) / (100 if percent else 1)
    step = next(m * magnitude / 10 for m in (1, 2, 2.5, 5, 10, 20, 50, 100) if m * magnitude / 10 >= raw)
    ticks = [step * i for i in range(0, 6) if step * i <= top + step * 0.999]
    return ticks[-1], ticks


def _label(value: float, percent: bool) -> str:
    return f"{value * 100:.3g} %" if percent else f"{value:,.4g}"


def line_chart(x_labels: list[str], series: dict[str, list[float]], *, percent: bool = False, title: str = "",
               width: int = 760, height: int = 240) -> LineChart:
    """Lines over shared x labels (e.g. days); values as fractions when `percent`."""
    left, bottom, top_pad, right = 56, 28, 10, 12
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    peak = max((v for values in series.values() for v in values), default=0.0)
    top, ticks = _ticks(peak, percent)
    n = max(len(x_labels) - 1, 1)

    def x(i: int) -> float:
        return round(left + plot_w * i / n, 1)

    def y(v: float) -> float:
        return round(top_pad + plot_h * (1 - v / top), 1)

    lines = []
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        dots = tuple((x(i), y(v), f"{name} {x_labels[i]}: {_label(v, percent)}") for i, v in enumerate(values))
        lines.append(Series(name, colour, points, dots))
    every = max(1, len(x_labels) // 7)
    labels = tuple((x(i), text) for i, text in enumerate(x_labels) if i % every == 0)
    return LineChart(width, height, left, bottom, tuple(lines), tuple((y(t), _label(t, percent)) for t in ticks),
                     labels, title)


def bar_chart(groups: list[str], members: dict[str, list[float]], *, percent: bool = False, width: int = 760,
              height: int = 220) -> BarChart:
    """Grouped bars: one group per entry of `groups`, one bar per member (e.g. scenario) in each."""
    left, bottom, top_pad = 56, 28, 10
    plot_w, plot_h = width - left - 12, height - bottom - top_pad
    peak = max((v for values in members.values() for v in values), default=0.0)
    top, ticks = _ticks(peak, percent)
    slot = plot_w / max(len(groups), 1)
    bar_w = slot * 0.8 / max(len(members), 1)
    bars = []
    for k, (name, values) in enumerate(members.items()):
        colour = PALETTE[k % len(PALETTE)]
        for g, v in enumerate(values):
            h = plot_h * v / top
            bx = left + g * slot + slot * 0.1 + k * bar_w
            bars.append(Bar(f"{name} · {groups[g]}", _label(v, percent), round(bx, 1), round(top_pad + plot_h - h, 1),
                            round(bar_w - 2, 1), round(h, 1), colour))
    centres = tuple((round(left + (g + 0.5) * slot, 1), name) for g, name in enumerate(groups))
    legend = tuple((name, PALETTE[k % len(PALETTE)]) for k, name in enumerate(members))
    y_ticks = tuple((round(top_pad + plot_h * (1 - t / top), 1), _label(t, percent)) for t in ticks)
    return BarChart(width, height, tuple(bars), centres, legend, y_ticks, left, bottom)

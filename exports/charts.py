"""Standalone SVG charts for the printed report: horizontal bars, grouped bars, stacked bars and a heat-map.

Pure Python, no dependencies. Every label goes through `_esc` (XML text and attribute escaping), so user text
such as `</text><script>` stays text. Charts size themselves in `viewBox` units (1 unit = 1 CSS px at the
default width), carry no width/height attributes and therefore scale to the column they are placed in; fonts are
at least 11 units (≈ 8pt when the chart is printed at its natural width). Colours are parameters so branding
colours can be used; a series without a colour gets one from a print-safe palette.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from exports.fonts import CSS_STACK

PRIMARY = "#1f3a5f"
ACCENT = "#d9822b"
# Distinguishable in colour and in grey-scale print (alternating light/dark).
PALETTE = ("#1f3a5f", "#d9822b", "#4f8a8b", "#c0392b", "#7d6b91", "#8c9c3a", "#5b7fa8", "#a0522d")
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#d0d0d0"
FONT = 'font-family="' + CSS_STACK.replace('"', "'") + '"'
FONT_SIZE = 12  # viewBox units; the smallest text used is SMALL
SMALL = 11
TITLE_SIZE = 14
MAX_LABEL_CHARS = 40


def _esc(text: object) -> str:
    """Escape text for XML element content and double-quoted attribute values."""
    return escape(str(text), {'"': "&quot;", "'": "&apos;"})


def _clip(label: object, limit: int = MAX_LABEL_CHARS) -> str:
    """Shorten a long label (before escaping, so entities are never cut in half)."""
    text = " ".join(str(label).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float) -> str:
    """A coordinate with at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _colour(value: str | None, fallback: str) -> str:
    """A #rgb/#rrggbb colour, or the fallback (colours end up inside attributes: accept nothing else)."""
    hexadecimal = isinstance(value, str) and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    return value if hexadecimal and len(value) in (4, 7) and value.startswith("#") else fallback


def _finite(value: object) -> float:
    """A float, with None/NaN/inf treated as 0 (a chart must never fail on a missing figure)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def format_value(value: float, unit: str = "") -> str:
    """A compact number with its unit: 1234 → "1,234", 0.5 with unit "%" → "0.5%"."""
    if unit == "%":
        return f"{value:.1f}%"
    if abs(value) >= 100 or value == int(value):
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip() if unit else text


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="{_esc(title or "chart")}" {FONT}>')
    parts = [head]
    if title:
        parts.append(f"<title>{_esc(title)}</title>")
    parts.extend(body)
    parts.append("</svg>")
    return "".join(parts)


def _title(title: str, width: float) -> tuple[list[str], float]:
    """The title element and the y where the plot may start."""
    if not title:
        return [], 8.0
    return ([f'<text x="{_num(width / 2)}" y="20" text-anchor="middle" font-size="{TITLE_SIZE}" '
             f'font-weight="bold" fill="{INK}">{_esc(_clip(title, 90))}</text>'], 34.0)


def no_data(title: str = "", *, width: float = 600, height: float = 120, message: str = "No data") -> str:
    """A chart-sized frame that says there is nothing to plot."""
    body, top = _title(title, width)
    height = max(height, top + 50)
    body.append(f'<rect x="1" y="{_num(top)}" width="{_num(width - 2)}" height="{_num(height - top - 1)}" '
                f'fill="none" stroke="{GRID}" stroke-dasharray="4 3"/>')
    body.append(f'<text x="{_num(width / 2)}" y="{_num((top + height) / 2 + 4)}" text-anchor="middle" '
                f'font-size="{FONT_SIZE}" fill="{MUTED}">{_esc(message)}</text>')
    return _svg(width, height, body, title)


def _label_width(labels: Sequence[str], width: float) -> float:
    """Room for the category labels at the left: about 6.5 units per character, at most 40% of the chart."""
    longest = max((len(_clip(label)) for label in labels), default=0)
    return min(max(40.0, longest * 6.5 + 12), width * 0.4)


def _legend(names: Sequence[str], colours: Sequence[str], x: float, y: float, width: float) -> tuple[list[str], float]:
    """Legend swatches in rows from (x, y); returns the elements and the y below them."""
    out, cx, cy = [], x, y
    for name, colour in zip(names, colours, strict=True):
        text = _clip(name, 30)
        item = 18 + len(text) * 6.5 + 16
        if cx + item > width and cx > x:
            cx, cy = x, cy + 18
        out.append(f'<rect x="{_num(cx)}" y="{_num(cy)}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{_num(cx + 16)}" y="{_num(cy + 10)}" font-size="{SMALL}" fill="{INK}">'
                   f"{_esc(text)}</text>")
        cx += item
    return out, cy + 22


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str = "", unit: str = "",
              colour: str = PRIMARY, width: float = 600, height: float | None = None,
              value_format: Callable[[float], str] | None = None, max_value: float | None = None) -> str:
    """Horizontal bars, one per label, each with its value printed at the bar's end."""
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    if not labels:
        return no_data(title, width=width)
    numbers = [_finite(v) for v in values]
    fmt = value_format or (lambda v: format_value(v, unit))
    fill = _colour(colour, PRIMARY)
    body, top = _title(title, width)
    bar, gap = 18.0, 8.0
    height = height or top + len(labels) * (bar + gap) + 12
    row = (height - top - 12) / len(labels)
    bar = min(bar, row * 0.75)
    left = _label_width(labels, width)
    value_room = max(len(fmt(v)) for v in numbers) * 6.5 + 10
    plot = max(width - left - value_room - 8, 20.0)
    scale_max = max([abs(v) for v in numbers] + [_finite(max_value) if max_value else 0.0])
    body.append(f'<line x1="{_num(left)}" y1="{_num(top)}" x2="{_num(left)}" y2="{_num(height - 10)}" '
                f'stroke="{GRID}"/>')
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        y = top + i * row + (row - bar) / 2
        length = plot * abs(value) / scale_max if scale_max > 0 else 0.0
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y + bar / 2 + 4)}" text-anchor="end" '
                    f'font-size="{FONT_SIZE}" fill="{INK}">{_esc(_clip(label))}</text>')
        body.append(f'<rect class="bar" x="{_num(left)}" y="{_num(y)}" width="{_num(length)}" '
                    f'height="{_num(bar)}" fill="{fill}" data-value="{_esc(value)}"/>')
        body.append(f'<text x="{_num(left + length + 4)}" y="{_num(y + bar / 2 + 4)}" font-size="{SMALL}" '
                    f'fill="{INK}">{_esc(fmt(value))}</text>')
    return _svg(width, height, body, title)


def column_chart(labels: Sequence[str], values: Sequence[float], *, title: str = "", unit: str = "",
                 colour: str = PRIMARY, width: float = 600, height: float = 240,
                 value_format: Callable[[float], str] | None = None) -> str:
    """Vertical columns for a series in order (e.g. per day); labels thinned out when there are many."""
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    if not labels:
        return no_data(title, width=width)
    numbers = [_finite(v) for v in values]
    fmt = value_format or (lambda v: format_value(v, unit))
    fill = _colour(colour, PRIMARY)
    body, top = _title(title, width)
    longest = max(len(_clip(label, 16)) for label in labels)
    bottom = min(longest * 6.5 * 0.72 + 14, 90.0)  # room for labels at 45°
    left = max(len(fmt(max(numbers + [0.0]))), len(fmt(min(numbers + [0.0])))) * 6.5 + 10
    plot_w, plot_h = width - left - 8, height - top - bottom - 6
    slot = plot_w / len(labels)
    peak = max([abs(v) for v in numbers] + [0.0])
    every = max(1, math.ceil(len(labels) / max(plot_w // 16, 1)))  # at most one label per 16 units
    base = top + 6 + plot_h
    for tick in (0.0, peak / 2, peak) if peak > 0 else (0.0,):
        y = base - plot_h * tick / peak if peak > 0 else base
        body.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(width - 8)}" y2="{_num(y)}" '
                    f'stroke="{GRID}"/>')
        body.append(f'<text x="{_num(left - 4)}" y="{_num(y + 4)}" text-anchor="end" font-size="{SMALL}" '
                    f'fill="{MUTED}">{_esc(fmt(tick))}</text>')
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        x = left + i * slot
        h = plot_h * abs(value) / peak if peak > 0 else 0.0
        body.append(f'<rect class="bar" x="{_num(x + slot * 0.15)}" y="{_num(base - h)}" '
                    f'width="{_num(slot * 0.7)}" height="{_num(h)}" fill="{fill}" data-value="{_esc(value)}">'
                    f"<title>{_esc(_clip(label))}: {_esc(fmt(value))}</title></rect>")
        if i % every == 0:
            cx, cy = x + slot / 2, base + 12
            body.append(f'<text x="{_num(cx)}" y="{_num(cy)}" font-size="{SMALL}" fill="{INK}" text-anchor="end" '
                        f'transform="rotate(-45 {_num(cx)} {_num(cy)})">{_esc(_clip(label, 16))}</text>')
    return _svg(width, height, body, title)


def _series_colours(names: Sequence[str], colours: dict[str, str] | Sequence[str] | None) -> list[str]:
    if isinstance(colours, dict):
        given = [colours.get(n) for n in names]
    else:
        given = list(colours or [])
        given += [None] * (len(names) - len(given))
    return [_colour(c, PALETTE[i % len(PALETTE)]) for i, c in enumerate(given[: len(names)])]


def _check_series(categories: Sequence[str], series: dict[str, Sequence[float]]) -> None:
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")


def grouped_bar_chart(categories: Sequence[str], series: dict[str, Sequence[float]], *, title: str = "",
                      unit: str = "", colours: dict[str, str] | Sequence[str] | None = None, width: float = 600,
                      height: float | None = None, value_format: Callable[[float], str] | None = None) -> str:
    """Horizontal bars grouped by category, one bar per series (e.g. strategies compared per figure)."""
    _check_series(categories, series)
    if not categories or not series:
        return no_data(title, width=width)
    names = list(series)
    fills = _series_colours(names, colours)
    fmt = value_format or (lambda v: format_value(v, unit))
    body, top = _title(title, width)
    legend, top = _legend(names, fills, 8, top, width)
    body += legend
    bar, gap = 14.0, 12.0
    group = len(names) * bar + gap
    height = height or top + len(categories) * group + 8
    group = (height - top - 8) / len(categories)
    bar = min(bar, (group - 4) / len(names))
    left = _label_width(categories, width)
    numbers = {n: [_finite(v) for v in series[n]] for n in names}
    value_room = max(len(fmt(v)) for vs in numbers.values() for v in vs) * 6.5 + 10
    plot = max(width - left - value_room - 8, 20.0)
    scale_max = max([abs(v) for vs in numbers.values() for v in vs] + [0.0])
    body.append(f'<line x1="{_num(left)}" y1="{_num(top)}" x2="{_num(left)}" y2="{_num(height - 6)}" '
                f'stroke="{GRID}"/>')
    for i, category in enumerate(categories):
        y0 = top + i * group + (group - bar * len(names)) / 2
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y0 + bar * len(names) / 2 + 4)}" text-anchor="end" '
                    f'font-size="{FONT_SIZE}" fill="{INK}">{_esc(_clip(category))}</text>')
        for j, name in enumerate(names):
            value = numbers[name][i]
            y = y0 + j * bar
            length = plot * abs(value) / scale_max if scale_max > 0 else 0.0
            body.append(f'<rect class="bar" x="{_num(left)}" y="{_num(y)}" width="{_num(length)}" '
                        f'height="{_num(bar - 1)}" fill="{fills[j]}" data-series="{_esc(name)}" '
                        f'data-value="{_esc(value)}"/>')
            body.append(f'<text x="{_num(left + length + 4)}" y="{_num(y + bar / 2 + 3.5)}" font-size="{SMALL}" '
                        f'fill="{INK}">{_esc(fmt(value))}</text>')
    return _svg(width, height, body, title)


def stacked_bar(categories: Sequence[str], series: dict[str, Sequence[float]], *, title: str = "", unit: str = "",
                colours: dict[str, str] | Sequence[str] | None = None, width: float = 600,
                height: float | None = None, normalise: bool = False,
                value_format: Callable[[float], str] | None = None) -> str:
    """Horizontal stacked bars: per category, the series' values end to end (shares of 100% when `normalise`)."""
    _check_series(categories, series)
    if not categories or not series:
        return no_data(title, width=width)
    names = list(series)
    fills = _series_colours(names, colours)
    fmt = value_format or (lambda v: format_value(v, "%" if normalise else unit))
    body, top = _title(title, width)
    legend, top = _legend(names, fills, 8, top, width)
    body += legend
    bar, gap = 18.0, 8.0
    height = height or top + len(categories) * (bar + gap) + 8
    row = (height - top - 8) / len(categories)
    bar = min(bar, row * 0.75)
    left = _label_width(categories, width)
    numbers = {n: [max(_finite(v), 0.0) for v in series[n]] for n in names}  # stacks of negatives mean nothing
    totals = [sum(numbers[n][i] for n in names) for i in range(len(categories))]
    total_room = 0.0 if normalise else max(len(fmt(t)) for t in totals) * 6.5 + 10
    plot = max(width - left - total_room - 8, 20.0)
    scale_max = max(totals + [0.0])
    for i, category in enumerate(categories):
        y = top + i * row + (row - bar) / 2
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y + bar / 2 + 4)}" text-anchor="end" '
                    f'font-size="{FONT_SIZE}" fill="{INK}">{_esc(_clip(category))}</text>')
        x = left
        denominator = totals[i] if normalise else scale_max
        for j, name in enumerate(names):
            value = numbers[name][i]
            length = plot * value / denominator if denominator > 0 else 0.0
            shown = 100 * value / totals[i] if normalise and totals[i] else value
            body.append(f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(length)}" '
                        f'height="{_num(bar)}" fill="{fills[j]}" data-series="{_esc(name)}" '
                        f'data-value="{_esc(value)}"><title>{_esc(name)}: {_esc(fmt(shown))}</title></rect>')
            text = fmt(shown)
            if length >= len(text) * 6.5 + 6:  # only inside when it fits; the table carries every figure
                body.append(f'<text x="{_num(x + length / 2)}" y="{_num(y + bar / 2 + 4)}" text-anchor="middle" '
                            f'font-size="{SMALL}" fill="#ffffff">{_esc(text)}</text>')
            x += length
        if not normalise:
            body.append(f'<text x="{_num(x + 4)}" y="{_num(y + bar / 2 + 4)}" font-size="{SMALL}" '
                        f'fill="{INK}">{_esc(fmt(totals[i]))}</text>')
    return _svg(width, height, body, title)


def _mix(colour: str, share: float) -> str:
    """White blended towards `colour` by share (0 → white, 1 → the colour)."""
    colour = _colour(colour, PRIMARY)
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    share = min(max(share, 0.0), 1.0)
    return "#" + "".join(f"{round(255 + (c - 255) * share):02x}" for c in rgb)


def heatmap(row_labels: Sequence[str], col_labels: Sequence[str], values: Sequence[Sequence[float | None]], *,
            fmt: Callable[[float], str] | str = "{:,.0f}", scale: float | None = None, title: str = "",
            colour: str = PRIMARY, width: float = 600, height: float | None = None) -> str:
    """A matrix of shaded cells with their values; `scale` is the value of full colour (default: the maximum).

    `fmt` is a format string ("{:.0%}") or a function; a None cell is drawn empty with "–"."""
    if len(values) != len(row_labels) or any(len(r) != len(col_labels) for r in values):
        raise ValueError("values must have one row per row label and one value per column label")
    if not row_labels or not col_labels:
        return no_data(title, width=width)
    show = fmt if callable(fmt) else fmt.format
    body, top = _title(title, width)
    left = _label_width(row_labels, width)
    header = min(max(len(_clip(c, 24)) for c in col_labels) * 6.5 * 0.72 + 16, 130.0)  # labels at 45°
    cell_w = (width - left - 8) / len(col_labels)
    cell_h = 26.0
    height = height or top + header + len(row_labels) * cell_h + 8
    cell_h = (height - top - header - 8) / len(row_labels)
    numbers = [[None if v is None else _finite(v) for v in row] for row in values]
    peak = _finite(scale) if scale else max([abs(v) for row in numbers for v in row if v is not None] + [0.0])
    for j, label in enumerate(col_labels):
        x = left + (j + 0.5) * cell_w
        y = top + header - 6
        # rotated +45° and anchored at its end, a label runs up and to the left of its column: never off the
        # right edge, whatever the number of columns
        body.append(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{SMALL}" fill="{INK}" text-anchor="end" '
                    f'transform="rotate(45 {_num(x)} {_num(y)})">{_esc(_clip(label, 24))}</text>')
    for i, label in enumerate(row_labels):
        y = top + header + i * cell_h
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y + cell_h / 2 + 4)}" text-anchor="end" '
                    f'font-size="{FONT_SIZE}" fill="{INK}">{_esc(_clip(label))}</text>')
        for j, value in enumerate(numbers[i]):
            x = left + j * cell_w
            share = abs(value) / peak if value is not None and peak > 0 else 0.0
            fill = _mix(colour, share * 0.9) if value is not None else "#ffffff"
            body.append(f'<rect class="cell" x="{_num(x)}" y="{_num(y)}" width="{_num(cell_w)}" '
                        f'height="{_num(cell_h)}" fill="{fill}" stroke="#ffffff" '
                        f'data-value="{"" if value is None else _esc(value)}"/>')
            ink = "#ffffff" if share > 0.55 else INK
            text = "–" if value is None else show(value)
            body.append(f'<text x="{_num(x + cell_w / 2)}" y="{_num(y + cell_h / 2 + 4)}" text-anchor="middle" '
                        f'font-size="{SMALL}" fill="{ink}">{_esc(text)}</text>')
    return _svg(width, height, body, title)

"""Chart geometry for inline SVG drawn on the server (no JavaScript library).

The functions return plain shapes; templates/public/_charts.html renders them,
so every label is escaped by Jinja.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

# One colour per case type, distinguishable in print and for common colour blindness.
PALETTE = ("#1f4e79", "#b3261e", "#2e7d32", "#8e6c00", "#6a3d9a", "#c25e00", "#6b7280")


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    rects: list[Rect]
    labels: list[Label]
    grid: list[Line]
    legend: list[tuple[str, str]]  # (colour, text)


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum` (steps of 1, 2 or 5 × 10^k)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1 and maximum >= 1:
        step = 1
    top = math.ceil(maximum / step) * step
    return [round(i * step, 6) for i in range(round(top / step) + 1)]


def _fmt(value: float) -> str:
    return f"{value:g}"


def stacked_columns(title: str, columns: list[tuple[str, dict[str, int]]],
                    series: tuple[str, ...]) -> Chart:
    """Vertical columns (one per month) stacked by series (case types)."""
    width, height, left, right, top, bottom = 720, 300, 44, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((sum(v.values()) for _, v in columns), default=0))
    scale = plot_h / ticks[-1]
    slot = plot_w / max(1, len(columns))
    bar_w = max(2.0, slot * 0.7)
    rects, labels = [], []
    grid = [Line(left, top + plot_h - t * scale, width - right, top + plot_h - t * scale)
            for t in ticks]
    labels += [Label(left - 6, top + plot_h - t * scale + 4, _fmt(t), "end") for t in ticks]
    every = max(1, math.ceil(len(columns) / 12))
    for i, (name, values) in enumerate(columns):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for colour, key in zip(PALETTE, series, strict=False):
            count = values.get(key, 0)
            if count:
                h = count * scale
                y -= h
                rects.append(Rect(round(x, 1), round(y, 1), round(bar_w, 1), round(h, 1), colour,
                                  f"{name} {key}：{count} 件"))
        if i % every == 0:
            labels.append(Label(round(x + bar_w / 2, 1), height - bottom + 16, name))
    legend = list(zip(PALETTE, series, strict=False))
    return Chart(title, width, height, rects, labels, grid, legend)


def horizontal_bars(title: str, items: list[tuple[str, Decimal | int]], unit: str,
                    colour: str = PALETTE[0]) -> Chart:
    """One horizontal bar per item, labelled with its exact value."""
    row_h, left, right, top = 28, 110, 150, 8
    width = 720
    height = top * 2 + row_h * max(1, len(items))
    maximum = max((float(v) for _, v in items), default=0) or 1
    plot_w = width - left - right
    rects, labels = [], []
    for i, (name, value) in enumerate(items):
        y = top + i * row_h
        w = float(value) / maximum * plot_w
        shown = f"{_exact(value)} {unit}"
        rects.append(Rect(left, y + 5, round(max(w, 1 if value else 0), 1), row_h - 10, colour,
                          f"{name}：{shown}"))
        labels.append(Label(left - 8, y + row_h / 2 + 5, name, "end"))
        labels.append(Label(round(left + w + 6, 1), y + row_h / 2 + 5, shown, "start"))
    return Chart(title, width, height, rects, labels, [], [])


def _exact(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text if value else "0"
    return str(value)

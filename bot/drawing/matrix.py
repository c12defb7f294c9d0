"""The impact/effort 2×2 as PNG: numbered points, the proposals in a legend, nothing overlapping.

Points carry numbers (the tables' order, as on the projector and in the export) and the texts go
to a legend beside the plot (below it on a phone), wrapped and sized to fit: a proposal may be
280 characters long and a workshop may have twenty tables. Quadrant names sit in bands at the
top and bottom of the plot, where no point can be. Everything is laid out in pixels and checked
against matplotlib's own text extents (tests/test_matrix.py), not by eye.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.drawing.wrap import cap, shorten, width, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Width × height in pixels; the phone size puts the legend below the plot.
SIZES: dict[str, tuple[int, int]] = {"large": (1600, 900), "phone": (720, 1280)}
_DPI = 100
_INK, _MUTED, _POINT = "#222222", "#555555", "#1f7a5c"
_QUADRANT_TINTS = {
    "quick_wins": "#e2f0e8",
    "big_bets": "#e4edf6",
    "fill_ins": "#efefef",
    "thankless": "#f7e5e2",
}
# A point and its six neighbours on a hexagon (in cell units): far enough apart that no two
# touch, close enough that all stay in their cell. The projector uses the same offsets.
_HEXAGON = (
    (0, 0),
    (0.42, 0),
    (-0.42, 0),
    (0.21, 0.36),
    (-0.21, 0.36),
    (0.21, -0.36),
    (-0.21, -0.36),
)
_SPREAD = 0.8  # the chart packs a cell's points a little tighter than the projector
_RADIUS = 0.15  # a point's radius in cell units, for a cell of up to 7 points
_BAND = 0.45  # the quadrant names' bands above and below the 5 × 5 grid, in cell units
_READABLE = 10  # points: a legend goes smaller only when nothing else fits


def nudges(cells: Sequence[tuple[int, int]]) -> list[tuple[float, float, float]]:
    """Place points that share a cell around its centre: (dx, dy, scale) for each, in order.

    Up to 7 in a cell take the hexagon; more take further rings, the whole cell shrunk by
    `scale` so that every ring stays inside it.
    """
    totals: dict[tuple[int, int], int] = {}
    for cell in cells:
        totals[cell] = totals.get(cell, 0) + 1
    seen: dict[tuple[int, int], int] = {}
    placed = []
    for cell in cells:
        index = seen.get(cell, 0)
        seen[cell] = index + 1
        rings = _rings_for(totals[cell])
        dx, dy = _lattice(index)
        placed.append((dx / rings, dy / rings, 1 / rings))
    return placed


def _rings_for(count: int) -> int:
    rings = 1
    while 1 + 3 * rings * (rings + 1) < count:
        rings += 1
    return rings


def _lattice(index: int) -> tuple[float, float]:
    """Give the index-th point of a hexagonal lattice, ring by ring (the hexagon first)."""
    if index < len(_HEXAGON):
        return _HEXAGON[index]
    ring, start = 2, len(_HEXAGON)
    while index >= start + 6 * ring:
        start += 6 * ring
        ring += 1
    angle = 2 * math.pi * (index - start) / (6 * ring)
    return (0.42 * ring * math.cos(angle), 0.42 * ring * math.sin(angle))


@dataclass(frozen=True, slots=True)
class _Box:
    """A rectangle in figure pixels, from the bottom left."""

    left: float
    bottom: float
    width: float
    height: float

    def fraction(self, figure: tuple[int, int]) -> tuple[float, float, float, float]:
        w, h = figure
        return (self.left / w, self.bottom / h, self.width / w, self.height / h)


@dataclass(frozen=True, slots=True)
class _Layout:
    size: tuple[int, int]
    title: _Box
    plot: _Box
    legend: _Box
    font: float  # the base font size in points
    largest: float  # the legend's largest font size: few proposals are set large


def _layout(size: str, title: str) -> _Layout:
    width, height = SIZES[size]
    top = 90 if title else 20
    tall = (5 + 2 * _BAND) / 5  # the plot's height over its width: equal units both ways
    if size == "phone":
        side = width - 110  # y label and ticks on the left, a margin on the right
        plot = _Box(90, height - top - side * tall, side, side * tall)
        legend = _Box(30, 20, width - 50, plot.bottom - 100)  # under the x ticks and label
        title_box = _Box(20, height - top, width - 40, top)
        return _Layout((width, height), title_box, plot, legend, 18, 18)
    plot_height = height - top - 90
    plot = _Box(100, 90, plot_height / tall, plot_height)
    legend_left = plot.left + plot.width + 60
    legend = _Box(legend_left, 40, width - legend_left - 30, plot_height + 50)
    return _Layout((width, height), _Box(20, height - top, width - 40, top), plot, legend, 17, 22)


def matrix_figure(
    points: Sequence[tuple[str, int, int]],
    labels: Mapping[str, str],
    *,
    size: str = "large",
    title: str = "",
) -> Figure:
    """Lay out the 2×2 as a matplotlib figure (the PNG's source; tests measure its texts)."""
    from matplotlib.figure import Figure

    layout = _layout(size, title)
    figure = Figure(figsize=(layout.size[0] / _DPI, layout.size[1] / _DPI), dpi=_DPI)
    if title:
        _title(figure, layout, title)
    axes = figure.add_axes(layout.plot.fraction(layout.size))
    unit = layout.plot.width / 5  # pixels per cell
    _grid(axes, labels, layout.font)
    _quadrant_names(axes, labels, layout.font, unit * 2.5 - 16)
    _points(axes, points, unit)
    _legend(figure, layout, [text for text, _, _ in points])
    return figure


def _grid(axes: Axes, labels: Mapping[str, str], font: float) -> None:
    from matplotlib.patches import Rectangle

    axes.set_xlim(0.5, 5.5)
    axes.set_ylim(0.5 - _BAND, 5.5 + _BAND)
    low, high = 0.5 - _BAND, 5.5 + _BAND
    corners = {
        "quick_wins": (0.5, 3, 2.5, high - 3),
        "big_bets": (3, 3, 2.5, high - 3),
        "fill_ins": (0.5, low, 2.5, 3 - low),
        "thankless": (3, low, 2.5, 3 - low),
    }
    for name, (x, y, w, h) in corners.items():
        axes.add_patch(Rectangle((x, y), w, h, color=_QUADRANT_TINTS[name], zorder=0, lw=0))
    axes.axhline(3, color="#999999", linewidth=1.2, zorder=1)
    axes.axvline(3, color="#999999", linewidth=1.2, zorder=1)
    for y in (5.5, 0.5):  # where the names' bands begin
        axes.axhline(y, color="#cccccc", linewidth=0.8, zorder=1)
    axes.set_xticks(range(1, 6))
    axes.set_yticks(range(1, 6))
    axes.tick_params(labelsize=font - 3, colors=_MUTED)
    axes.set_xlabel(labels["effort"], fontsize=font - 1, color=_INK)
    axes.set_ylabel(labels["impact"], fontsize=font - 1, color=_INK)
    for spine in axes.spines.values():
        spine.set_color("#bbbbbb")


def _quadrant_names(axes: Axes, labels: Mapping[str, str], font: float, room: float) -> None:
    """Write each quadrant's name in its band, shrunk (then shortened) to fit half the plot."""
    places = {
        "quick_wins": (1.75, 5.5 + _BAND / 2),
        "big_bets": (4.25, 5.5 + _BAND / 2),
        "fill_ins": (1.75, 0.5 - _BAND / 2),
        "thankless": (4.25, 0.5 - _BAND / 2),
    }
    for name, (x, y) in places.items():
        size = font - 2
        text = labels[name]
        while size > 9 and width(text, _px(size), bold=True) > room:
            size -= 1
        text = shorten(text, _px(size), room, bold=True)
        axes.text(x, y, text, ha="center", va="center", fontsize=size, weight="bold",
                  color=_MUTED, zorder=2)  # fmt: skip


def _points(axes: Axes, points: Sequence[tuple[str, int, int]], unit: float) -> None:
    from matplotlib.patches import Circle

    placed = nudges([(impact, effort) for _, impact, effort in points])
    for number, ((_, impact, effort), (dx, dy, scale)) in enumerate(
        zip(points, placed, strict=True), start=1
    ):
        x, y = effort + dx * _SPREAD, impact + dy * _SPREAD
        radius = _RADIUS * scale
        axes.add_patch(Circle((x, y), radius, color=_POINT, zorder=3, lw=0))
        digits = len(str(number))
        # The number fills the circle: about 0.6 em a digit, inside the inscribed square.
        pixels = min(radius * unit * 1.1, radius * unit * 1.3 / (0.62 * digits))
        axes.text(x, y, str(number), ha="center", va="center_baseline", color="white",
                  fontsize=pixels * 72 / _DPI, weight="bold", zorder=4)  # fmt: skip


def _title(figure: Figure, layout: _Layout, title: str) -> None:
    box = layout.title
    size = layout.font + 5
    lines = cap(wrap(title, _px(size), box.width, bold=True), 2, _px(size), box.width, bold=True)
    while size > 11 and _height(size, len(lines)) > box.height - 16:
        size -= 1
        lines = wrap(title, _px(size), box.width, bold=True)
        lines = cap(lines, 2, _px(size), box.width, bold=True)
    figure.text(box.left / layout.size[0], (box.bottom + box.height - 10) / layout.size[1],
                "\n".join(lines), ha="left", va="top", fontsize=size, weight="bold",
                color=_INK)  # fmt: skip


def _legend(figure: Figure, layout: _Layout, texts: Sequence[str]) -> None:
    """Write "n  proposal" for every point, in as many lines and as large as the room allows."""
    box = layout.legend
    size, columns, wrapped = _fit_legend(layout, texts)
    gap = _line(size) * 0.45
    column_width = box.width / columns
    per_column = math.ceil(len(wrapped) / columns)
    across, high = layout.size
    for column in range(columns):
        y = box.bottom + box.height
        x = box.left + column * column_width
        for number, lines in enumerate(wrapped[column * per_column :][:per_column],
                                       start=column * per_column + 1):  # fmt: skip
            # As many lines as its text, so that both first lines share one baseline.
            figure.text((x + _number_room(size)) / across, y / high,
                        f"{number}" + "\n" * (len(lines) - 1), ha="right", va="top",
                        fontsize=size, weight="bold", color=_POINT, linespacing=1.2)  # fmt: skip
            figure.text((x + _number_room(size) + _gap(size)) / across, y / high,
                        "\n".join(lines), ha="left", va="top", fontsize=size, color=_INK,
                        linespacing=1.2)  # fmt: skip
            y -= _height(size, len(lines)) + gap


def _fit_legend(layout: _Layout, texts: Sequence[str]) -> tuple[float, int, list[list[str]]]:
    """Choose the legend's font size, lines per proposal and columns.

    In as few columns as can hold it: as much of the proposals' text as fits, at a readable
    size if possible, then as large as possible.
    """
    box = layout.legend
    sizes = [layout.largest - n for n in range(int(layout.largest) - 7)]
    for columns in (1, 2, 3, 4):
        per_column = math.ceil(len(texts) / columns)
        found = []
        for size in sizes:
            room = box.width / columns - _number_room(size) - _gap(size) - 12
            full = [wrap(text, _px(size), room) for text in texts]
            for most in (4, 3, 2, 1):
                counts = [min(len(lines), most) for lines in full]
                tallest = max(
                    _column_height(size, counts[c * per_column :][:per_column])
                    for c in range(columns)
                )
                if tallest <= box.height:
                    shown = sum(len(" ".join(lines[:most])) for lines in full)
                    found.append(((size >= _READABLE, shown, size), size, most, room, full))
                    break  # fewer lines show less
        if found:
            _, size, most, room, full = max(found, key=lambda f: f[0])
            return size, columns, [cap(lines, most, _px(size), room) for lines in full]
    size, room = sizes[-1], box.width / 4
    return size, 4, [cap(wrap(t, _px(size), room), 1, _px(size), room) for t in texts]


def _column_height(size: float, counts: Sequence[int]) -> float:
    """Add up legend entries of `counts` lines each, with the gaps between them, in pixels."""
    return sum(_height(size, lines) + _line(size) * 0.45 for lines in counts)


def _number_room(size: float) -> float:
    return size * 1.6 * _DPI / 72  # two digits of bold, right-aligned


def _gap(size: float) -> float:
    return size * _DPI / 72 * 0.5  # between a number and its text


def _line(size: float) -> float:
    # A line's advance in pixels: matplotlib's 1.2 line spacing of DejaVu's 1.17 em height.
    return size * _DPI / 72 * 1.17 * 1.2


def _height(size: float, lines: int) -> float:
    return _line(size) * max(lines - 1, 0) + size * _DPI / 72 * 1.17


def _px(size: float) -> float:
    return size * _DPI / 72


def impact_effort_chart(
    points: Sequence[tuple[str, int, int]],
    labels: Mapping[str, str],
    *,
    size: str = "large",
    title: str = "",
) -> bytes:
    """Draw proposals on the impact/effort 2×2 as PNG: quick wins are high impact, low effort.

    `points` are (text, impact, effort) in the tables' order: point n is the n-th proposal.
    `size` is "large" (1600 × 900, a report or a projector) or "phone" (720 × 1280).
    """
    figure = matrix_figure(points, labels, size=size, title=title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()

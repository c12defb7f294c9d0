"""Result charts as PNG: scores with Pillow (fast), the impact/effort 2×2 with matplotlib.

A message carries a chart as a recipe (`recipe()`: its kind and data, JSON), and the outbox
sender `draw()`s it when the message goes out: a room finishing an assessment together gets its
results text at once, instead of every reply waiting behind everyone's drawing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from PIL import Image, ImageColor, ImageDraw

from bot.drawing.fonts import fit_text, font
from bot.drawing.matrix import impact_effort_chart

_BAR = "#1f7a5c"
_COHORT = "#e07a1f"
_INK = "#222222"
_GRID = "#888888"


@cache
def _palette() -> Image.Image:
    """Build the charts' palette: each colour with a ramp to white for anti-aliased edges."""
    colours = [ImageColor.getrgb(c)[:3] for c in (_INK, _BAR, _COHORT, _GRID, *_STATUS_COLOURS)]
    steps = {0: 32}  # the ink (text) gets the finest ramp
    entries: list[int] = []
    for n, (r, g, b) in enumerate(colours):
        count = steps.get(n, 8)
        for i in range(count):
            # Stop short of white: the palette lookup is approximate, and a near-white entry
            # would take the background's place.
            t = 0.9 * i / count
            entries += [
                round(r + (255 - r) * t),
                round(g + (255 - g) * t),
                round(b + (255 - b) * t),
            ]
    entries += [255, 255, 255]
    palette = Image.new("P", (1, 1))
    palette.putpalette(entries)
    return palette


def _png(image: Image.Image) -> bytes:
    """Encode as an indexed PNG of the charts' palette.

    A third of the bytes of RGB to compress (PNG encoding was two thirds of a chart's time),
    and a file a quarter the size to upload.
    """
    indexed = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def scores_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    cohort: Sequence[float | None] | None = None,
    you: str = "",
    workshop: str = "",
) -> bytes:
    """Draw 0–100 scores as horizontal bars, with the cohort average as a tick when given.

    Drawn with Pillow, not matplotlib: a room finishing an assessment together asks for dozens
    of charts at once, and matplotlib's 60–120 ms each (holding the GIL) stalled every reply.
    """
    regular, small, bold = font(15), font(13), font(17, bold=True)
    width, row_height = 770, 42
    top, bottom = 54, 64
    height = top + row_height * len(labels) + bottom
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (width // 2, 18), fit_text(draw, title, bold, width - 40), fill=_INK, font=bold, anchor="mt"
    )
    left, right = 250, width - 40
    span = right - left

    def x(value: float) -> int:
        return left + round(span * max(0.0, min(100.0, value)) / 100)

    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        middle = top + row * row_height + row_height // 2
        draw.text(
            (left - 10, middle), fit_text(draw, label, regular, left - 20), _INK, regular, "rm"
        )
        draw.rectangle((left, middle - 13, max(left + 1, x(value)), middle + 13), fill=_BAR)
        draw.text((x(value) + 6, middle), f"{value:.0f}", _INK, small, "lm")
        average = cohort[row] if cohort is not None else None
        if average is not None:
            draw.line((x(average), middle - 19, x(average), middle + 19), fill=_COHORT, width=4)
    axis = top + row_height * len(labels) + 4
    draw.line((left, axis, right, axis), fill=_GRID, width=1)
    for tick in range(0, 101, 25):
        draw.line((x(tick), axis, x(tick), axis + 5), fill=_GRID, width=1)
        draw.text((x(tick), axis + 8), str(tick), _GRID, small, "mt")
    legend = [(you, _BAR)] if you else []
    if cohort is not None and workshop and any(v is not None for v in cohort):
        legend.append((workshop, _COHORT))
    cursor = right
    for text, colour in reversed(legend):
        cursor -= round(draw.textlength(text, font=small))
        draw.text((cursor, height - 16), text, _INK, small, "lm")
        draw.rectangle((cursor - 20, height - 22, cursor - 8, height - 10), fill=colour)
        cursor -= 40
    return _png(image)


# Not started, started, substantial, completed: light to dark green; blocked red, dropped grey.
_STATUS_COLOURS = ("#d9e8df", "#8fc1a5", "#3f9a70", "#1f5c44", "#c0392b", "#9e9e9e")


def status_chart(
    title: str, rows: Sequence[str], counts: Sequence[Sequence[int]], legend: Sequence[str]
) -> bytes:
    """Draw one 100 % bar per row, split by status, with each part's count written on it."""
    regular, small, bold = font(15), font(13), font(17, bold=True)
    width, row_height, top = 770, 42, 54
    legend_rows = -(-len(legend) // 3)
    height = top + row_height * len(rows) + 16 + 24 * legend_rows
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((width // 2, 18), fit_text(draw, title, bold, width - 40), _INK, bold, "mt")
    left, right = 150, width - 40
    for row, (label, parts) in enumerate(zip(rows, counts, strict=True)):
        middle = top + row * row_height + row_height // 2
        draw.text(
            (left - 10, middle), fit_text(draw, label, regular, left - 20), _INK, regular, "rm"
        )
        total, x = sum(parts), float(left)
        for n, colour in zip(parts, _STATUS_COLOURS, strict=False):
            if not n or not total:
                continue
            end = x + (right - left) * n / total
            draw.rectangle((round(x), middle - 14, round(end), middle + 14), fill=colour)
            if end - x > 22:
                ink = "white" if colour in _STATUS_COLOURS[2:5] else _INK
                draw.text(((x + end) / 2, middle), str(n), ink, small, "mm")
            x = end
    for n, (text, colour) in enumerate(zip(legend, _STATUS_COLOURS, strict=False)):
        cx = left + (n % 3) * 200
        cy = top + row_height * len(rows) + 16 + 24 * (n // 3)
        draw.rectangle((cx, cy, cx + 12, cy + 12), fill=colour, outline=_GRID)
        draw.text((cx + 18, cy + 6), fit_text(draw, text, small, 175), _INK, small, "lm")
    return _png(image)


_KINDS: dict[str, Callable[..., bytes]] = {
    "scores": scores_chart,
    "status": status_chart,
    "impact_effort": impact_effort_chart,
}


def recipe(kind: str, **data: Any) -> dict[str, Any]:
    """Describe a chart to draw later: its kind (a function above) and its arguments as JSON."""
    if kind not in _KINDS:
        raise ValueError(f"unknown chart kind {kind!r}")
    return {"kind": kind, "data": data}


def draw(chart: Mapping[str, Any]) -> bytes:
    """Draw a chart described by `recipe()` as PNG."""
    return _KINDS[chart["kind"]](**chart["data"])

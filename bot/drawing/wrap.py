"""Text that fits a width: DejaVu Sans measured with Pillow, wrapped into lines or shortened.

Measuring with matplotlib's renderer cost half a millisecond a call, and fitting a legend of
twenty proposals tries many sizes; Pillow measures the same font file in microseconds. Words
are measured once at 100 px and scaled: matplotlib draws about 2 % wider than that (hinting),
hence the margin. tests/test_matrix.py checks the result against matplotlib's own boxes.
"""

from __future__ import annotations

from functools import lru_cache

from bot.drawing.fonts import font

_REFERENCE = 100.0  # the pixel size words are measured at
_MARGIN = 1.03
_ELLIPSIS = "…"


def width(text: str, pixels: float, bold: bool = False) -> float:
    """Measure `text` set in DejaVu Sans at `pixels` pixels to the em."""
    return font(_REFERENCE, bold).getlength(text) / _REFERENCE * pixels * _MARGIN


@lru_cache(maxsize=8192)
def _word(word: str, bold: bool) -> float:
    """Measure a word at 1 pixel to the em (cached: a legend is fitted at many sizes)."""
    return font(_REFERENCE, bold).getlength(word) / _REFERENCE * _MARGIN


def wrap(text: str, pixels: float, room: float, bold: bool = False) -> list[str]:
    """Break `text` into lines no wider than `room` pixels; a word too long is cut."""
    space = _word(" ", bold) * pixels
    lines: list[str] = []
    used = 0.0  # the last line's width
    for word in text.split():
        wide = _word(word, bold) * pixels
        if lines and used + space + wide <= room:
            lines[-1] += " " + word
            used += space + wide
            continue
        while wide > room and len(word) > 1:
            cut = _longest_fit(word, pixels, room, bold)
            lines.append(word[:cut])
            word = word[cut:]
            wide = width(word, pixels, bold)
        lines.append(word)
        used = wide
    return lines or [""]


def cap(lines: list[str], most: int, pixels: float, room: float, bold: bool = False) -> list[str]:
    """Keep at most `most` lines; the last one kept ends with "…" when text was left out."""
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], shorten(" ".join(lines[most - 1 :]), pixels, room, bold, True)]


def shorten(text: str, pixels: float, room: float, bold: bool = False, cut: bool = False) -> str:
    """Shorten `text` with "…" until it fits `room` (`cut`: it already lost its end)."""
    if not cut and width(text, pixels, bold) <= room:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if width(text[:middle].rstrip() + _ELLIPSIS, pixels, bold) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + _ELLIPSIS


def _longest_fit(word: str, pixels: float, room: float, bold: bool) -> int:
    low, high = 1, len(word) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if width(word[:middle], pixels, bold) <= room:
            low = middle
        else:
            high = middle - 1
    return low

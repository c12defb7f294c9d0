"""Split long texts for platforms with a length limit, at the most natural boundary."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` characters, at the most natural boundary.

    Paragraphs first, then lines, sentences and words; a word is cut only when nothing else fits.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = _best_cut(window, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _best_cut(window: str, limit: int) -> int:
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator, 0, limit)
        if at > limit // 3:
            return at
    sentences = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit]
    if sentences and sentences[-1] > limit // 3:
        return sentences[-1]
    at = window.rfind(" ", 0, limit)
    return at if at > limit // 3 else limit


def clip(text: str, limit: int) -> str:
    """Shorten text to one line of at most `limit` characters, cut between words, with "…".

    For a mention of someone's message in a summary ("Traigan su plan de…"); a single word
    longer than the limit is cut inside, since nothing else fits.
    """
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    window = line[: limit - 1]
    if line[limit - 1].isalnum() and " " in window:  # the cut would fall inside a word
        window = window.rsplit(" ", 1)[0]
    return window.rstrip(" ,;:.-–—") + "…"

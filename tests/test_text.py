"""Splitting long texts for platform limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.text import clip, split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("Hola", 4096) == ["Hola"]


def test_splits_at_paragraphs_first() -> None:
    text = ("a" * 30) + "\n\n" + ("b" * 30)
    assert split_text(text, 40) == ["a" * 30, "b" * 30]


def test_splits_at_sentences_when_no_paragraph_fits() -> None:
    text = "Primera frase corta. Segunda frase algo más larga que la primera."
    assert split_text(text, 40) == [
        "Primera frase corta.",
        "Segunda frase algo más larga que la",
        "primera.",
    ]


@given(st.text(min_size=0, max_size=3000), st.integers(10, 500))
def test_pieces_fit_and_keep_every_word(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(text.split()) == "".join("".join(pieces).split())


def test_clip_cuts_between_words_with_an_ellipsis() -> None:
    """Issue 18: /status quoted "Traigan su plan de ac"."""
    text = "Traigan su plan de acción impreso mañana a las nueve"
    clipped = clip(text, 20)
    assert clipped == "Traigan su plan de…"
    assert len(clipped) <= 20
    assert clip("Corto", 20) == "Corto"
    assert clip("Una línea\ny otra", 40) == "Una línea y otra"  # a summary is one line
    assert clip("Supercalifragilístico", 10) == "Supercali…"  # one long word: nothing else fits
    assert clip("Traigan su plan, mañana", 16) == "Traigan su plan…"

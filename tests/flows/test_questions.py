"""Parsing answers in the participant's language, type by type."""

from __future__ import annotations

from typing import Any

import pytest

from flows.model import Option, Step
from flows.questions.base import AskContext, Invalid, Parsed, Reply, question_type
from flows.runner import resolve_options
from i18n import translator
from storage import Cohort


class _NoCohorts:
    async def cohort_by_code(self, code: str) -> Cohort | None:
        return None


async def _parse(step: Step, text: str, locale: str = "es") -> Parsed | Invalid:
    kind = question_type(step.type or "")
    assert kind is not None
    tr = translator(locale)
    options = resolve_options(step, kind, tr)
    return await kind.parse(step, Reply(text=text), AskContext(tr, options, options, _NoCohorts()))


async def _value(step: Step, text: str, locale: str = "es") -> Any:
    result = await _parse(step, text, locale)
    assert isinstance(result, Parsed), f"{text!r} was refused: {result}"
    return result.value


YES_NO = Step("q", ask="?", type="yes_no", next="end")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("si", True),
        ("sí", True),
        ("Sí", True),
        ("SI", True),
        ("1", True),
        ("sim", True),
        ("yes", True),
        ("no", False),
        ("No", False),
        ("2", False),
        ("não", False),
        ("nao", False),
    ],
)
async def test_yes_no_in_every_language(text: str, expected: bool) -> None:
    assert await _value(YES_NO, text) is expected


@pytest.mark.parametrize("text", ["", "3", "tal vez", "🙂", "0"])
async def test_yes_no_refuses_other_text(text: str) -> None:
    assert isinstance(await _parse(YES_NO, text), Invalid)


CHOICE = Step(
    "q",
    ask="?",
    type="choice",
    next="end",
    options=(
        Option("health", "Salud pública"),
        Option("water", "Agua y saneamiento"),
        Option("roads", "Caminos"),
    ),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "health"),
        ("salud publica", "health"),
        ("SALUD PÚBLICA", "health"),
        ("agua", "water"),
        (" 3 ", "roads"),
        ("3.", "roads"),
        ("water", "water"),
    ],
)
async def test_choice_by_number_label_prefix_or_id(text: str, expected: str) -> None:
    assert await _value(CHOICE, text) == expected


@pytest.mark.parametrize("text", ["4", "0", "ca", "x" * 10_000, "-1"])
async def test_choice_refuses_unknown(text: str) -> None:
    assert isinstance(await _parse(CHOICE, text), Invalid)


LIKERT = Step("q", ask="?", type="likert", next="end")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("5", 5),
        ("de acuerdo", 4),
        ("Totalmente de acuerdo", 5),
        ("concordo", 4),
    ],
)
async def test_likert(text: str, expected: int) -> None:
    locale = "pt" if text == "concordo" else "es"
    assert await _value(LIKERT, text, locale) == expected


@pytest.mark.parametrize("text", ["6", "0", "3.5", "mucho"])
async def test_likert_refuses(text: str) -> None:
    assert isinstance(await _parse(LIKERT, text), Invalid)


MULTI = Step("q", ask="?", type="multi", next="end", max=2, options=CHOICE.options)


async def test_multi_numbers_and_labels() -> None:
    assert await _value(MULTI, "1, 3") == ["health", "roads"]
    assert await _value(MULTI, "3 y 1") == ["health", "roads"]
    assert await _value(MULTI, "caminos, agua") == ["water", "roads"]
    assert isinstance(await _parse(MULTI, "1, 2, 3"), Invalid)  # more than max
    assert isinstance(await _parse(MULTI, "1, 9"), Invalid)


RANKING = Step("q", ask="?", type="ranking", next="end", top=2, options=CHOICE.options)


async def test_ranking_keeps_order_and_needs_distinct_top_n() -> None:
    assert await _value(RANKING, "3, 1") == ["roads", "health"]
    assert isinstance(await _parse(RANKING, "3, 3"), Invalid)
    assert isinstance(await _parse(RANKING, "3"), Invalid)


NUMBER = Step("q", ask="?", type="number", next="end", min=0, max=100_000)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("12", "es", 12),
        ("1.500", "es", 1500),
        ("2,5", "es", 2.5),
        ("2,5", "pt", 2.5),
        ("1,500", "en", 1500),
        ("2.5", "en", 2.5),
        ("100000", "es", 100000),
    ],
)
async def test_number_in_the_readers_format(text: str, locale: str, expected: float) -> None:
    assert await _value(NUMBER, text, locale) == expected


@pytest.mark.parametrize("text", ["-1", "100001", "doce", "NaN", "inf", "1e999", ""])
async def test_number_refuses(text: str) -> None:
    assert isinstance(await _parse(NUMBER, text), Invalid)


WHOLE = Step("q", ask="?", type="number", next="end", min=1, max=50, params={"integer": True})


@pytest.mark.parametrize(("text", "locale"), [("2,5", "es"), ("2.5", "en"), ("2,5", "pt")])
async def test_a_whole_number_question_refuses_a_fraction(text: str, locale: str) -> None:
    # A table number or a head count of 2.5 would otherwise be stored as 2.5.
    assert isinstance(await _parse(WHOLE, text, locale), Invalid)


@pytest.mark.parametrize(("text", "locale", "expected"), [("3", "es", 3), ("3,0", "es", 3)])
async def test_a_whole_number_question_takes_whole_numbers(
    text: str, locale: str, expected: int
) -> None:
    assert await _value(WHOLE, text, locale) == expected


MONTH = Step("q", ask="?", type="month", next="end")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("marzo 2026", "2026-03"),
        ("Marzo de 2026", "2026-03"),
        ("03/2026", "2026-03"),
        ("2026-03", "2026-03"),
        ("3/2026", "2026-03"),
        ("março de 2026", "2026-03"),
        ("March 2026", "2026-03"),
        ("sept 2027", "2027-09"),
        ("set 2027", "2027-09"),
        ("dic. 2026", "2026-12"),
    ],
)
async def test_month_formats(text: str, expected: str) -> None:
    assert await _value(MONTH, text) == expected


@pytest.mark.parametrize("text", ["13/2026", "marzo", "2026", "mañana", "00/2026", "1999-01"])
async def test_month_refuses(text: str) -> None:
    assert isinstance(await _parse(MONTH, text), Invalid)


TEXT = Step("q", ask="?", type="text", next="end", max=10)


async def test_text_length_and_content() -> None:
    assert await _value(TEXT, "  Cuenca   sur ") == "Cuenca sur"
    assert isinstance(await _parse(TEXT, "🎉🎉"), Invalid)
    assert isinstance(await _parse(TEXT, "   "), Invalid)
    too_long = await _parse(TEXT, "a" * 11)
    assert isinstance(too_long, Invalid)
    assert "10" in too_long.message

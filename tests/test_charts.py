"""Charts: recipes survive the outbox's JSON and draw exact colours on a white page."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from bot.drawing.charts import _BAR, _COHORT, draw, recipe, scores_chart, status_chart
from storage import Outbound


def _rgb(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def _hex(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def test_a_recipe_stored_as_json_draws_the_same_chart() -> None:
    chart = recipe(
        "scores",
        title="Transparencia",
        labels=["Acceso", "Rendición de cuentas"],
        values=[40.0, 87.5],
        cohort=[50.0, None],
        you="Usted",
        workshop="Promedio del taller",
    )
    stored = Outbound.from_json(json.loads(json.dumps(Outbound("Gráfico", chart=chart).to_json())))
    assert stored.chart == chart
    assert stored.image_png is None
    assert draw(stored.chart) == scores_chart(
        "Transparencia",
        ["Acceso", "Rendición de cuentas"],
        [40.0, 87.5],
        cohort=[50.0, None],
        you="Usted",
        workshop="Promedio del taller",
    )


def test_indexed_charts_keep_white_and_the_exact_colours() -> None:
    image = _rgb(scores_chart("Título", ["Uno"], [100.0], cohort=[50.0]))
    colours = {colour for _, colour in image.getcolors(maxcolors=512) or []}
    assert image.getpixel((2, 2)) == (255, 255, 255)
    assert _hex(_BAR) in colours
    assert _hex(_COHORT) in colours
    status = _rgb(status_chart("Estado", ["Día 14"], [[1, 1, 1, 1, 1, 1]], ["a"] * 6))
    assert status.getpixel((2, 2)) == (255, 255, 255)


def test_an_unknown_kind_is_refused_when_the_recipe_is_written() -> None:
    with pytest.raises(ValueError, match="unknown chart kind"):
        recipe("pie", values=[1])

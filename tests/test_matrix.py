"""The impact/effort 2×2: no text overlaps another or leaves the picture, checked from the layout.

Every text artist's box comes from matplotlib's `get_window_extent` after a real draw; the
points' circles are checked too. Labels are long Spanish proposals, up to the flow's 280
characters, in both sizes.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from bot.cli.main import main
from bot.drawing.charts import draw, recipe
from bot.drawing.matrix import SIZES, impact_effort_chart, matrix_figure, nudges
from bot.live.screens import matrix_points
from bot.rounds.results import matrix_labels
from i18n import translator
from storage import Solution, open_store
from tests.workshop import CODE, seed_workshop

tr = translator("es")
LABELS = matrix_labels(tr)
TITLE = tr.gettext("The tables' proposals by impact and effort")
LONG = [  # about 80 characters each, two pairs in the same cell
    ("Convenio con el gobierno estatal para cofinanciar las obras inconclusas del municipio", 4, 2),
    ("Manual de procesos y tutorías entre pares para que no se pierda lo aprendido al rotar", 3, 1),
    ("Presupuesto participativo con prioridades ODS definido junto a las juntas vecinales", 5, 4),
    ("Mesa intermunicipal de conectividad rural con operadores y el gobierno provincial", 4, 2),
    ("Actualizar el reglamento de compras públicas para permitir pilotos de innovación", 2, 5),
    ("Tablero abierto de indicadores de la gestión publicado cada mes en la web municipal", 5, 1),
    ("Ventanilla única digital para trámites de licencias de funcionamiento y de obras", 1, 1),
    ("Capacitación continua del personal técnico en gestión por resultados y datos", 5, 5),
]
MAXIMUM = "Programa " + "de acompañamiento técnico y financiero " * 7  # the flow's 280
CROWDED = [(f"Propuesta número {n} de la mesa con un texto bastante largo", 5, 1) for n in range(9)]
MANY = [(MAXIMUM[:280], 1 + n % 5, 1 + (n * 2) % 5) for n in range(20)]


def _drawn(figure: Figure) -> tuple[list[tuple[str, Bbox]], list[Bbox]]:
    """Draw the figure; return every visible text with its box, and every point's box."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    circles = [c.get_window_extent(renderer) for c in figure.findobj(Circle)]
    return texts, circles


def _apart(a: Bbox, b: Bbox) -> bool:
    return a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0


def _circles_apart(a: Bbox, b: Bbox) -> bool:
    """Tell two round points' boxes apart by their centres (their corners may overlap)."""
    distance = ((a.x0 + a.x1 - b.x0 - b.x1) ** 2 + (a.y0 + a.y1 - b.y0 - b.y1) ** 2) ** 0.5 / 2
    return distance > (a.width + b.width) / 2


def _within(inner: Bbox, outer: Bbox) -> bool:
    return (
        inner.x0 >= outer.x0
        and inner.y0 >= outer.y0
        and inner.x1 <= outer.x1
        and inner.y1 <= outer.y1
    )


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize(
    "points", [LONG, CROWDED, MANY, LONG[:1]], ids=["long", "crowded", "many", "one"]
)
def test_no_text_overlaps_or_is_cut(size: str, points: list[tuple[str, int, int]]) -> None:
    figure = matrix_figure(points, LABELS, size=size, title=TITLE)
    texts, circles = _drawn(figure)
    page = Bbox.from_bounds(0, 0, *SIZES[size])
    for text, box in texts:
        assert _within(box, page), (text, box)
    for (one, a), (other, b) in itertools.combinations(texts, 2):
        assert _apart(a, b), (one, other)
    for a, b in itertools.combinations(circles, 2):
        assert _circles_apart(a, b)
    # A point's own number sits inside it; anything else stays clear of every point.
    numbers = {str(n) for n in range(1, len(points) + 1)}
    for text, box in texts:
        if text not in numbers:
            assert all(_apart(box, c) for c in circles), text
    shown = {text for text, _ in texts}
    assert {LABELS[q] for q in ("quick_wins", "big_bets", "fill_ins", "thankless")} <= shown


def test_points_are_numbered_like_the_projector_and_the_legend() -> None:
    figure = matrix_figure(LONG, LABELS, size="large")
    axes = figure.axes[0]
    numbers = [t for t in axes.texts if t.get_text().isdigit()]
    assert [t.get_text() for t in numbers] == [str(n) for n in range(1, len(LONG) + 1)]
    now = datetime(2026, 3, 2, tzinfo=UTC)
    solutions = [Solution(str(n), "c", None, n, None, "", text, i, e, now)
                 for n, (text, i, e) in enumerate(LONG)]  # fmt: skip
    for text, point in zip(numbers, matrix_points(solutions), strict=True):
        x, y = text.get_position()
        assert text.get_text() == str(point["n"])
        # The projector's nudge, packed a little tighter (0.8) on the chart.
        assert (x, y) == pytest.approx(
            (point["effort"] + 0.8 * point["dx"], point["impact"] + 0.8 * point["dy"])
        )
    # Points 1 and 4 share a cell: nudged apart, 1 in the middle as on the projector.
    assert numbers[0].get_position() == (2, 4)
    assert numbers[3].get_position()[0] > 2
    legend = [t for t in figure.texts if t.get_text().split("\n")[0].isdigit()]
    assert [t.get_text().strip() for t in legend] == [str(n) for n in range(1, len(LONG) + 1)]


def test_a_proposal_too_long_for_its_lines_ends_with_an_ellipsis() -> None:
    figure = matrix_figure(MANY, LABELS, size="phone")
    bodies = [t.get_text() for t in figure.texts if t.get_text().startswith("Programa")]
    assert len(bodies) == len(MANY)
    assert all(b.endswith("…") for b in bodies)


def test_nudges_keep_the_hexagon_and_keep_a_crowded_cell_inside_itself() -> None:
    hexagon = nudges([(3, 3)] * 7)
    assert [(dx, dy) for dx, dy, _ in hexagon][:3] == [(0, 0), (0.42, 0), (-0.42, 0)]
    assert {scale for _, _, scale in hexagon} == {1}
    crowded = nudges([(3, 3)] * 12 + [(1, 1)])
    assert crowded[-1] == (0, 0, 1)  # another cell is not affected
    spots = [(dx * 0.8, dy * 0.8, 0.15 * scale) for dx, dy, scale in crowded[:12]]
    for (x1, y1, r), (x2, y2, _) in itertools.combinations(spots, 2):
        assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 > 2 * r
    assert all(abs(x) + r < 0.5 and abs(y) + r < 0.5 for x, y, r in spots)


def test_both_sizes_as_png_and_old_recipes_still_draw() -> None:
    for size, (width, height) in SIZES.items():
        png = impact_effort_chart(LONG, LABELS, size=size, title=TITLE)
        assert Image.open(io.BytesIO(png)).size == (width, height)
    # A recipe queued before sizes existed (no size, no title) draws the large chart.
    old = recipe("impact_effort", points=[list(p) for p in LONG[:2]], labels=LABELS)
    assert Image.open(io.BytesIO(draw(old))).size == SIZES["large"]


def test_the_command_line_writes_the_chart_in_either_size(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    now = datetime(2026, 3, 2, tzinfo=UTC)

    async def seed() -> None:
        store = await open_store(f"sqlite:///{db}", lambda: now)
        try:
            await seed_workshop(store, now)
        finally:
            await store.close()

    asyncio.run(seed())
    for size, dimensions in SIZES.items():
        out = tmp_path / f"{size}.png"
        command = ["prioritization", "show", "--db", str(db), CODE, "--chart", str(out)]
        assert main([*command, "--size", size]) == 0
        assert Image.open(out).size == dimensions

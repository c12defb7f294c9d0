"""Result charts as PNG, drawn with matplotlib's object API (no pyplot global state)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

_BAR = "#1f7a5c"
_COHORT = "#e07a1f"


def scores_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    cohort: Sequence[float | None] | None = None,
    you: str = "",
    workshop: str = "",
) -> bytes:
    """Draw 0–100 scores as horizontal bars, with the cohort average as a tick when given."""
    from matplotlib.figure import Figure  # imported here: only image-capable channels need it

    height = 1.4 + 0.42 * len(labels)
    figure = Figure(figsize=(7, height), dpi=110)
    axes = figure.subplots()
    rows = list(range(len(labels)))
    axes.barh(rows, values, color=_BAR, label=you or None)
    for row, value in zip(rows, values, strict=True):
        axes.text(min(value + 1.5, 92), row, f"{value:.0f}", va="center", fontsize=9)
    if cohort is not None:
        points = [(v, r) for v, r in zip(cohort, rows, strict=True) if v is not None]
        if points:
            axes.scatter(
                [v for v, _ in points],
                [r for _, r in points],
                marker="|",
                s=400,
                linewidths=3,
                color=_COHORT,
                label=workshop or None,
                zorder=3,
            )
    axes.set_yticks(rows, labels=list(labels), fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    if you or (cohort is not None and workshop):
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def impact_effort_chart(points: Sequence[tuple[str, int, int]], labels: Mapping[str, str]) -> bytes:
    """Draw proposals on the impact/effort 2×2: quick wins are high impact, low effort."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 6), dpi=110)
    axes = figure.subplots()
    axes.axhline(3, color="#999999", linewidth=1)
    axes.axvline(3, color="#999999", linewidth=1)
    corners = (
        (1.6, 4.9, labels["quick_wins"]),
        (4.4, 4.9, labels["big_bets"]),
        (1.6, 1.1, labels["fill_ins"]),
        (4.4, 1.1, labels["thankless"]),
    )
    for x, y, text in corners:
        axes.text(x, y, text, ha="center", va="center", fontsize=10, color="#666666")
    for number, (text, impact, effort) in enumerate(points, start=1):
        axes.scatter([effort], [impact], s=160, color=_BAR, zorder=3)
        axes.annotate(
            f"{number}. {text[:40]}",
            (effort, impact),
            textcoords="offset points",
            xytext=(8, 6),
            fontsize=8,
        )
    axes.set_xlim(0.5, 5.5)
    axes.set_ylim(0.5, 5.5)
    axes.set_xlabel(labels["effort"])
    axes.set_ylabel(labels["impact"])
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

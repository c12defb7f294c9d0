"""Result charts as PNG, drawn with matplotlib's object API (no pyplot global state)."""

from __future__ import annotations

import io
from collections.abc import Sequence

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

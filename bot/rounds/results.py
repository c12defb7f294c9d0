"""What a round shows participants: the ranking and the tables' proposals with the 2×2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.conversation.work import Work
from bot.drawing.charts import recipe
from bot.rounds.round import erased_text, standing
from flows.prioritization import render_ranking
from i18n import Translator
from storage import Outbound, Solution, Store


async def round_results(
    store: Store, cohort_id: str, work: Work, image_channels: frozenset[str]
) -> None:
    """Show a round's ranking and the tables' proposals (with the 2×2 where images go)."""
    ranking = (await standing(store, cohort_id, work.tr)).ranking
    lines = [render_ranking(ranking, work.tr) or work.tr.gettext("No votes were cast.")]
    solutions = await store.solutions(cohort_id)
    if solutions:
        lines += ["", work.tr.gettext("The tables' proposals (impact / effort, 1–5):")]
        erased = erased_text(work.tr)
        lines += [f"• {s.text or erased} ({s.impact} / {s.effort})" for s in solutions]
    work.text("\n".join(lines))
    if solutions and work.participant.channel in image_channels:
        chart = matrix_recipe(solutions, work.tr, size="phone")  # read on a phone
        work.say(Outbound(work.tr.gettext("The proposals by impact and effort."), chart=chart))


def matrix_recipe(solutions: Sequence[Solution], tr: Translator, size: str) -> dict[str, Any]:
    """Describe the impact/effort chart of the tables' proposals, numbered in their order."""
    return recipe(
        "impact_effort",
        points=[(s.text, s.impact, s.effort) for s in solutions],
        labels=matrix_labels(tr),
        size=size,
        title=tr.gettext("The tables' proposals by impact and effort"),
    )


def matrix_labels(tr: Translator) -> dict[str, str]:
    """Label the impact/effort chart's axes and quadrants in the reader's language."""
    return {
        "impact": tr.gettext("Impact"),
        "effort": tr.gettext("Effort"),
        "quick_wins": tr.gettext("Quick wins"),
        "big_bets": tr.gettext("Major projects"),
        "fill_ins": tr.gettext("Fill-ins"),
        "thankless": tr.gettext("Thankless tasks"),
    }

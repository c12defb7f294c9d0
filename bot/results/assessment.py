"""Reports a participant gets at the end of an activity.

Assessment results with their chart, and a closed round's ranking with the impact/effort chart.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.work import Work
from bot.drawing.charts import recipe
from bot.rounds.round import standing
from flows.model import Flow
from flows.prioritization import render_ranking
from flows.registry import FlowRegistry
from flows.scoring import (
    MIN_GROUP_SIZE,
    CohortScores,
    Scores,
    cohort_average,
    render_results,
    score,
)
from i18n import Translator
from storage import AssessmentResult, Outbound, Run, Store


async def assessment_results(
    store: Store,
    registry: FlowRegistry,
    run: Run,
    cohort_id: str | None,
    work: Work,
    image_channels: frozenset[str],
) -> None:
    """Score a finished assessment, compare it with last time and the cohort, and record it."""
    compiled = registry.for_run(run.flow_id, run.flow_version)
    if compiled is None:
        return
    flow = compiled.flow
    scores = score(flow, run.data.get("vars", {}))
    history = await store.results(work.participant.id, flow.id)
    previous = Scores.from_json(history[-1].scores) if history else None
    cohort = None
    if cohort_id is not None:
        others = [
            Scores.from_json(r.scores)
            for r in await store.cohort_results(cohort_id, flow.id)
            if r.participant_id != work.participant.id
        ]
        cohort = cohort_average([*others, scores])
    work.text(render_results(flow, scores, work.tr, previous, cohort))
    work.changes.results.append(
        AssessmentResult(
            run.id, work.participant.id, flow.id, cohort_id, scores.to_json(), work.now
        )
    )
    if work.participant.channel in image_channels:
        chart = _chart(flow, scores, cohort, work.tr)
        work.say(Outbound(work.tr.gettext("Your results as a chart."), chart=chart))


def _chart(
    flow: Flow, scores: Scores, cohort: CohortScores | None, tr: Translator
) -> dict[str, Any]:
    shown = [d for d in flow.dimensions if d.id in scores.dimensions]
    averages = None
    if cohort is not None and cohort.people >= MIN_GROUP_SIZE:
        averages = [cohort.dimensions.get(d.id) for d in shown]
    return recipe(
        "scores",
        title=tr.gettext(flow.title),
        labels=[tr.gettext(d.label) for d in shown],
        values=[scores.dimensions[d.id] for d in shown],
        cohort=averages,
        you=tr.gettext("You"),
        workshop=tr.gettext("Workshop average"),
    )


async def round_results(
    store: Store, cohort_id: str, work: Work, image_channels: frozenset[str]
) -> None:
    """Show a round's ranking and the tables' proposals (with the 2×2 where images go)."""
    ranking = (await standing(store, cohort_id)).ranking
    lines = [render_ranking(ranking, work.tr) or work.tr.gettext("No votes were cast.")]
    solutions = await store.solutions(cohort_id)
    if solutions:
        lines += ["", work.tr.gettext("The tables' proposals (impact / effort, 1–5):")]
        lines += [f"• {s.text} ({s.impact} / {s.effort})" for s in solutions]
    work.text("\n".join(lines))
    if solutions and work.participant.channel in image_channels:
        points = [(s.text, s.impact, s.effort) for s in solutions]
        chart = recipe("impact_effort", points=points, labels=matrix_labels(work.tr))
        work.say(Outbound(work.tr.gettext("The proposals by impact and effort."), chart=chart))


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

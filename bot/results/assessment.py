"""What a participant gets at the end of an assessment: their scores, compared, with a chart."""

from __future__ import annotations

from typing import Any

from bot.conversation.call import Call
from bot.conversation.conversation import Conversation
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.drawing.charts import recipe
from flows.model import Flow
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

ASSESSMENT = "assessment"
LEARN_FLOW = "learn"

router = Router("assessment results")


@router.finisher(ASSESSMENT)
def assessment_finished(conversation: Conversation, work: Work, finished: Run) -> None:
    """Results need the store: they are written, then the menu shown, by the settler below."""
    work.scored.append(finished)
    work.menu_after = True


@router.settler
async def show_results(call: Call) -> None:
    """Score what was finished, show the results, then the menu unless an activity goes on."""
    work = call.work
    if not work.scored:
        return
    memberships = await call.store.memberships(work.participant.id)
    cohort_id = memberships[-1].cohort_id if memberships else None
    conversation = call.conversation
    for run in work.scored:
        await assessment_results(
            call.store, call.registry, run, cohort_id, work, conversation.image_channels
        )
    if work.menu_after and work.active() is None:
        conversation.show_menu(work, _learn_notice(call.registry, work))


def _learn_notice(registry: FlowRegistry, work: Work) -> str | None:
    """Point to the learn step under results whose dimensions it explains (session 1)."""
    explained = any(
        d.learn
        for run in work.scored
        if (compiled := registry.for_run(run.flow_id, run.flow_version)) is not None
        for d in compiled.flow.dimensions
    )
    if not explained or LEARN_FLOW not in registry:
        return None
    return work.tr.gettext(
        "What does each one mean for a municipality? Choose “What does it mean?” in the menu."
    )


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

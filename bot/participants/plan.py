"""The action plan (session 5): where an action starts from, and a confirmed plan's records.

Opening it from the menu (or a launch) gathers the person's starting points from the workshop:
the weakest dimension of their assessments, their session 4 priorities and the barriers they
shared in session 6. A confirmed plan becomes the person's roadmap actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.conversation.call import Call
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.facilitation.priorities import PRIORITIES_FLOW, RANK_STEP, latest_rankings
from flows.model import Flow
from flows.plan import DETAIL_FIELDS, NO_BARRIER, NO_THEME
from flows.registry import FlowRegistry
from flows.scoring import Scores
from flows.turn import ActionRequested
from storage import PlanAction, Store

router = Router("action plan")


@router.action("commit_plan")
def commit_plan(event: ActionRequested, work: Work) -> None:
    """Store each action of a confirmed plan (again, updated, when it is edited and confirmed)."""
    run_id = str(event.payload["run_id"])
    for position, item in enumerate(event.payload["vars"].get("actions", [])):
        # The id is stable per run and position, so editing and confirming again updates the
        # same records (and keeps the status check-ins gave them).
        work.changes.actions.append(
            PlanAction(
                id=f"{run_id}-{position}",
                participant_id=work.participant.id,
                run_id=run_id,
                position=position,
                title=str(item["title"]),
                sdg=int(item["sdg"]),
                office=str(item["office"]),
                first_step=str(item["first_step"]),
                target_month=str(item["target"]),
                indicator=str(item["indicator"]),
                created_at=work.now,
                updated_at=work.now,
            )
        )


@router.opener("action_plan")
async def open_plan(call: Call, flow: Flow) -> None:
    """Continue a plan under way, or start one with the person's starting points."""
    work = call.work
    waiting = next((r for r in work.paused() if r.flow_id == flow.id), None)
    if waiting is not None:
        call.conversation.resume(waiting, work)
        return
    preset = await starting_points(call.store, call.registry, work.participant.id)
    call.conversation.start(flow.id, work, preset)


async def starting_points(store: Store, registry: FlowRegistry, person: str) -> dict[str, Any]:
    """Themes to offer (weakest dimension, session 4 priorities) and the person's barriers."""
    themes = [
        *await _weakest(store, registry, person),
        *await _priorities(store, registry, person),
    ]
    barriers = await _barriers(store, person)
    preset: dict[str, Any] = {"themes": list(dict.fromkeys(themes)), "barriers": barriers}
    if not themes:
        preset["theme_start"] = NO_THEME  # nothing to offer: the theme can be added when editing
    if not barriers:
        preset["barrier_start"] = NO_BARRIER
    return preset


async def _weakest(store: Store, registry: FlowRegistry, person: str) -> list[str]:
    """Return the label of the lowest-scored dimension over the person's latest assessments."""
    lowest: tuple[float, str] | None = None
    for flow in registry.menu_flows():
        if flow.kind != "assessment":
            continue
        history = await store.results(person, flow.id)
        if not history:
            continue
        scores = Scores.from_json(history[-1].scores).dimensions
        for dimension in flow.dimensions:  # in the flow's order: a tie goes to the first
            value = scores.get(dimension.id)
            if value is not None and (lowest is None or value < lowest[0]):
                lowest = (value, dimension.label)
    return [lowest[1]] if lowest is not None else []


async def _priorities(store: Store, registry: FlowRegistry, person: str) -> list[str]:
    """Return the labels of the person's session 4 priorities, the first first."""
    if PRIORITIES_FLOW not in registry:
        return []
    ranking = latest_rankings(await store.answers(person)).get(person, [])
    options = {o.id: o.label for o in registry.get(PRIORITIES_FLOW).flow.step(RANK_STEP).options}
    return [options[area] for area in ranking if area in options]


async def _barriers(store: Store, person: str) -> list[str]:
    """Return the barriers the person shared in their latest workshop's round (session 6)."""
    memberships = await store.memberships(person)
    if not memberships:
        return []
    mine = await store.challenges(memberships[-1].cohort_id)
    return [c.text for c in mine if c.participant_id == person and not c.hidden]


async def plan_details(store: Store, person: str) -> dict[str, Mapping[str, Any]]:
    """Each action's theme, partners, milestones and barrier, by action id.

    They stay in the plan's run (the actions table keeps what check-ins ask about), so a
    roadmap reads them from there.
    """
    details: dict[str, Mapping[str, Any]] = {}
    for run in await store.runs(person):
        items = run.data.get("vars", {}).get("actions", [])
        for position, item in enumerate(items):
            if isinstance(item, dict):
                details[f"{run.id}-{position}"] = {k: item.get(k) for k in DETAIL_FIELDS}
    return details

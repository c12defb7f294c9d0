"""The round in a participant's conversation: what the menu entry asks, what votes record.

What the prioritization flow asks depends on the round's phase (submit barriers, vote, discuss
at the table, see the results), so picking it from the menu is this module's to decide.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from bot.conversation.call import Call
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.rounds.results import round_results
from bot.rounds.round import standing
from flows.model import Flow
from flows.prioritization import PHASES, visible
from flows.turn import ActionRequested
from storage import Challenge, Solution, Vote

MAX_BARRIERS = 3

router = Router("prioritization round")


@router.opener("prioritization")
async def open_round(call: Call, flow: Flow) -> None:
    """Start the round's flow at what its phase asks of this person now."""
    work, conversation = call.work, call.conversation
    memberships = await call.store.memberships(work.participant.id)
    if not memberships:
        conversation.show_menu(
            work,
            work.tr.gettext(
                "This activity belongs to a workshop. Join yours first with /start and its code."
            ),
        )
        return
    membership = memberships[-1]
    cohort_id = membership.cohort_id
    phase = await call.store.round_phase(cohort_id) or PHASES[0]
    preset: dict[str, Any] = {"phase": phase, "cohort_id": cohort_id}
    if membership.table_no is not None:
        preset["table"] = membership.table_no
    if phase == PHASES[0]:
        mine = [
            c
            for c in await call.store.challenges(cohort_id)
            if c.participant_id == work.participant.id
        ]
        left = MAX_BARRIERS - len(mine)
        if left <= 0:
            conversation.show_menu(
                work,
                work.tr.gettext("You have already shared three barriers. The vote opens soon."),
            )
            return
        # Prefilled "no more" answers stop the flow once they reach three in all.
        if left == 1:
            preset["last_barrier_1"] = False
        if left == 2:
            preset["last_barrier_2"] = False
    if phase in ("voting", "discussing"):
        now = await standing(call.store, cohort_id, call.work.tr)
        shown = visible(now.challenges)
        ranked = [r.challenge for r in now.ranking]
        preset["challenges"] = [{"id": c.id, "text": c.label} for c in shown]
        preset["top"] = [{"id": c.id, "text": c.label} for c in ranked[:5]]
        if len(shown) < 2:
            preset["no_second"] = ""
        if len(shown) < 3:
            preset["no_third"] = ""
        if not shown:
            conversation.show_menu(work, work.tr.gettext("There are no barriers to vote on yet."))
            return
    conversation.start(flow.id, work, preset)


@router.action("show_ranking")
def show_ranking(event: ActionRequested, work: Work) -> None:
    """Note that the flow reached the results: the settler below reads and shows them."""
    work.ranking_for = str(event.payload["vars"].get("cohort_id"))


@router.settler
async def ranking(call: Call) -> None:
    """Show the round's ranking and the tables' proposals to the person who asked."""
    work = call.work
    if work.ranking_for is not None:
        image_channels = call.conversation.image_channels
        await round_results(call.store, work.ranking_for, work, image_channels)


@router.action("submit_challenges", "cast_vote", "propose_solution")
def record_round(event: ActionRequested, work: Work) -> None:
    """Turn a round action of a participant's flow into records: challenges, a vote, a proposal."""
    values = event.payload["vars"]
    cohort_id = str(values.get("cohort_id"))
    pid = work.participant.id
    if event.name == "submit_challenges":
        texts = [values[k] for k in ("challenge_1", "challenge_2", "challenge_3") if values.get(k)]
        work.changes.challenges.extend(
            # Microseconds apart, so "earliest submission" breaks ties deterministically.
            Challenge(
                uuid.uuid4().hex[:8], cohort_id, text, work.now + timedelta(microseconds=n), pid
            )
            for n, text in enumerate(texts)
        )
    elif event.name == "cast_vote":
        ranking = tuple(str(values[k]) for k in ("vote_1", "vote_2", "vote_3") if values.get(k))
        work.changes.votes.append(Vote(cohort_id, pid, ranking, work.now))
    else:
        table = values.get("table")
        work.changes.solutions.append(
            Solution(
                uuid.uuid4().hex,
                cohort_id,
                pid,
                int(table) if table is not None else None,
                values.get("focus"),
                str(values.get("consequences", "")),
                str(values.get("solution", "")),
                int(values.get("impact", 0)),
                int(values.get("effort", 0)),
                work.now,
            )
        )

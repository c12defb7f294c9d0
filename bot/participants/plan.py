"""The action plan (session 5): a confirmed plan becomes the person's roadmap actions."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.work import Work
from flows.turn import ActionRequested
from storage import PlanAction

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

"""Check-ins in the conversation: one coming due, its flow ending, and what it records."""

from __future__ import annotations

from bot.conversation.call import Call
from bot.conversation.conversation import Conversation
from bot.conversation.filters import kind
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.followup.progress import (
    CHECKIN,
    checkin_preset,
    nudge_text,
    nudged,
    record_checkin,
    started,
)
from flows.turn import ActionRequested
from storage import Run

router = Router("check-ins")


@router.message(kind("checkin"))
async def checkin_due(call: Call) -> None:
    """Take a check-in's next step: start it, nudge, or give up; commit its new state."""
    work, conversation = call.work, call.conversation
    checkin = await call.store.checkin(str(call.inbound.choice))
    person = work.participant
    if checkin is None or checkin.next_at is None or checkin.participant_id != person.id:
        return  # settled meanwhile (answered, replanned, erased)
    if not person.open_to_messages or call.facilitator:
        # Opted out or unreachable; or runs the workshop and has no roadmap to report.
        new = checkin.with_changes(status="skipped", next_at=None)
    elif checkin.status == "planned":
        actions = await call.store.actions(person.id)
        preset = checkin_preset(actions, "all", checkin.id)
        conversation.start(CHECKIN, work, preset, work.active())
        run = work.active()
        new = started(checkin, run.id if run is not None else None, work.now)
    else:
        run = next(
            (r for r in (work.active(), *work.paused()) if r and r.id == checkin.run_id), None
        )
        if checkin.nudges >= 2 or run is None:
            new = checkin.with_changes(status="unanswered", next_at=None)
        else:
            # The pending question again; held copies of earlier steps are dropped.
            work.changes.drop_held = True
            conversation.resume(run, work, nudge_text(checkin.nudges, person.name, work.tr))
            new = nudged(checkin, work.now)
    work.changes.checkins.append(new)


@router.action("finish_checkin")
def finish_checkin(event: ActionRequested, work: Work) -> None:
    """Keep a finished check-in's answers, to be stored by the settler below."""
    work.checkin_report = event.payload


@router.finisher(CHECKIN)
def checkin_finished(conversation: Conversation, work: Work, finished: Run) -> None:
    """Leave the finished check-in to the settler below, which reads the store."""
    work.checkin_done = finished


@router.settler
async def store_checkin(call: Call) -> None:
    """Record a finished check-in, show the roadmap, then go back to what it interrupted."""
    work = call.work
    if work.checkin_done is not None and work.checkin_report is not None:
        await record_checkin(call.store, work.checkin_report, work)
        call.conversation.go_on(work.checkin_done, work)

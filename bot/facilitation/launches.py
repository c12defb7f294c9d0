"""`/launch FLOW CODE`: every member of a workshop gets the start of a flow now.

Durable: one scheduled start per member, committed with the command; the scheduler starts each
under the member's own lock, once, even across a crash (the "launch" inbound below).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.conversation.call import Call
from bot.conversation.filters import kind
from bot.conversation.router import Router
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import find_request, usage
from storage import AuditEntry, Changes, Cohort, Scheduled, Store

router = Router("launches")
starts = Router("launch starts")


@facilitator_command(router, "launch")
async def launch(call: Call) -> None:
    """Schedule the flow's start for every member open to messages."""
    work = call.work
    request = await find_request(call)
    flow_id = request.words[0] if request.words else ""
    if request.cohort is None or not await call.conversation.knows(flow_id):
        usage(work, "/launch FLOW CODE")
        return
    actor = f"{work.participant.channel}:{work.participant.address}"
    changes = await launch_changes(call.store, request.cohort, flow_id, work.now, actor)
    members = len(changes.scheduled)
    work.changes.scheduled.extend(changes.scheduled)
    work.changes.audit.extend(changes.audit)
    title = work.tr.gettext(call.registry.get(flow_id).flow.title)
    work.text(
        work.tr.ngettext(
            "Starting “{flow}” for {n} participant.",
            "Starting “{flow}” for {n} participants.",
            members,
        ).format(flow=title, n=members)
    )


async def launch_changes(
    store: Store, cohort: Cohort, flow_id: str, now: datetime, actor: str
) -> Changes:
    """Return one scheduled start per member open to messages, and the audit line saying so.

    /launch commits them with the command; the dashboard's launch button commits them alone.
    """
    audience = await store.audience(cohort.id)
    members = [p for p, _ in audience if p.open_to_messages]
    batch = uuid.uuid4().hex
    detail = {"flow": flow_id, "cohort": cohort.code, "members": len(members)}
    return Changes(
        scheduled=[
            Scheduled(p.id, flow_id, "flow", now, dedupe_key=f"launch:{batch}:{p.id}")
            for p in members
        ],
        audit=[AuditEntry(now, actor, "launch", detail)],
    )


@starts.message(kind("launch"))
async def launched(call: Call) -> None:
    """Start the flow a launch scheduled for this member (`choice` names it)."""
    flow_id = call.inbound.choice
    if not call.person.open_to_messages or flow_id is None:
        return
    if not await call.conversation.knows(flow_id):  # a form just uploaded on another worker?
        return
    flow = call.registry.get(flow_id).flow
    if flow.kind in call.conversation.router.openers:
        # Its kind decides how it starts (the action plan gathers the person's starting points).
        await call.conversation.open_flow(call, flow)
    else:
        call.conversation.start(flow_id, call.work)

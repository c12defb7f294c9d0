"""`/launch FLOW CODE`: every member of a workshop gets the start of a flow now.

Durable: one scheduled start per member, committed with the command; the scheduler starts each
under the member's own lock, once, even across a crash (the "launch" inbound below).
"""

from __future__ import annotations

import uuid

from bot.conversation.call import Call
from bot.conversation.filters import kind
from bot.conversation.router import Router
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import audit, find_request, usage
from storage import Scheduled

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
    audience = await call.store.audience(request.cohort.id)
    members = [p for p, _ in audience if p.open_to_messages]
    audit(work, "launch", flow=flow_id, cohort=request.cohort.code, members=len(members))
    batch = uuid.uuid4().hex
    work.changes.scheduled.extend(
        Scheduled(p.id, flow_id, "flow", work.now, dedupe_key=f"launch:{batch}:{p.id}")
        for p in members
    )
    title = work.tr.gettext(call.registry.get(flow_id).flow.title)
    work.text(
        work.tr.ngettext(
            "Starting “{flow}” for {n} participant.",
            "Starting “{flow}” for {n} participants.",
            len(members),
        ).format(flow=title, n=len(members))
    )


@starts.message(kind("launch"))
async def launched(call: Call) -> None:
    """Start the flow a launch scheduled for this member (`choice` names it)."""
    flow_id = call.inbound.choice
    if not call.person.open_to_messages or flow_id is None:
        return
    if await call.conversation.knows(flow_id):  # a form uploaded a moment ago, on another worker
        call.conversation.start(flow_id, call.work)

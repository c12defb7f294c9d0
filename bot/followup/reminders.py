"""Nudge people mid-flow before their WhatsApp window closes.

WhatsApp lets Minga write freely for 24 hours after a person's last message. Someone who stops
half-way through an assessment would otherwise fall outside it unnoticed, and could then only
be reached with a template. About 23 hours after their last message they get one reminder with
the question they stopped at, so a single answer carries on (and reopens the window).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.channels.whatsapp_window import WINDOW
from bot.conversation.call import Call
from bot.conversation.filters import kind
from bot.conversation.inbound import Inbound
from bot.conversation.router import Router

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

REMIND_AFTER = timedelta(hours=23)
CHECK_EVERY_SECONDS = 300.0

router = Router("reminders")


@router.message(kind("remind"))
async def remind(call: Call) -> None:
    """Nudge a person who left an activity half-way, with its pending question."""
    work = call.work
    active = work.active()
    if active is None or work.participant.opted_out:
        return
    notice = work.tr.gettext(
        "{name}, you left an activity half-way. To go on, just answer the question below."
    ).format(name=work.participant.name or "")
    call.conversation.prompt(active, work, notice.strip(", "))


async def remind_once(app: App, channel: str) -> int:
    """Send the due reminders once; return how many people were nudged."""
    now = app.clock.now()
    due = await app.store.window_closing(channel, since=now - WINDOW, until=now - REMIND_AFTER)
    for key in due:
        # Through the dispatcher: under the person's lock, rendered like any prompt, and
        # deduplicated per silence, so a second pass (or a second worker) adds nothing.
        await app.dispatcher.handle(Inbound(key.channel, key.address, "remind", now))
    return len(due)


async def run_reminders(app: App, channel: str, every: float = CHECK_EVERY_SECONDS) -> None:
    """Check for due reminders every `every` seconds until cancelled."""
    while True:
        try:
            await remind_once(app, channel)
        except Exception:  # a failed pass is retried at the next one
            log.exception("window reminders failed; retrying in %.0f s", every)
        await asyncio.sleep(every)

"""Retention: erase the people of workshops that ended more than N months ago.

Each erase goes through the dispatcher, under the person's lock and in one transaction, exactly
like their own /delete: their profile, answers, plans and messages go; the votes and scores that
published rankings and averages count stay, anonymously. People still in a workshop that has not
ended (or has no end date) are kept.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
from datetime import date
from typing import TYPE_CHECKING

from bot.conversation.call import Call
from bot.conversation.filters import kind
from bot.conversation.inbound import Inbound
from bot.conversation.router import Router

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 6 * 3600.0

router = Router("retention")


@router.message(kind("expire"))
async def expire(call: Call) -> None:
    """Erase a person whose workshops all ended long ago, silently: nothing is sent."""
    call.work.erase = not call.work.is_new()


def months_before(day: date, months: int) -> date:
    """Return the same day `months` months earlier, clamped to that month's length."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


async def apply_retention(app: App, months: int) -> int:
    """Erase everyone whose workshops all ended before the retention cut-off; return how many."""
    now = app.clock.now()
    expired = await app.store.expired_participants(months_before(now.date(), months))
    for key in expired:
        await app.dispatcher.handle(
            Inbound(key.channel, key.address, "expire", now, external_id=f"expire:{key}")
        )
    if expired:
        log.info(
            "retention: erased %d people of workshops over %d months ago", len(expired), months
        )
    return len(expired)


async def run_retention(app: App, months: int, every: float = CHECK_EVERY_SECONDS) -> None:
    """Apply retention every `every` seconds until cancelled."""
    while True:
        try:
            await apply_retention(app, months)
        except Exception:  # retried at the next pass
            log.exception("retention pass failed; retrying in %.0f s", every)
        await asyncio.sleep(every)

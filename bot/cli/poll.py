"""`minga poll`: Telegram long polling, for a laptop or a small deployment.

Updates of one chat are handled in arrival order (the dispatcher's per-participant lock is
first come, first served); different chats are handled concurrently. The offset is confirmed
only after an update was handled, and a redelivered `update_id` is dropped by the dispatcher.

From the command line (`MINGA_SENDER=process`, the default) replies are sent by a child
process, `minga send`, as under `minga serve`: handling and sending then use a core each, where
one process kept one core busy and left the other idle.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.app import App, open_app
from bot.channels.pacing import SendPacer
from bot.channels.telegram import CHANNEL, TelegramSender, pacer_for
from bot.channels.telegram_http import telegram_bot
from bot.config import Settings
from bot.participants.retention import run_retention
from bot.plumbing.clock import Clock, SystemClock
from bot.plumbing.memory import freeze_startup_objects
from bot.sending.process import SenderProcess, start_sending
from bot.web.telegram import handle_update

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def run_poll(
    settings: Settings,
    database_url: str,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 25,
    pacer: SendPacer | None = None,
    sender_process: bool = False,
) -> int:
    """Poll until `stop` is set (or forever); return the exit status.

    With `sender_process` a child process sends the outbox (see the module's docstring).
    """
    stop = stop or asyncio.Event()
    app_clock = clock or SystemClock()
    async with telegram_bot(settings) as bot:
        child = SenderProcess(database_url) if sender_process else None
        own = child is None  # tests run the sender in this process
        senders = {CHANNEL: TelegramSender(bot, pacer or pacer_for(settings))} if own else {}
        async with open_app(
            database_url,
            senders,
            clock=app_clock,
            default_locale=settings.locale,
            flows_dir=settings.flows_dir,
            facilitators=settings.facilitator_keys(),
            outbox_batch=settings.outbox_batch,
            schedule=settings.schedule_policy(),
            burst=settings.burst_limit(),
        ) as app:
            if child is not None:  # minga poll itself, not a test
                freeze_startup_objects()
            await _poll(app, bot, stop, poll_timeout, settings.retention_months, child)
    return 0


async def _poll(
    app: App,
    bot: Bot,
    stop: asyncio.Event,
    poll_timeout: int,
    retention_months: int | None,
    child: SenderProcess | None,
) -> None:
    sending = await start_sending(app.sender, child)
    scheduling = asyncio.create_task(app.scheduler.run())
    loops = [sending, scheduling]
    if retention_months is not None:
        loops.append(asyncio.create_task(run_retention(app, retention_months)))
    offset: int | None = None
    try:
        while not stop.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            except (TimedOut, NetworkError):
                log.warning("getUpdates failed; retrying")
                await asyncio.sleep(1)
                continue
            except Exception:  # an update PTB cannot parse must not end the poller
                log.exception("getUpdates returned something unreadable; retrying")
                await asyncio.sleep(5)
                continue
            if updates:
                # Confirmed (offset) only once handled: a crash before means redelivery.
                await asyncio.gather(*(handle_update(app, bot, u) for u in updates))
                offset = updates[-1].update_id + 1
    finally:
        for task in loops:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

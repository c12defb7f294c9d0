"""`minga poll`: Telegram long polling, for a laptop or a small deployment.

Updates of one chat are handled in arrival order (the dispatcher's per-participant lock is
first come, first served); different chats are handled concurrently. The offset is confirmed
only after an update was handled, and a redelivered `update_id` is dropped by the dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from telegram import Bot, Message, Update
from telegram.error import NetworkError, TimedOut

from bot.app import App, open_app
from bot.channels.pacing import SendPacer
from bot.channels.telegram import CHANNEL, TelegramSender, inbound_from_update, pacer_for
from bot.channels.telegram_http import bot_link, telegram_bot
from bot.config import Settings
from bot.participants.retention import run_retention
from bot.plumbing.clock import Clock, SystemClock
from i18n import negotiate, translator
from storage import PRIORITY_REPLY, NewOutbound, Outbound, ParticipantKey

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def handle_update(
    app: App, bot: Bot, update: Update, *, answer_callback: bool = True
) -> None:
    """Dispatch one update and acknowledge a button tap (acks are not counted as messages).

    The webhook passes `answer_callback=False` and acknowledges in its HTTP answer instead.
    """
    inbound = inbound_from_update(update, app.clock.now())
    if inbound is not None:
        await app.dispatcher.handle(inbound)
    elif update.message is not None and update.message.chat.type != "private":
        await _explain_private_only(app, bot, update.message)
    elif update.my_chat_member is not None and update.my_chat_member.chat.type == "private":
        # Telegram tells us when a person blocks the bot ("kicked") or comes back ("member").
        status = update.my_chat_member.new_chat_member.status
        key = ParticipantKey(CHANNEL, str(update.my_chat_member.chat.id))
        await app.store.set_reachable(key, reachable=status != "kicked")
    if answer_callback and update.callback_query is not None:
        with suppress(TimedOut, NetworkError):
            await bot.answer_callback_query(update.callback_query.id)


async def _explain_private_only(app: App, bot: Bot, message: Message) -> None:
    language = message.from_user.language_code if message.from_user else None
    tr = translator(negotiate(language, app.dispatcher.default_locale))
    text = tr.gettext(
        "I work in private chats only, so that everyone's answers stay their own. Write to "
        "me here: {link}"
    ).format(link=bot_link(bot))
    # Once per group: the dedupe key makes repeated messages in the group queue nothing.
    await app.store.enqueue(
        [
            NewOutbound(
                CHANNEL,
                str(message.chat.id),
                None,
                Outbound(text),
                PRIORITY_REPLY,
                dedupe_key=f"group:{message.chat.id}",
            )
        ]
    )
    app.sender.wake()


async def run_poll(
    settings: Settings,
    database_url: str,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 25,
    pacer: SendPacer | None = None,
) -> int:
    """Poll until `stop` is set (or forever); return the exit status."""
    stop = stop or asyncio.Event()
    app_clock = clock or SystemClock()
    async with telegram_bot(settings) as bot:
        sender = TelegramSender(bot, pacer or pacer_for(settings))
        async with open_app(
            database_url,
            {CHANNEL: sender},
            clock=app_clock,
            default_locale=settings.locale,
            flows_dir=settings.flows_dir,
            facilitators=settings.facilitator_keys(),
            outbox_batch=settings.outbox_batch,
            schedule=settings.schedule_policy(),
        ) as app:
            await _poll(app, bot, stop, poll_timeout, settings.retention_months)
    return 0


async def _poll(
    app: App, bot: Bot, stop: asyncio.Event, poll_timeout: int, retention_months: int | None
) -> None:
    await app.sender.recover()
    sending = asyncio.create_task(app.sender.run())
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

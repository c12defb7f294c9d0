"""Build the channel senders a sending process needs, from the settings.

`minga serve` sends in its own process or hands the outbox to `minga send` (the sender process);
both build their senders here, so the two ways of running send exactly alike.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack

from telegram import Bot

from bot.channels.base import ChannelSender
from bot.channels.pacing import SendPacer
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram import TelegramSender, pacer_for
from bot.channels.telegram_http import start_bot, telegram_bot
from bot.channels.whatsapp import CHANNEL as WHATSAPP
from bot.channels.whatsapp_client import media_host, whatsapp_sender
from bot.config import Settings
from bot.plumbing.clock import Clock
from storage import Participant, ParticipantKey, Store


async def open_telegram_bot(settings: Settings, stack: AsyncExitStack) -> Bot | None:
    """Start the Telegram client when a token is set (shut down with `stack`); else None."""
    if settings.telegram_token is None:
        return None
    bot = telegram_bot(settings)
    await start_bot(bot)
    stack.push_async_callback(bot.shutdown)
    return bot


def channel_senders(
    settings: Settings,
    bot: Bot | None,
    store: Callable[[], Store],
    clock: Clock,
    pacer: SendPacer | None = None,
) -> dict[str, ChannelSender]:
    """Return a sender for each configured channel; `store` is read at send time."""
    senders: dict[str, ChannelSender] = {}
    if bot is not None:
        senders[TELEGRAM] = TelegramSender(bot, pacer or pacer_for(settings))
    if settings.twilio_account_sid is not None:

        async def people(address: str) -> Participant | None:
            return await store().participant(ParticipantKey(WHATSAPP, address))

        host = media_host(settings, store, clock.now)
        senders[WHATSAPP] = whatsapp_sender(settings, people, clock.now, host)
    return senders

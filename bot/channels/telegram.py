"""The Telegram channel on python-telegram-bot: render messages, send them, read updates.

PTB is the transport only: its errors are mapped here to `SendOutcome`, and its updates to
channel-neutral `Inbound`s, so nothing above this module imports `telegram`.
"""

from __future__ import annotations

import os
import warnings
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning
from typing_extensions import override

from bot.channels.base import ChannelSender, SendOutcome
from bot.channels.pacing import SendPacer
from bot.channels.text import split_text
from bot.config import Settings
from bot.conversation.inbound import Inbound, InboundKind
from storage import PRIORITY_REPLY, Choice, Outbound

# Opt into PTB's future behaviour (RetryAfter.retry_after as a timedelta) instead of warnings;
# `_seconds` reads both.
os.environ.setdefault("PTB_TIMEDELTA", "1")
# Texts go through `do_api_request` on purpose (see TelegramSender._send_text); PTB's advice to
# use `send_message` instead is the one thing this module has already weighed.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.send_message'", category=PTBUserWarning
)

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ROW = 8
GROUP_RATE = 20 / 60  # Telegram: no more than 20 messages a minute to one group
BURST = 3  # a person may get a few messages in a row before the per-chat pace applies
# Longer labels are cut in the middle on a phone's full-width button; their short label shows.
MAX_BUTTON_LABEL = 24
_SHORT_LABEL = 14  # labels up to this long share a row; longer ones get a row of their own


class _Keyboard(InlineKeyboardMarkup):
    """An inline keyboard of text + callback-data buttons, serialized without reflection.

    PTB's generic `to_dict` walks every attribute of every button on each send (9 % of
    `minga serve`'s CPU at a room's pace); these buttons only ever have the two fields.
    """

    __slots__ = ()

    @override
    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """Return the Bot API form of the keyboard."""
        return {
            "inline_keyboard": [
                [{"text": b.text, "callback_data": b.callback_data} for b in row]
                for row in self.inline_keyboard
            ]
        }


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    """Lay choices out as inline buttons: a scale in one row, short labels grouped, long alone."""
    if not message.choices:
        return None
    buttons = [InlineKeyboardButton(_button_text(c), callback_data=c.id) for c in message.choices]
    if message.scale:
        return _Keyboard([buttons[:MAX_ROW]])
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        short = len(button.text) <= _SHORT_LABEL
        if (
            short
            and rows
            and len(rows[-1]) < 4
            and all(len(b.text) <= _SHORT_LABEL for b in rows[-1])
        ):
            rows[-1].append(button)
        else:
            rows.append([button])
    return _Keyboard(rows)


def _button_text(choice: Choice) -> str:
    """Return the label, or the short label when the label would not fit a phone's button."""
    if len(choice.label) <= MAX_BUTTON_LABEL or not choice.short:
        return choice.label
    return choice.short


def pacer_for(settings: Settings) -> SendPacer:
    """Build the pacer for the configured limits (MINGA_TELEGRAM_RATE, …_CHAT_RATE).

    Group chats (negative ids on Telegram) get at most 20 messages a minute.
    """
    chat_rate = settings.telegram_chat_rate

    def address_rate(address: str) -> float:
        return min(chat_rate, GROUP_RATE) if address.startswith("-") else chat_rate

    return SendPacer(
        per_second=settings.telegram_rate,
        per_address=chat_rate,
        burst=BURST,
        address_rate=address_rate,
    )


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender(ChannelSender):
    """Send outbox messages with a PTB `Bot`; one counted call per message where possible."""

    channel = CHANNEL

    def __init__(self, bot: Bot, pacer: SendPacer) -> None:
        self.bot = bot
        self.pacer = pacer

    @override
    async def send(
        self, address: str, message: Outbound, priority: int = PRIORITY_REPLY
    ) -> SendOutcome:
        try:
            message_id = await self._send(int(address), message, priority)
        except RetryAfter as exc:
            after = _seconds(exc.retry_after)
            self.pacer.pause(after)  # the limit is the bot's, not this chat's
            return SendOutcome.retry("telegram 429", after=after)
        except Forbidden as exc:
            return SendOutcome.unreachable(f"telegram 403: {exc.message}")
        except BadRequest as exc:
            return SendOutcome.failed(f"telegram 400: {exc.message}")
        except (TimedOut, NetworkError) as exc:
            return SendOutcome.retry(f"telegram network: {type(exc).__name__}")
        return SendOutcome.sent(str(message_id))

    async def _send(self, chat_id: int, message: Outbound, priority: int) -> int:
        """Send one message (split, or with its photo, when it must be); return its id."""
        markup = keyboard(message)
        text = message.text
        address = str(chat_id)
        if message.image_png is not None:
            caption = text if len(text) <= MAX_CAPTION else None
            async with self.pacer.slot(address, priority):
                photo = await self.bot.send_photo(
                    chat_id,
                    message.image_png,
                    caption=caption,
                    reply_markup=markup if caption is not None else None,
                )
            if caption is not None:
                return photo.message_id
        if message.document is not None:
            async with self.pacer.slot(address, priority):
                document = await self.bot.send_document(
                    chat_id,
                    message.document,
                    filename=message.document_name or "minga.bin",
                    caption=text[:MAX_CAPTION] or None,
                )
            return document.message_id
        pieces = split_text(text, MAX_TEXT)
        for piece in pieces[:-1]:
            async with self.pacer.slot(address, priority):
                await self._send_text(chat_id, piece, None)
        async with self.pacer.slot(address, priority):
            return await self._send_text(chat_id, pieces[-1], markup)

    async def _send_text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> int:
        """Call sendMessage and return the new message's id.

        Through `do_api_request` without a return type, the answer stays the Bot API's JSON:
        `send_message` would build a whole `Message` (its chat, user, entities) only for us to
        read its id, 6 % of `minga serve`'s CPU at a room's pace. Errors are raised the same way.
        """
        kwargs: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markup is not None:
            kwargs["reply_markup"] = markup
        result = await self.bot.do_api_request("send_message", api_kwargs=kwargs)
        return int(result["message_id"])


def inbound_from_update(update: Update, now: datetime) -> Inbound | None:
    """Turn an update into an `Inbound`, or None for what is not a participant's message."""
    external_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        user = query.from_user
        return Inbound(
            CHANNEL,
            str(user.id),
            "choice",
            now,
            choice=query.data,
            external_id=external_id,
            profile_name=user.first_name,
            language_hint=user.language_code,
        )
    message = update.message
    if message is None or message.chat.type != "private" or message.from_user is None:
        return None
    user = message.from_user
    kind: InboundKind = "text" if message.text is not None else "media"
    return Inbound(
        CHANNEL,
        str(message.chat.id),
        kind,
        now,
        text=message.text,
        external_id=external_id,
        profile_name=user.first_name,
        language_hint=user.language_code,
    )

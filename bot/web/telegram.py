"""Telegram updates into the app: the webhook route of `minga serve`, and what polling shares.

The webhook rejects a request without the right secret token before reading anything else,
handles the update through the same dispatcher as polling, and answers 200 quickly; a
redelivered update is dropped by the dispatcher's dedupe mark.
"""

from __future__ import annotations

import hmac
import json
import logging
from contextlib import suppress

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Message, Update
from telegram.error import NetworkError, TimedOut

from bot.app import App
from bot.channels.telegram import CHANNEL, inbound_from_update
from bot.channels.telegram_http import bot_link
from bot.channels.telegram_shape import drop_tapped_message, update_problem
from bot.config import Settings
from i18n import negotiate, translator
from storage import PRIORITY_REPLY, NewOutbound, Outbound, ParticipantKey

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)


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


def telegram_routes(settings: Settings) -> list[Route]:
    """Build the webhook route, bound to the secret token."""

    async def telegram_webhook(request: Request) -> Response:
        secret = settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        bot: Bot | None = request.app.state.bot
        if (
            bot is None
            or secret is None
            or not hmac.compare_digest(given.encode(), secret.get_secret_value().encode())
        ):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            return JSONResponse({"error": "not JSON"}, status_code=400)
        problem = update_problem(body)
        if problem is None:
            drop_tapped_message(body)
            try:
                update = Update.de_json(body, bot)
            except (ValueError, TypeError, KeyError, AttributeError):
                problem = "not an update"
        if problem is not None:
            log.warning("a Telegram webhook body was refused: %s", problem)
            return JSONResponse({"error": problem}, status_code=400)
        app: App = request.app.state.app
        await handle_update(app, bot, update, answer_callback=False)
        if update.callback_query is not None:
            # Telegram runs a method given in the webhook's answer: the tap is acknowledged
            # without a request of our own.
            return JSONResponse(
                {"method": "answerCallbackQuery", "callback_query_id": update.callback_query.id}
            )
        return JSONResponse({})

    return [Route("/telegram/webhook", telegram_webhook, methods=["POST"])]

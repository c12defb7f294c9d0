"""A Telegram bot as a developer would write it with python-telegram-bot's own tools:
`ConversationHandler` for the questions, `PicklePersistence` for the state, long polling.

    python bench/peers/telegram_bot.py --api http://127.0.0.1:9000/bot --state /tmp/peer.pickle

The same questions as Minga's onboarding and the bench's 20-statement assessment, with inline
buttons. No rate limiter (the fake's limits are off in the comparison). PicklePersistence
writes its file every `update_interval` seconds (60 by default): a crash loses what came since.
"""

from __future__ import annotations

import argparse
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

ITEMS = 20
LIKERT = ["Muy en desacuerdo", "En desacuerdo", "Ni de acuerdo ni en desacuerdo", "De acuerdo",
          "Muy de acuerdo"]  # fmt: skip
QUESTIONS: list[tuple[str, list[str] | None]] = [
    ("¿En qué idioma prefiere conversar?", ["Español", "Português", "English"]),
    ("Privacidad: guardamos sus respuestas para el taller. ¿Acepta?", ["Sí", "No"]),
    ("¿Cómo se llama?", None),
    ("¿En qué municipio trabaja?", None),
    ("¿En qué país?", None),
    ("¿Cuál es su rol?", ["Alcaldesa o alcalde", "Concejal", "Otro"]),
    ("¿Tiene un código de taller?", ["No tengo código", "Sí"]),
    ("¿Qué actividad quiere hacer?", ["Benchmark"]),
    *((f"Statement {n}", LIKERT) for n in range(1, ITEMS + 1)),
]
DONE = len(QUESTIONS)


async def ask(update: Update, step: int) -> int:
    text, options = QUESTIONS[step]
    markup = None
    if options is not None:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(o, callback_data=str(n))] for n, o in enumerate(options)]
        )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, reply_markup=markup)
    return step


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    context.user_data["answers"] = []
    return await ask(update, 0)


def answer_handlers(step: int) -> list[Any]:
    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        assert query is not None
        assert context.user_data is not None
        await query.answer()
        context.user_data.setdefault("answers", []).append(query.data)
        return await after(update, context, step)

    async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        assert context.user_data is not None
        if QUESTIONS[step][1] is not None:
            await update.message.reply_text("Use los botones, por favor.")
            return step
        context.user_data.setdefault("answers", []).append(update.message.text)
        return await after(update, context, step)

    return [
        CallbackQueryHandler(tapped),
        MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
    ]


async def after(update: Update, context: ContextTypes.DEFAULT_TYPE, step: int) -> int:
    if step + 1 < DONE:
        return await ask(update, step + 1)
    assert context.user_data is not None
    scores = [1 + int(a) for a in context.user_data["answers"][-ITEMS:]]
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(f"Sus resultados de Benchmark: {sum(scores) / len(scores):.1f} de 5")
    return ConversationHandler.END


def build(api: str, state: str) -> Application:
    application = (
        Application.builder()
        .token("1:peer")
        .base_url(api)
        .persistence(PicklePersistence(filepath=state))
        .build()
    )
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={step: answer_handlers(step) for step in range(DONE)},
        fallbacks=[CommandHandler("start", start)],
        name="onboarding",
        persistent=True,
        per_message=False,
    )
    application.add_handler(conversation)
    return application


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", required=True, help="the (fake) Bot API's base URL, …/bot")
    parser.add_argument("--state", required=True, help="the PicklePersistence file")
    args = parser.parse_args()
    build(args.api, args.state).run_polling(poll_interval=0.0, timeout=1)

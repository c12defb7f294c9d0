"""One-off Telegram setup: register the webhook, publish the command menu in every language."""

from __future__ import annotations

from telegram import BotCommand

from bot.channels.telegram_http import telegram_bot
from bot.cli.poll import ALLOWED_UPDATES
from bot.config import Settings
from bot.conversation.commands import local_command
from i18n import N_, SHIPPED_LOCALES, translator

COMMANDS = (
    ("menu", N_("See the activities")),
    ("resume", N_("Continue where you left off")),
    ("roadmap", N_("See your action plan")),
    ("progress", N_("Report how one of your actions is going")),
    ("language", N_("Change the language")),
    ("mydata", N_("See what we store about you")),
    ("delete", N_("Delete your data")),
    ("stop", N_("Stop workshop messages")),
    ("start", N_("Start again, or join a workshop with its code")),
    ("help", N_("All commands")),
)


async def set_commands(settings: Settings) -> list[str]:
    """Publish the command menu in each shipped language, the default one for everyone else.

    Each language gets its own command names (/idioma, /meusdados), the ones its texts mention;
    every name works for everyone. Returns the language codes that were set.
    """
    done = []
    async with telegram_bot(settings) as bot:
        for code in (*SHIPPED_LOCALES, None):
            locale = code or settings.locale
            tr = translator(locale)
            commands = [
                BotCommand(local_command(name, locale), tr.gettext(text)) for name, text in COMMANDS
            ]
            await bot.set_my_commands(commands, language_code=code)
            done.append(code or "default")
    return done


async def set_webhook(settings: Settings) -> str:
    """Point Telegram at MINGA_PUBLIC_URL/telegram/webhook, with the secret token."""
    settings.require("public_url", "telegram_webhook_secret")
    assert settings.public_url is not None
    assert settings.telegram_webhook_secret is not None
    url = settings.public_url.rstrip("/") + "/telegram/webhook"
    async with telegram_bot(settings) as bot:
        await bot.set_webhook(
            url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    return url

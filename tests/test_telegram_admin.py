"""`minga telegram set-commands` and `set-webhook`, against the fake Bot API."""

from __future__ import annotations

import json

import pytest

from bot.cli.telegram import set_commands, set_webhook
from bot.config import ConfigError, Settings
from bot.conversation.commands import parse_command
from tests.fakes.telegram_api import serve_fake


async def test_commands_are_published_in_every_language() -> None:
    async with serve_fake() as (fake, url):
        done = await set_commands(Settings(telegram_token="1:a", telegram_api_url=url))
    assert done == ["es", "pt", "en", "default"]
    by_language = {
        code: {c["command"]: c["description"] for c in cmds} for code, cmds in fake.commands.items()
    }
    assert by_language["es"]["hojaderuta"] == "Ver su plan de acción"
    assert by_language["pt"]["roteiro"] == "Ver seu plano de ação"
    assert by_language["en"]["roadmap"] == "See your action plan"
    assert by_language[""] == by_language["es"]  # the default locale for everyone else
    # Each language lists its own names, the ones its texts tell people to use.
    assert list(by_language["es"]) == [
        "menu", "seguir", "hojaderuta", "avance", "idioma", "misdatos", "borrar", "baja", "start",
        "ayuda",
    ]  # fmt: skip
    assert list(by_language["pt"]) == [
        "menu", "continuar", "roteiro", "andamento", "idioma", "meusdados", "apagar", "parar",
        "start", "ajuda",
    ]  # fmt: skip
    assert "language" in by_language["en"]
    # Every name registered is one the bot understands, as the English one.
    for commands in by_language.values():
        assert {parse_command(f"/{name}").name for name in commands} == {  # type: ignore[union-attr]
            "menu", "resume", "roadmap", "progress", "language", "mydata", "delete", "stop",
            "start", "help",
        }  # fmt: skip


async def test_webhook_is_registered_with_its_secret() -> None:
    async with serve_fake() as (fake, url):
        settings = Settings(
            telegram_token="1:a",
            telegram_api_url=url,
            public_url="https://minga.example.org/",
            telegram_webhook_secret="s3cret",
        )
        assert await set_webhook(settings) == "https://minga.example.org/telegram/webhook"
    assert fake.webhook["url"] == "https://minga.example.org/telegram/webhook"
    assert fake.webhook["secret_token"] == "s3cret"
    assert json.loads(fake.webhook["allowed_updates"]) == [
        "message",
        "callback_query",
        "my_chat_member",
    ]


async def test_webhook_needs_a_secret() -> None:
    with pytest.raises(ConfigError, match="MINGA_TELEGRAM_WEBHOOK_SECRET"):
        await set_webhook(Settings(telegram_token="1:a", public_url="https://x.org"))

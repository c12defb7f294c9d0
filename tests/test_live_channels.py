"""A question to the room of each kind, answered over Telegram and over WhatsApp (the console's
case is in test_console_flows.py), through the real clients and the fakes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from bot.app import App
from bot.channels.pacing import SendPacer
from bot.config import Settings
from bot.live.operations import new_prompt, open_prompt
from bot.live.screens import prompt_summary
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from storage import Changes, Cohort, Prompt
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi, serve_fake
from tests.test_whatsapp import WhatsApp, serve_whatsapp

SECRET = "s3cr3t"


async def _ask(app: App, kind: str, text: str, options: list[str] = (), **extra: Any) -> Prompt:  # type: ignore[assignment]
    """Open a prompt for the workshop's members and wake the scheduler that delivers it."""
    cohort = await app.store.cohort_by_code("SALA1")
    assert cohort is not None
    prompt = new_prompt(
        cohort.id,
        kind,
        {"es": text},
        [{"es": o} for o in options],
        app.clock.now(),
        **extra,  # type: ignore[arg-type]
    )
    changes = Changes()
    open_prompt(
        prompt, [p for p, _ in await app.store.audience(cohort.id)], app.clock.now(), changes
    )
    await app.store.commit(changes)
    app.scheduler.wake()
    return prompt


async def _tallies(app: App, prompt: Prompt) -> dict[str, Any]:
    found = await app.store.prompt(prompt.id)
    assert found is not None
    return await prompt_summary(app.store, found, "es")


@pytest.fixture
async def telegram(database_url: str) -> AsyncIterator[tuple[FakeTelegram, App, Callable[[], Any]]]:
    async with serve_fake() as (fake, api):
        settings = Settings(
            telegram_token="1:a", telegram_api_url=api, telegram_webhook_secret=SECRET
        )
        web = create_app(settings, database_url, pacer=SendPacer(1000, 1000, 10))
        async with serve_asgi(web, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
            app: App = web.state.app
            await app.store.create_cohort(
                Cohort(uuid.uuid4().hex, "SALA1", "Sala", "es", app.clock.now())
            )

            async def deliver() -> None:
                update = fake.take_update()
                response = await http.post(
                    "/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}
                )
                assert response.status_code == 200
                await fake.webhook_answered(response.json())

            yield fake, app, deliver


async def test_every_kind_over_telegram(
    telegram: tuple[FakeTelegram, App, Callable[[], Any]],
) -> None:
    fake, app, deliver = telegram
    chat = 4242

    async def exchange(push: Callable[[], Any]) -> dict[str, Any]:
        seen = len(fake.to(chat))
        push()
        await deliver()
        return await fake.reply(chat, seen)

    async def asked(prompt_text: str) -> dict[str, Any]:
        for _ in range(100):
            found = [m for m in fake.to(chat) if prompt_text in (m.get("text") or "")]
            if found:
                return found[-1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"{prompt_text!r} never arrived")

    def say(text: str) -> Callable[[], Any]:
        return lambda: fake.says(chat, text, "es")

    def tap(message: dict[str, Any], label: str) -> Callable[[], Any]:
        return lambda: fake.taps(chat, buttons(message)[label], "es")

    message = await exchange(say("/start SALA1"))
    message = await exchange(tap(message, "Español"))
    message = await exchange(tap(message, "Sí"))
    await exchange(say("Ana"))
    await exchange(say("Cusco"))
    message = await exchange(say("Perú"))
    await exchange(tap(message, "Otro"))

    choice = await _ask(app, "choice", "¿Qué le preocupa?", ["Presupuesto", "Personal"])
    reply = await exchange(tap(await asked("¿Qué le preocupa?"), "Personal"))
    assert "¡Gracias! Su respuesta quedó registrada." in reply["text"]
    assert (await _tallies(app, choice))["tallies"][1] == {"label": "Personal", "count": 1}

    scale = await _ask(app, "scale", "Del 1 al 10", scale_max=10)
    await exchange(tap(await asked("Del 1 al 10"), "7"))
    assert (await _tallies(app, scale))["tallies"][6] == {"label": "7", "count": 1}

    ranking = await _ask(app, "ranking", "Ordene", ["Salud", "Agua", "Vivienda"])
    second = await exchange(tap(await asked("Ordene"), "Vivienda"))
    await exchange(tap(second, "Salud"))
    assert [t["label"] for t in (await _tallies(app, ranking))["tallies"]] == [
        "Vivienda", "Salud", "Agua",
    ]  # fmt: skip

    words = await _ask(app, "open", "¿Una palabra?")
    await asked("¿Una palabra?")
    more = await exchange(say("Transparencia"))
    await exchange(tap(more, "No"))
    assert (await _tallies(app, words))["tallies"] == [{"label": "transparencia", "count": 1}]

    qa = await _ask(app, "qa", "Preguntas al panel")
    await asked("Preguntas al panel")
    await exchange(say("¿Cómo se financia?"))
    assert (await _tallies(app, qa))["tallies"] == [{"label": "¿Cómo se financia?", "count": 0}]


@pytest.fixture
async def wa(database_url: str) -> AsyncIterator[WhatsApp]:
    async with serve_whatsapp(database_url) as running:
        app: App = running.web.state.app
        await app.store.create_cohort(
            Cohort(uuid.uuid4().hex, "SALA1", "Sala", "es", app.clock.now())
        )
        yield running


async def test_every_kind_over_whatsapp(wa: WhatsApp) -> None:
    number = "+5491155550009"
    app: App = wa.web.state.app
    for text in ("JOIN SALA1", "1", "sí", "Ana", "Rosario", "Argentina", "3"):
        await wa.exchange(number, text)
    await wa.settled()

    async def asked(prompt_text: str) -> str:
        for _ in range(100):
            bodies = [m["Body"] for m in wa.fake.to(number) if prompt_text in m.get("Body", "")]
            if bodies:
                return bodies[-1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"{prompt_text!r} never arrived")

    choice = await _ask(app, "choice", "¿Qué le preocupa?", ["Presupuesto", "Personal"], multi=True)
    body = await asked("¿Qué le preocupa?")
    assert "1. Presupuesto" in body
    assert "2. Personal" in body
    assert "¡Gracias!" in await wa.exchange(number, "1, 2")
    assert [t["count"] for t in (await _tallies(app, choice))["tallies"]] == [1, 1]

    scale = await _ask(app, "scale", "Del 1 al 5")
    await asked("Del 1 al 5")
    await wa.exchange(number, "4")
    assert (await _tallies(app, scale))["tallies"][3] == {"label": "4", "count": 1}

    ranking = await _ask(app, "ranking", "Ordene", ["Salud", "Agua"])
    await asked("Ordene")
    await wa.exchange(number, "agua")
    assert [t["label"] for t in (await _tallies(app, ranking))["tallies"]] == ["Agua", "Salud"]

    words = await _ask(app, "open", "¿Una palabra?")
    await asked("¿Una palabra?")
    await wa.exchange(number, "Participación ciudadana")
    await wa.exchange(number, "no")
    assert [t["label"] for t in (await _tallies(app, words))["tallies"]] == [
        "ciudadana", "participación",
    ]  # fmt: skip

    qa = await _ask(app, "qa", "Preguntas al panel")
    await asked("Preguntas al panel")
    await wa.exchange(number, "saltar")
    assert (await _tallies(app, qa))["respondents"] == 0

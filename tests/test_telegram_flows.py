"""Onboarding and a whole assessment over Telegram, by polling and by webhook, in es and pt-br."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from bot.channels.pacing import SendPacer
from bot.cli.poll import run_poll
from bot.config import Settings
from bot.followup.checkins import plan_cohort
from bot.followup.send_window import SchedulePolicy
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from storage import Changes, Cohort, ParticipantKey, PlanAction
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi, serve_fake
from tests.support import FakeClock

SECRET = "s3cr3t"
Deliver = Callable[[], Awaitable[None]]
LANG = {
    "es": {
        "hint": "es",
        "yes": "Sí",
        "first": "Español",
        "role": "Otro",
        "code": "No tengo código",
        "flow": "Cambio de mentalidad",  # the short title: the whole one does not fit a button
        "agree": "De acuerdo",
        "result": "Sus resultados: Cambio de mentalidad",
    },
    "pt": {
        "hint": "pt-br",
        "yes": "Sim",
        "first": "Português",
        "role": "Outro",
        "code": "Não tenho código",
        "flow": "Mudar a mentalidade",
        "agree": "Concordo",
        "result": "Seus resultados: Mudança de mentalidade",
    },
}


def _fast() -> SendPacer:
    return SendPacer(per_second=1000, per_address=1000, burst=10)


@pytest.fixture(params=["polling", "webhook"])
async def telegram(
    request: pytest.FixtureRequest, database_url: str
) -> AsyncIterator[tuple[FakeTelegram, Deliver]]:
    db = database_url
    async with serve_fake() as (fake, api):
        # The script answers at machine speed, far over a person's burst limit (test_flood.py).
        settings = Settings(
            telegram_token="1:a",
            telegram_api_url=api,
            telegram_webhook_secret=SECRET,
            burst_messages=0,
        )
        if request.param == "polling":
            stop = asyncio.Event()
            task = asyncio.create_task(
                run_poll(settings, db, stop=stop, poll_timeout=1, pacer=_fast())
            )

            async def nothing() -> None:  # the poller fetches updates itself
                return None

            yield fake, nothing
            stop.set()
            await asyncio.wait_for(task, 15)
        else:
            app = create_app(settings, db, pacer=_fast())
            async with (
                serve_asgi(app, lifespan="on") as url,
                httpx.AsyncClient(base_url=url, timeout=10) as http,
            ):

                async def deliver() -> None:
                    update = fake.take_update()
                    response = await http.post(
                        "/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}
                    )
                    assert response.status_code == 200
                    await fake.webhook_answered(response.json())

                yield fake, deliver


@pytest.mark.parametrize("lang", ["es", "pt"])
async def test_onboarding_and_an_assessment(
    telegram: tuple[FakeTelegram, Deliver], lang: str
) -> None:
    fake, deliver = telegram
    words = LANG[lang]
    chat = 777

    async def exchange(push: Callable[[], Any]) -> dict[str, Any]:
        seen = len(fake.to(chat))
        push()
        await deliver()
        return await fake.reply(chat, seen)

    def say(text: str) -> Callable[[], Any]:
        return lambda: fake.says(chat, text, words["hint"])

    def tap(message: dict[str, Any], label: str) -> Callable[[], Any]:
        return lambda: fake.taps(chat, buttons(message)[label], words["hint"])

    message = await exchange(say("/start"))
    message = await exchange(tap(message, words["first"]))
    message = await exchange(tap(message, words["yes"]))
    await exchange(say("Ana"))
    await exchange(say("Cusco"))
    message = await exchange(say("Perú"))
    message = await exchange(tap(message, words["role"]))
    menu = await exchange(tap(message, words["code"]))
    message = await exchange(tap(menu, words["flow"]))
    for _ in range(12):
        assert len(buttons(message)) == 5  # the scale, as one row of buttons
        message = await exchange(tap(message, words["agree"]))
    seen = len(fake.to(chat))
    # The results come as a text and, on Telegram, a chart photo; wait for both.
    while not any(m["method"] == "sendPhoto" for m in fake.to(chat)[seen - 1 :]):
        await fake.reply(chat, len(fake.to(chat)))
    results = "\n".join(m.get("text") or m.get("caption", "") for m in fake.to(chat)[-4:])
    assert words["result"] in results
    # Every tap was acknowledged (by the API when polling, in the webhook's answer otherwise).
    assert len(fake.answered) == 5 + 12  # language, consent, role, code, menu; 12 statements


async def test_a_checkin_over_telegram_updates_the_roadmap(database_url: str) -> None:
    clock = FakeClock()
    async with serve_fake() as (fake, api):
        settings = Settings(
            telegram_token="1:a", telegram_api_url=api, telegram_webhook_secret=SECRET
        )
        web = create_app(settings, database_url, clock=clock, pacer=_fast())
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            app = web.state.app
            chat = 4242
            cohort = Cohort("c1", "ODS2026", "Taller", "es", clock.now(), ends=date(2026, 3, 6))
            await app.store.create_cohort(cohort)

            async def exchange(push: Callable[[], Any]) -> dict[str, Any]:
                seen = len(fake.to(chat))
                push()
                update = fake.take_update()
                response = await http.post(
                    "/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}
                )
                assert response.status_code == 200
                await fake.webhook_answered(response.json())
                return await fake.reply(chat, seen)

            def say(text: str) -> Callable[[], Any]:
                return lambda: fake.says(chat, text, "es")

            def tap(message: dict[str, Any], label: str) -> Callable[[], Any]:
                return lambda: fake.taps(chat, buttons(message)[label], "es")

            message = await exchange(say("/start ODS2026"))  # the deep link's payload
            message = await exchange(tap(message, "Español"))
            await exchange(tap(message, "Sí"))
            await exchange(say("Ana"))
            await exchange(say("Cusco"))
            message = await exchange(say("Perú"))
            await exchange(tap(message, "Otro"))
            person = await app.store.participant(ParticipantKey("telegram", str(chat)))
            assert person is not None
            now = clock.now()
            action = PlanAction("a1", person.id, "r", 0, "Mesa de partes digital", 16,
                                "Secretaría", "Paso", "2026-01", "Ind", now, now)  # fmt: skip
            async with app.store.conversation(person.key, None) as session:
                await session.commit(Changes(actions=[action]))
            policy = SchedulePolicy()
            days = replace(cohort, checkin_days=(14,))
            await plan_cohort(app.store, days, policy)
            seen = len(fake.to(chat))
            clock.current = datetime(2026, 3, 20, 15, 5, tzinfo=UTC)  # 10:05 in Lima
            assert await app.scheduler.checkins_once() == 1
            app.sender.wake()
            message = await fake.reply(chat, seen)
            assert "Acción 1 de 1: “Mesa de partes digital”" in message["text"]
            assert len(buttons(message)) == 6
            message = await exchange(tap(message, "Bloqueada"))
            assert "¿Qué lo está bloqueando?" in message["text"]
            # Its target (January 2026) has passed: a new month is asked.
            message = await exchange(say("Falta la firma del alcalde"))
            assert "Estaba prevista para enero de 2026" in message["text"]
            message = await exchange(say("agosto 2026"))
            summary = await exchange(tap(message, "No"))
            assert "Estado: Bloqueada" in summary["text"]
            assert "Plazo: agosto de 2026" in summary["text"]
            roadmap = await exchange(say("/roadmap"))
            assert "Estado: Bloqueada" in roadmap["text"]
            (update,) = await app.store.action_updates(participant_id=person.id)
            assert (update.status, update.note, update.target_month) == (
                "blocked",
                "Falta la firma del alcalde",
                "2026-08",
            )


async def test_session_four_and_the_learn_step_over_telegram(
    telegram: tuple[FakeTelegram, Deliver],
) -> None:
    fake, deliver = telegram
    chat = 888

    async def exchange(push: Callable[[], Any]) -> dict[str, Any]:
        seen = len(fake.to(chat))
        push()
        await deliver()
        return await fake.reply(chat, seen)

    def say(text: str) -> Callable[[], Any]:
        return lambda: fake.says(chat, text, "es")

    def tap(message: dict[str, Any], label: str) -> Callable[[], Any]:
        return lambda: fake.taps(chat, buttons(message)[label], "es")

    message = await exchange(say("/start"))
    message = await exchange(tap(message, "Español"))
    message = await exchange(tap(message, "Sí"))
    await exchange(say("Ana"))
    await exchange(say("Toluca"))
    message = await exchange(say("México"))
    message = await exchange(tap(message, "Otro"))
    menu = await exchange(tap(message, "No tengo código"))
    table = await exchange(tap(menu, "Prioridades de servicios"))
    assert "Sesión 4" in table["text"]
    photo = await exchange(lambda: fake.says(chat, None, "es", photo=True))
    assert "número de mesa" in photo["text"]  # a photo gets the question again
    ranking = await exchange(tap(table, "Omitir"))
    assert "Ordene las tres áreas" in ranking["text"]
    assert "Envíe los números de sus 3 opciones principales en orden" in ranking["text"]
    stale = await exchange(tap(menu, "Mi plan de acción"))  # a button of the menu, before
    assert "Ese botón es de una pregunta anterior" in stale["text"]
    assert "Ordene las tres áreas" in stale["text"]
    reason = await exchange(say("2, 3, 1"))
    assert "¿Por qué esa área va en primer lugar" in reason["text"]
    approach = await exchange(say("Sin habilidades digitales no hay servicio en línea"))
    done = await exchange(tap(approach, "Omitir"))
    assert "Sus prioridades quedaron registradas" in done["text"]
    topics = await exchange(tap(done, "¿Qué significa?"))
    dimensions = await exchange(tap(topics, "Principios de gobernanza eficaz"))
    assert "Más opciones ▸" in buttons(dimensions)
    explained = await exchange(tap(dimensions, "Transparencia"))
    assert "lenguaje claro" in explained["text"]
    assert set(buttons(explained)) == {
        "Otra de esta lista",
        "Otra autoevaluación",
        "Volver al menú",
    }
    menu = await exchange(tap(explained, "Volver al menú"))
    assert "Mi plan de acción" in buttons(menu)

"""Broadcasts to a mixed Telegram + WhatsApp workshop, from a facilitator on Telegram (through
the webhook) and one on the console (`minga chat --facilitator`, another process on the same
database): each member gets each broadcast exactly once; who opted out gets none."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from bot.config import Settings
from bot.conversation.inbound import Inbound
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from storage import Cohort
from tests.fakes.telegram_api import buttons, serve_asgi, serve_fake
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, serve_twilio

SECRET = "s3cret"
FACILITATOR = 9001
TELEGRAM_MEMBERS = [9002, 9003]  # 9003 will opt out
WHATSAPP_MEMBERS = ["+5491100000001", "+5491100000002"]
CHAT = [sys.executable, "-m", "bot", "chat", "--facilitator", "--as", "lucia"]
FIRST, SECOND = "Primer aviso: empezamos 9:00.", "Segundo aviso: almuerzo 13:00."


async def _join(app: object, channel: str, address: str, name: str) -> None:
    dispatcher = app.dispatcher  # type: ignore[attr-defined]
    clock = app.clock  # type: ignore[attr-defined]
    for text in ("/start ODS2026", "1", "sí", name, "Cusco", "Perú", "3"):
        await dispatcher.handle(Inbound(channel, address, "text", clock.now(), text=text))


async def _settled(app: object) -> None:
    """Wait until every queued message has gone out (console rows belong to the console)."""
    store = app.store  # type: ignore[attr-defined]
    for _ in range(200):
        counts = await store.outbox_counts()
        if not counts.get("sending") and counts.get("pending", 0) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox did not settle: {await store.outbox_counts()}")


async def test_two_facilitators_broadcast_to_telegram_and_whatsapp(
    tmp_path: Path, database_url: str
) -> None:
    db = database_url
    async with serve_fake() as (telegram, tg_api), serve_twilio() as (twilio, tw_api):
        settings = Settings(
            telegram_token="1:a",
            telegram_api_url=tg_api,
            telegram_webhook_secret=SECRET,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            whatsapp_from="whatsapp:+14155238886",
            twilio_api_url=tw_api,
            public_url="https://minga.example.org",
            facilitators=f"telegram:{FACILITATOR}",
        )
        web = create_app(settings, db)
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=20) as http,
        ):
            app = web.state.app
            await app.store.create_cohort(
                Cohort(uuid.uuid4().hex, "ODS2026", "Taller ODS", "es", app.clock.now())
            )
            for chat in [FACILITATOR, *TELEGRAM_MEMBERS]:
                await _join(app, "telegram", str(chat), f"Persona {chat}")
            for number in WHATSAPP_MEMBERS:
                await _join(app, "whatsapp", number, "Persona WA")
            stop = Inbound("telegram", "9003", "text", app.clock.now(), text="/stop")
            await app.dispatcher.handle(stop)
            await _settled(app)

            async def webhook() -> None:
                response = await http.post(
                    "/telegram/webhook",
                    json=telegram.take_update(),
                    headers={SECRET_HEADER: SECRET},
                )
                assert response.status_code == 200

            async def facilitator_says(text: str) -> dict[str, object]:
                seen = len(telegram.to(FACILITATOR))
                telegram.says(FACILITATOR, text)
                await webhook()
                reply = await telegram.reply(FACILITATOR, seen)
                await _settled(app)
                return reply

            asked = await facilitator_says("/broadcast ODS2026")
            assert "para 5 participantes" in str(asked["text"])
            confirm = await facilitator_says(FIRST)
            seen = len(telegram.to(FACILITATOR))
            telegram.taps(FACILITATOR, buttons(confirm)["Sí, enviar"])
            await webhook()
            await telegram.reply(FACILITATOR, seen)

            # The console facilitator, another process on the same database.
            script = "1\nsí\nLucía\nCusco\nPerú\n2\nODS2026\n/broadcast ODS2026\n"
            script += f"{SECOND}\nsí\n"
            console = await asyncio.to_thread(
                subprocess.run,
                [*CHAT, "--db", str(db)],
                input=script,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert console.returncode == 0, console.stderr
            assert "En cola para 5 participantes" in console.stdout  # 4 + the Telegram host

            def received(texts: list[str], wanted: str) -> int:
                return sum(1 for t in texts if t == wanted)

            def inbox() -> dict[str, list[str]]:
                boxes = {
                    str(chat): [str(m.get("text", "")) for m in telegram.to(chat)]
                    for chat in [FACILITATOR, *TELEGRAM_MEMBERS]
                }
                boxes |= {n: [m.get("Body", "") for m in twilio.to(n)] for n in WHATSAPP_MEMBERS}
                return boxes

            for _ in range(100):  # the serve process drains what the console queued
                if all(received(t, SECOND) for a, t in inbox().items() if a != "9003"):
                    break
                await asyncio.sleep(0.1)
            await _settled(app)  # a copy sent twice would have gone out by now
            for address, texts in inbox().items():
                expected = 0 if address == "9003" else 1
                assert received(texts, FIRST) == expected, (address, texts)
                assert received(texts, SECOND) == expected, (address, texts)

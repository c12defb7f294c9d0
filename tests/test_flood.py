"""One person flooding the bot: after 20 messages in 10 s, one "please slow down", then silence.

Through the Telegram webhook, PTB and the fake Bot API: 200 messages from one chat in about a
second, while another person talks normally.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.channels.pacing import SendPacer
from bot.config import Settings
from bot.web.app import create_app
from bot.web.telegram import SECRET_HEADER
from i18n import translator
from storage import ParticipantKey
from tests.fakes.telegram_api import FakeTelegram, serve_asgi, serve_fake
from tests.support import FakeClock

SECRET = "s3cr3t"
FLOODER, CALM = 501, 502
SLOW_DOWN = translator("es").gettext(
    "You are writing faster than I can answer. Please wait a few seconds and go on: "
    "everything you answered so far is saved."
)


class Room:
    """The web app on a database, its clock, and a way to post one update to its webhook."""

    def __init__(self, fake: FakeTelegram, http: httpx.AsyncClient, clock: FakeClock) -> None:
        self.fake, self.http, self.clock = fake, http, clock
        self.statuses: list[int] = []

    async def says(self, chat: int, text: str) -> None:
        self.fake.says(chat, text, "es")
        response = await self.http.post(
            "/telegram/webhook", json=self.fake.take_update(), headers={SECRET_HEADER: SECRET}
        )
        self.statuses.append(response.status_code)

    def texts(self, chat: int) -> list[str]:
        return [m.get("text", "") for m in self.fake.to(chat)]

    async def settled(self, web: object) -> None:
        store = web.state.app.store  # type: ignore[attr-defined]
        for _ in range(200):
            counts = await store.outbox_counts()
            if not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the outbox never settled: {counts}")


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[tuple[Room, object]]:
    clock = FakeClock()
    async with serve_fake() as (fake, api):
        settings = Settings(
            telegram_token="1:a", telegram_api_url=api, telegram_webhook_secret=SECRET
        )
        fast = SendPacer(per_second=1000, per_address=1000, burst=100)
        web = create_app(settings, f"sqlite:///{tmp_path}/m.db", clock=clock, pacer=fast)
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            yield Room(fake, http, clock), web


async def test_a_flood_is_cut_after_twenty_with_one_notice(room: tuple[Room, object]) -> None:
    r, web = room
    for n in range(200):
        await r.says(FLOODER, "/help" if n % 2 else "hola")
        if n % 20 == 0:
            await r.says(CALM, "/help")
    await r.settled(web)
    assert set(r.statuses) == {200}
    flooded = r.texts(FLOODER)
    assert flooded.count(SLOW_DOWN) == 1
    assert flooded[-1] == SLOW_DOWN  # nothing was answered after it
    # The first 20 were answered (each /help and each "hola" gets at least one message).
    assert 20 <= len(flooded) - 1 <= 40
    calm = r.texts(CALM)
    assert len(calm) >= 10
    assert SLOW_DOWN not in calm
    store = web.state.app.store  # type: ignore[attr-defined]
    person = await store.participant(ParticipantKey("telegram", str(FLOODER)))
    assert person is not None
    assert person.burst_count == 200

    # Ten seconds later they are heard again.
    r.clock.advance(seconds=10)
    before = len(r.texts(FLOODER))
    await r.says(FLOODER, "/help")
    await r.settled(web)
    after = r.texts(FLOODER)[before:]
    assert after
    assert SLOW_DOWN not in after

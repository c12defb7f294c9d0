"""Kill `minga serve` (SIGKILL) in the middle of a 2,000-recipient broadcast and restart it:
every recipient gets the broadcast exactly once in total."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from bot.app import open_app
from bot.conversation.inbound import Inbound
from storage import ParticipantKey
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import read, seed_members, serve_process

pytestmark = pytest.mark.slow

RECIPIENTS = 2000
FACILITATOR = "1"
TEXT = "Recordatorio: mañana a las 9:00 en el salón 2."


async def _queue_broadcast(url: str) -> None:
    """A facilitator writes and confirms the broadcast (through the real dispatcher)."""
    keys = frozenset({ParticipantKey("telegram", FACILITATOR)})
    async with open_app(url, {}, facilitators=keys) as app:
        for text in ("/broadcast BIG", TEXT, "sí"):
            now = app.clock.now()
            await app.dispatcher.handle(Inbound("telegram", FACILITATOR, "text", now, text=text))


async def _statuses(url: str) -> Counter[str]:
    sql = "SELECT status FROM outbox WHERE dedupe_key LIKE 'broadcast:%'"
    return Counter(str(status) for (status,) in await read(url, sql))


async def test_a_kill_mid_broadcast_sends_each_recipient_exactly_once(database_url: str) -> None:
    url, db = database_url, Path("unused.db")
    async with open_app(url, {}):
        pass  # migrate
    await seed_members(url, "BIG", RECIPIENTS, first=100_000)
    await _queue_broadcast(url)
    assert await _statuses(url) == {"pending": RECIPIENTS}
    fake = FakeTelegram()
    port = 17000 + os.getpid() % 1000
    async with serve_asgi(fake.app) as api:
        first = serve_process(
            db,
            f"{api}/bot",
            port,
            failpoint=f"after_claim:{RECIPIENTS // 2}",
            outbox_batch="1",
            database_url=url,
        )
        code = await asyncio.to_thread(first.wait, 120)
        assert code == -signal.SIGKILL
        delivered_before = len(fake.sent)
        assert 0 < delivered_before < RECIPIENTS  # killed in the middle
        second = serve_process(
            db, f"{api}/bot", port, failpoint=None, outbox_batch="1", database_url=url
        )
        try:
            for _ in range(600):
                if await _statuses(url) == {"sent": RECIPIENTS}:
                    break
                await asyncio.sleep(0.1)
        finally:
            second.terminate()
            await asyncio.to_thread(second.wait, 30)
    per_chat = Counter(int(m["chat_id"]) for m in fake.sent if m.get("text") == TEXT)
    assert len(per_chat) == RECIPIENTS
    assert set(per_chat.values()) == {1}, [c for c, n in per_chat.items() if n > 1][:5]

"""A chat with minutes of backlog: its claims never outlive their lease, so nothing goes twice.

The outbox lease is 120 s. A chat paced at one message a second with 200 rows queued takes
200 s to drain; a claim of all 200 at once expired while the first sender was still on them
and a second claim sent them again. Time here runs 40 times faster than the wall clock, so
the test sees the lease expire in three seconds, through PTB and the fake Bot API.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from telegram import Bot

from bot.channels.pacing import SendPacer
from bot.channels.telegram import TelegramSender
from bot.sending.outbox import OutboxSender
from storage import Changes, NewOutbound, Outbound, Participant, Store, open_store
from tests.fakes.telegram_api import serve_fake

SPEED = 40  # simulated seconds per real second


class FastClock:
    """A clock running SPEED times faster than the wall clock."""

    def __init__(self) -> None:
        self.start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
        self.began = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.began) * SPEED)


async def _queue(store: Store, clock: FastClock, chat: str, texts: list[str]) -> None:
    person = Participant(f"id-{chat}", "telegram", chat, "es", clock.now())
    changes = Changes(
        participant=person,
        outbox=[NewOutbound("telegram", chat, person.id, Outbound(text)) for text in texts],
    )
    async with store.conversation(person.key, None) as session:
        await session.commit(changes)


async def _settled(store: Store, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        counts = await store.outbox_counts()
        if not counts.get("pending") and not counts.get("sending"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox never settled: {await store.outbox_counts()}")


async def test_a_200_message_backlog_goes_out_once_and_others_are_not_held_up(
    database_url: str,
) -> None:
    clock = FastClock()
    store = await open_store(database_url, clock.now)
    backlog = [f"respuesta {n}" for n in range(200)]
    try:
        async with serve_fake() as (fake, url), Bot("1:a", base_url=url) as bot:
            # 40 a second for one chat: 200 rows take five real seconds, 200 simulated ones.
            pacer = SendPacer(per_second=1000, per_address=SPEED, burst=1)
            outbox = OutboxSender(store, {"telegram": TelegramSender(bot, pacer)}, clock)
            await _queue(store, clock, "1", backlog)
            running = asyncio.create_task(outbox.run())
            await asyncio.sleep(0.5)
            await _queue(store, clock, "2", ["hola"])
            outbox.wake()
            asked = time.monotonic()
            other = await fake.reply(2, after=0, within=5)
            waited = time.monotonic() - asked
            await _settled(store)
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        sent = Counter(m["text"] for m in fake.to(1))
    finally:
        await store.close()
    assert other["text"] == "hola"
    assert waited < 1.0  # another person's reply does not queue behind the backlog
    assert [text for text, n in sent.items() if n > 1] == []
    assert sorted(sent) == sorted(backlog)
    assert [m["text"] for m in fake.to(1)] == backlog  # and in order

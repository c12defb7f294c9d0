"""Two `minga serve` workers on one PostgreSQL behind one fake Telegram (limits enforced).

Each participant's messages alternate between the workers; a broadcast goes to all of them; and
the worker that sends is killed in the middle of a broadcast, so the other must take over.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import open_app
from storage import open_store
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import FakeClock, seed_members, serve_process

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SECRET = "s"
FACILITATOR = 1
FIRST = 10_000
BROADCAST = "Mañana empezamos a las 9:00 en el salón 2."
STEPS = [  # what each participant says, and what the bot's reply must contain
    ("Mi plan de acción", "¿Cuál es la acción?"),
    ("Acción de {n}", "¿A qué Objetivo de Desarrollo Sostenible"),
    ("ods 16", "¿Qué oficina o área es responsable?"),
]


async def _start(url: str, api: str, port: int, **settings: str) -> subprocess.Popen[bytes]:
    worker = serve_process(
        Path("unused.db"),
        f"{api}/bot",
        port,
        failpoint=None,
        database_url=url,
        telegram_webhook_secret=SECRET,
        facilitators=f"telegram:{FACILITATOR}",
        **settings,
    )
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return worker
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    worker.kill()
    raise AssertionError("minga serve did not start")


async def _stop(*workers: subprocess.Popen[bytes]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        await asyncio.to_thread(worker.wait, 30)


async def _settled(url: str) -> None:
    """Wait until both workers have sent (and recorded) every queued row."""
    store = await open_store(url, FakeClock().now, migrate=False)
    try:
        for _ in range(600):
            counts = await store.outbox_counts()
            if not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the outbox did not settle: {counts}")
    finally:
        await store.close()


class Room:
    """Delivers each update to one of the workers' webhooks, as a load balancer would."""

    def __init__(self, fake: FakeTelegram, http: httpx.AsyncClient, ports: list[int]) -> None:
        self.fake, self.http, self.ports = fake, http, ports

    async def say(self, chat: int, text: str, worker: int) -> dict[str, Any]:
        seen = len(self.fake.to(chat))
        self.fake.says(chat, text, "es")
        update = self.fake.take_update()
        url = f"http://127.0.0.1:{self.ports[worker % len(self.ports)]}/telegram/webhook"
        response = await self.http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status_code == 200
        return await self.fake.reply(chat, seen, within=60)

    async def broadcast(self, worker: int) -> None:
        for text in ("/broadcast DOS", BROADCAST, "sí"):
            await self.say(FACILITATOR, text, worker)

    def delivered(self) -> Counter[int]:
        return Counter(int(m["chat_id"]) for m in self.fake.sent if m.get("text") == BROADCAST)


async def test_two_workers_share_the_work_and_the_limits(postgres_url: str) -> None:
    people = 200
    await seed_members(postgres_url, "DOS", people, first=FIRST)
    fake = FakeTelegram()
    fake.limits = True  # 30 a second, 3 a second per chat: the 429s we must never cause
    base = 19000 + os.getpid() % 400
    async with serve_asgi(fake.app) as api, httpx.AsyncClient(timeout=60) as http:
        workers = [await _start(postgres_url, api, base + n, telegram_rate="30") for n in range(2)]
        room = Room(fake, http, [base, base + 1])
        try:

            async def converse(n: int) -> None:
                chat = FIRST + n
                for step, (said, expected) in enumerate(STEPS):
                    # Each message goes to the other worker than the last one.
                    reply = await room.say(chat, said.format(n=n), worker=n + step)
                    assert expected in reply["text"], (chat, step, reply["text"])

            await asyncio.gather(*(converse(n) for n in range(people)))
            await room.broadcast(worker=1)
            for _ in range(600):
                if len(room.delivered()) == people:
                    break
                await asyncio.sleep(0.1)
            await _settled(postgres_url)  # anything sent twice would have gone out by now
        finally:
            await _stop(*workers)
    assert fake.rejected == 0  # one worker sends at a time: the limits held across both
    delivered = room.delivered()
    assert len(delivered) == people
    assert set(delivered.values()) == {1}
    for n in range(people):  # replies in order, one per message
        texts = [m.get("text", "") for m in fake.to(FIRST + n) if m.get("text") != BROADCAST]
        assert len(texts) == len(STEPS)
        assert all(expected in text for (_, expected), text in zip(STEPS, texts, strict=True))
    counts: Counter[tuple[str, str]] = Counter()
    async with open_app(postgres_url, {}) as app:
        cohort = await app.store.cohort_by_code("DOS")
        assert cohort is not None
        for person in await app.store.cohort_members(cohort.id):
            counts.update((a.participant_id, a.step_id) for a in await app.store.answers(person.id))
    assert len(counts) == people * 2  # the title and the goal of each person's first action
    assert set(counts.values()) == {1}  # every answer stored once


async def test_killing_the_sending_worker_hands_the_broadcast_to_the_other(
    postgres_url: str,
) -> None:
    people = 120
    await seed_members(postgres_url, "DOS", people, first=FIRST)
    fake = FakeTelegram()
    base = 19400 + os.getpid() % 400
    async with serve_asgi(fake.app) as api, httpx.AsyncClient(timeout=60) as http:
        # One row in flight at a time, so the kill can cost at most one repeated message. The
        # first worker holds the sending lease: it takes it at start-up, before /healthz answers.
        first = await _start(postgres_url, api, base, outbox_batch="1", telegram_rate="20")
        second = await _start(postgres_url, api, base + 1, outbox_batch="1", telegram_rate="20")
        room = Room(fake, http, [base, base + 1])
        try:
            await room.broadcast(worker=1)  # confirmed on the second; the first one sends
            while len(room.delivered()) < 30:  # noqa: ASYNC110 - the fake has no event for it
                await asyncio.sleep(0.05)
            first.send_signal(signal.SIGKILL)
            assert await asyncio.to_thread(first.wait, 30) == -signal.SIGKILL
            killed_at = len(room.delivered())
            assert killed_at < people
            for _ in range(600):
                if len(room.delivered()) == people:
                    break
                await asyncio.sleep(0.1)
            # The survivor still answers people.
            reply = await room.say(FIRST, "Mi plan de acción", worker=1)
            assert "¿Cuál es la acción?" in reply["text"]
        finally:
            await _stop(first, second)
    delivered = room.delivered()
    assert len(delivered) == people  # nothing lost
    assert sum(delivered.values()) - people <= 1  # at most the one in flight at the kill

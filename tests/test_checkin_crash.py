"""Kill `minga serve` (SIGKILL) in the middle of a batch of due check-ins and restart it: each
participant gets their check-in exactly once, and nobody is skipped."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import open_app
from bot.followup.checkins import plan_cohort
from bot.followup.send_window import SchedulePolicy, parse_window
from storage import Cohort
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import read, seed_members, serve_process

pytestmark = pytest.mark.slow

PEOPLE = 150  # three claim batches of 50; the kill falls in the second
INTRO = "Es momento de un breve seguimiento"
ALWAYS = SchedulePolicy(parse_window("0-24", "mon-sun"), ZoneInfo("America/Bogota"))
# Whatever time the test runs at; a claim left by the dead process is free again after 2 s.
SETTINGS = {"send_hours": "0-24", "send_days": "mon-sun", "scheduler_lease_seconds": "2"}


async def _plan(url: str) -> None:
    async with open_app(url, {}) as app:
        found = await app.store.cohort_by_code("DUE")
        assert found is not None
        # Ended 15 days ago with a check-in at day 14: due since yesterday, within the 3 days.
        ends = (datetime.now(UTC) - timedelta(days=15)).date()
        cohort: Cohort = replace(found, ends=ends, checkin_days=(14,))
        assert await plan_cohort(app.store, cohort, ALWAYS) == PEOPLE


async def _checkins(url: str) -> Counter[str]:
    return Counter(str(s) for (s,) in await read(url, "SELECT status FROM checkins"))


async def _runs_per_person(url: str) -> Counter[int]:
    sql = "SELECT COUNT(*) FROM runs WHERE flow_id = 'checkin' GROUP BY participant_id"
    return Counter(int(n) for (n,) in await read(url, sql))


async def test_a_kill_mid_batch_starts_each_checkin_exactly_once(database_url: str) -> None:
    url = database_url
    async with open_app(url, {}):
        pass  # migrate
    await seed_members(url, "DUE", PEOPLE)
    await _plan(url)
    port = 18000 + os.getpid() % 1000
    unused = Path("unused.db")
    # Telegram is unreachable for the first process, so no send is on its way when it dies:
    # what is tested here is the scheduler (the outbox's own crash test covers sending).
    first = serve_process(
        unused, "http://127.0.0.1:9/bot", port, "after_commit:70", database_url=url, **SETTINGS
    )
    assert await asyncio.to_thread(first.wait, 120) == -signal.SIGKILL
    # Killed part-way: the batch's starts are committed together, so a few past the 70th may be.
    before = await _checkins(url)
    assert 70 <= before["sent"] < PEOPLE
    assert before["sent"] + before["planned"] == PEOPLE
    assert await _runs_per_person(url) == {1: before["sent"]}
    fake = FakeTelegram()
    async with serve_asgi(fake.app) as api:
        second = serve_process(unused, f"{api}/bot", port, None, database_url=url, **SETTINGS)
        try:
            for _ in range(600):
                delivered = Counter(m["chat_id"] for m in fake.sent if INTRO in m.get("text", ""))
                if len(delivered) == PEOPLE and await _checkins(url) == {"sent": PEOPLE}:
                    break
                await asyncio.sleep(0.1)
        finally:
            second.terminate()
            await asyncio.to_thread(second.wait, 30)
    assert await _checkins(url) == {"sent": PEOPLE}
    assert await _runs_per_person(url) == {1: PEOPLE}
    assert len(delivered) == PEOPLE
    assert set(delivered.values()) == {1}

"""Kill `minga serve` (SIGKILL) in the middle of a batch of due check-ins and restart it: each
participant gets their check-in exactly once, and nobody is skipped."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import open_app
from bot.checkins import plan_cohort
from bot.send_window import parse_window
from storage import Cohort
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import seed_cohort, serve_process

pytestmark = pytest.mark.slow

PEOPLE = 150  # three claim batches of 50; the kill falls in the second
INTRO = "Es momento de un breve seguimiento"
ALWAYS = parse_window("0-24", "mon-sun")
# Whatever time the test runs at; a claim left by the dead process is free again after 2 s.
SETTINGS = {"send_hours": "0-24", "send_days": "mon-sun", "scheduler_lease_seconds": "2"}
ALWAYS_ZONE = ZoneInfo("America/Bogota")


async def _plan(db: Path) -> None:
    async with open_app(f"sqlite:///{db}", {}) as app:
        found = await app.store.cohort_by_code("DUE")
        assert found is not None
        # Ended 15 days ago with a check-in at day 14: due since yesterday, within the 3 days.
        ends = (datetime.now(UTC) - timedelta(days=15)).date()
        cohort: Cohort = replace(found, ends=ends, checkin_days=(14,))
        assert await plan_cohort(app.store, cohort, ALWAYS, ALWAYS_ZONE) == PEOPLE


def _checkins(db: Path) -> Counter[str]:
    with sqlite3.connect(db) as conn:
        return Counter(s for (s,) in conn.execute("SELECT status FROM checkins"))


def _runs_per_person(db: Path) -> Counter[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT COUNT(*) FROM runs WHERE flow_id = 'checkin' GROUP BY participant_id"
        ).fetchall()
    return Counter(n for (n,) in rows)


async def test_a_kill_mid_batch_starts_each_checkin_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "due.db"
    async with open_app(f"sqlite:///{db}", {}):
        pass  # migrate
    seed_cohort(db, "DUE", PEOPLE)
    await _plan(db)
    port = 18000 + os.getpid() % 1000
    # Telegram is unreachable for the first process, so no send is on its way when it dies:
    # what is tested here is the scheduler (the outbox's own crash test covers sending).
    first = serve_process(
        db, "http://127.0.0.1:9/bot", port, failpoint="after_commit:70", **SETTINGS
    )
    assert await asyncio.to_thread(first.wait, 120) == -signal.SIGKILL
    # Killed part-way: the batch's starts are committed together, so a few past the 70th may be.
    before = _checkins(db)
    assert 70 <= before["sent"] < PEOPLE
    assert before["sent"] + before["planned"] == PEOPLE
    assert _runs_per_person(db) == {1: before["sent"]}
    fake = FakeTelegram()
    async with serve_asgi(fake.app) as api:
        second = serve_process(db, f"{api}/bot", port, failpoint=None, **SETTINGS)
        try:
            for _ in range(600):
                delivered = Counter(m["chat_id"] for m in fake.sent if INTRO in m.get("text", ""))
                if len(delivered) == PEOPLE and _checkins(db) == {"sent": PEOPLE}:
                    break
                await asyncio.sleep(0.1)
        finally:
            second.terminate()
            await asyncio.to_thread(second.wait, 30)
    assert _checkins(db) == {"sent": PEOPLE}
    assert _runs_per_person(db) == {1: PEOPLE}
    assert len(delivered) == PEOPLE
    assert set(delivered.values()) == {1}

"""Check-in scheduling load: plan a large workshop, then start every due check-in at once.

    python bench/checkins.py --members 10000

A workshop of N members (each with a two-action roadmap) is written straight into a fresh
database. We time planning its default rounds (4 per member), then the scheduler's passes that
start the first round for everyone: claim, dispatcher (run, answers so far, outbox row and the
check-in's new state in one transaction). No channel is attached, so what is measured is the
scheduler and the store, not a platform's rate limit. Prints rows/s, starts/s and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.app import open_app
from bot.followup.checkins import plan_cohort
from bot.followup.send_window import SchedulePolicy, parse_window
from tests.support import FakeClock, seed_cohort


def seed_actions(db: Path) -> None:
    now = datetime.now(UTC).isoformat()
    with sqlite3.connect(db) as conn:
        people = [pid for (pid,) in conn.execute("SELECT id FROM participants")]
        conn.executemany(
            "INSERT INTO actions (id, participant_id, run_id, position, title, sdg, office, "
            "first_step, target_month, indicator, created_at, updated_at) "
            "VALUES (?, ?, 'plan', ?, ?, 11, 'Obras', 'Paso', '2027-06', 'Ind', ?, ?)",
            [
                (f"{pid}-{n}", pid, n, f"Acción {n + 1}", now, now)
                for pid in people
                for n in range(2)
            ],
        )


async def main(members: int) -> None:
    always = SchedulePolicy(parse_window("0-24", "mon-sun"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "checkins.db")
        url = f"sqlite:///{path}"
        async with open_app(url, {}):
            pass  # migrate
        seed_cohort(path, "BIG", members)
        seed_actions(path)
        clock = FakeClock(datetime.now(UTC))
        async with open_app(url, {}, clock=clock, schedule=always) as app:
            cohort = await app.store.cohort_by_code("BIG")
            assert cohort is not None
            ended = replace(cohort, ends=(clock.now() - timedelta(days=15)).date())
            began = time.perf_counter()
            planned = await plan_cohort(app.store, ended, always)
            planning = time.perf_counter() - began
            began = time.perf_counter()
            handled = await app.scheduler.checkins_once()
            starting = time.perf_counter() - began
            counts = await app.store.outbox_counts()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"members {members}, check-ins planned {planned} in {planning:.2f} s "
          f"({planned / planning:,.0f} rows/s)")  # fmt: skip
    print(f"first round: {handled} started in {starting:.2f} s ({handled / starting:,.0f}/s), "
          f"outbox {counts}")  # fmt: skip
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    uvloop.run(main(parser.parse_args().members))

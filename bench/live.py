"""A question to the room: 300 Telegram members get it through the fake Bot API enforcing 30/s,
each answers within a few seconds of receiving it, and 20 projector viewers watch the results.

    python bench/live.py --members 300 --viewers 20

A workshop of N Telegram members and a projector link are written straight into a fresh
database; `minga serve` (paced as in production, its sender in a child process) opens an
open-answer question through the real scheduler and outbox. Each member answers through the
webhook 1–3 s after the question reaches them. Prints: the rate at which the question went out
(and 429s); for each answer, the time from its commit (the webhook's answer) to the first event
at each viewer that counts it (p50/p95/p99/max over answers × viewers); serve's memory before
and after (RSS, serve and its sender child).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serve import children, start_serve
from bot.app import open_app
from tests.fakes.telegram_api import FakeTelegram, serve_asgi
from tests.support import seed_cohort

SECRET = "bench-secret"
FIRST = 100_000
QUESTION = "En una palabra: ¿cuál es el mayor reto de su municipio?"
WORDS = ["presupuesto", "personal", "datos", "coordinación", "corrupción", "conectividad"]


def seed(db: Path, members: int) -> tuple[str, str]:
    cohort = seed_cohort(db, "LIVE", members, first_address=FIRST)
    token = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO live_links (token, cohort_id, created_at) VALUES (?, ?, ?)",
            (token, cohort, now),
        )
    return cohort, token


def open_question(db: Path, cohort: str) -> None:
    """What opening does (bot/live/operations.py), written directly: prompt, screen, starts."""
    prompt, now = uuid.uuid4().hex[:10], datetime.now(UTC).isoformat()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO prompts (id, cohort_id, kind, texts, options, state, revealed, "
            "created_at, opened_at) VALUES (?, ?, 'open', ?, '[]', 'open', 1, ?, ?)",
            (prompt, cohort, json.dumps({"es": QUESTION}), now, now),
        )
        conn.execute(
            "INSERT INTO live_screens (cohort_id, screen, updated_at) VALUES (?, ?, ?)",
            (cohort, json.dumps({"kind": "prompt", "id": prompt}), now),
        )
        conn.execute(
            "INSERT INTO scheduled (participant_id, flow_id, purpose, due_at, dedupe_key, "
            "created_at) SELECT participant_id, ?, 'prompt', ?, 'prompt:' || participant_id, ? "
            "FROM memberships WHERE cohort_id = ?",
            (prompt, now, now, cohort),
        )


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the sender), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    own = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return own / 1024 + sum(rss_mb(child) for child in children(pid))


async def watch(http: aiohttp.ClientSession, url: str, seen: list[tuple[float, int]]) -> None:
    """Keep reading one viewer's events: (arrival time, how many people answered)."""
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
        async for raw in response.content:
            line = raw.decode().strip()
            if line.startswith("data:"):
                screen = json.loads(line[5:])["screen"]
                seen.append((time.monotonic(), int(screen.get("count") or 0)))


async def member(
    fake: FakeTelegram,
    http: aiohttp.ClientSession,
    url: str,
    chat: int,
    commits: list[float],
    thanks: list[float],
) -> None:
    """Wait for the question, think 1–3 s, answer; note the commit and the thank-you's wait."""
    while not any(QUESTION in (m.get("text") or "") for m in fake.to(chat)):
        await fake.message_for(chat, len(fake.to(chat)))
    await asyncio.sleep(random.uniform(1.0, 3.0))
    fake.says(chat, random.choice(WORDS), "es")
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    seen = len(fake.to(chat))
    async with http.post(f"{url}/telegram/webhook", json=fake.take_update(), headers=headers):
        commits.append(time.monotonic())
    await fake.message_for(chat, seen)
    thanks.append(time.monotonic() - commits[-1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "live.db")
        db = f"sqlite:///{path}"
        async with open_app(db, {}):
            pass  # migrate
        cohort, token = seed(path, args.members)
        fake = FakeTelegram()
        fake.limits = True
        port = 18900 + os.getpid() % 400
        async with serve_asgi(fake.app) as api, aiohttp.ClientSession() as http:
            env = {
                "MINGA_DATABASE_URL": db,
                "MINGA_TELEGRAM_TOKEN": "1:bench",
                "MINGA_TELEGRAM_API_URL": f"{api}/bot",
                "MINGA_TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
            proc, url = await start_serve(env, port)
            try:
                seen: list[list[tuple[float, int]]] = [[] for _ in range(args.viewers)]
                events = f"{url}/live/LIVE/events?key={token}"
                viewers = [asyncio.create_task(watch(http, events, s)) for s in seen]
                await asyncio.sleep(1.0)
                before = rss_mb(proc.pid)
                commits: list[float] = []
                thanks: list[float] = []
                answering = [
                    asyncio.create_task(member(fake, http, url, FIRST + n, commits, thanks))
                    for n in range(args.members)
                ]
                open_question(path, cohort)
                async with http.get(f"{url}/healthz"):
                    pass
                await asyncio.wait_for(asyncio.gather(*answering), args.members / 10 + 60)
                await asyncio.sleep(2.0)
                after = rss_mb(proc.pid)
                for task in viewers:
                    task.cancel()
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        sent = [
            t
            for m, t in zip(fake.sent, fake.sent_at, strict=True)
            if QUESTION in (m.get("text") or "")
        ]
        rate = (len(sent) - 1) / (max(sent) - min(sent))
        order = sorted(commits)
        latencies = []
        for viewer in seen:
            for rank, committed in enumerate(order, start=1):
                shown = next((t for t, count in viewer if count >= rank), None)
                if shown is not None:
                    latencies.append(max(0.0, shown - committed))
        missing = len(order) * len(seen) - len(latencies)
        print(f"members {args.members}, viewers {args.viewers}")
        print(
            f"question delivered to {len(sent)} members at {rate:.2f} messages/s; "
            f"429s {fake.rejected}"
        )
        print(
            f"answer commit → viewer event: p50 {percentile(latencies, 0.5):.3f} s, "
            f"p95 {percentile(latencies, 0.95):.3f} s, p99 {percentile(latencies, 0.99):.3f} s, "
            f"max {max(latencies):.3f} s over {len(latencies)} (answer, viewer) pairs; "
            f"never shown {missing}"
        )
        print(
            f"thank-you after an answer: p50 {percentile(thanks, 0.5):.1f} s, "
            f"max {max(thanks):.1f} s (they wait until the question has reached everyone)"
        )
        print(f"serve RSS (with its sender): {before:.0f} MB before, {after:.0f} MB after")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--viewers", type=int, default=20)
    uvloop.run(main(parser.parse_args()))

"""Telegram load: the fake Bot API in this process, `minga serve` in another, N simulated
participants talking at once through the webhook. Each answers the newest question: a tap
when there are buttons, a text otherwise.

    python bench/telegram_load.py lifted --participants 500
    python bench/telegram_load.py limited --participants 300

`lifted`: no limits in the fake and Minga's pacing raised (MINGA_TELEGRAM_RATE), through
onboarding and the principles self-assessment; prints exchanges/s and reply latency.
`limited`: the fake enforces 30 messages/s (answering 429), Minga paces as in production, and
every participant sends /start at the same moment; prints when the last reply arrived and 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi

SECRET = "bench-secret"
TEXT_ANSWERS = {"name": "Ana", "municipality": "Cusco", "country": "Perú"}


def pct(values: array[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def start_minga(api_url: str, db: str, lifted: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = 18000 + os.getpid() % 1000
    env = {
        **os.environ,
        "MINGA_TELEGRAM_TOKEN": "1:bench",
        "MINGA_TELEGRAM_API_URL": api_url,
        "MINGA_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "MINGA_DATABASE_URL": f"sqlite:///{db}",
    }
    if lifted:
        env |= {"MINGA_TELEGRAM_RATE": "1000000", "MINGA_TELEGRAM_CHAT_RATE": "1000000"}
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return proc, url
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    raise RuntimeError("minga serve did not start")


async def lifted(fake: FakeTelegram, http: httpx.AsyncClient, people: int) -> None:
    latencies = array("d")

    async def deliver(update: dict) -> None:
        response = await http.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        response.raise_for_status()

    async def participant(chat: int) -> None:
        plan = [
            "/start",
            "Español",
            "Sí",
            "name",
            "municipality",
            "country",
            "Otro",
            "No tengo código",
            "Principios de gobernanza eficaz",
            *["De acuerdo"] * 13,
        ]
        message: dict | None = None
        for step in plan:
            seen = len(fake.to(chat))
            began = time.perf_counter()
            if message is not None and step in buttons(message):
                fake.taps(chat, buttons(message)[step])
            else:
                fake.says(chat, TEXT_ANSWERS.get(step, step))
            await deliver(fake.take_update())
            message = await fake.message_for(chat, seen)
            latencies.append(time.perf_counter() - began)
        assert "Sus resultados" in message["text"], message["text"][:200]

    began = time.perf_counter()
    await asyncio.gather(*(participant(10_000 + n) for n in range(people)))
    elapsed = time.perf_counter() - began
    print(f"participants {people}, exchanges {len(latencies)} in {elapsed:.1f} s")
    print(f"throughput     {len(latencies) / elapsed:,.0f} exchanges/s")
    print(
        f"reply latency  p50 {pct(latencies, 0.5) * 1000:.0f} ms   "
        f"p99 {pct(latencies, 0.99) * 1000:.0f} ms   max {max(latencies) * 1000:.0f} ms"
    )


async def limited(fake: FakeTelegram, http: httpx.AsyncClient, people: int) -> None:
    fake.limits = True
    chats = [20_000 + n for n in range(people)]
    updates = []
    for chat in chats:
        fake.says(chat, "/start")
        updates.append(fake.take_update())
    began = time.perf_counter()
    await asyncio.gather(
        *(
            http.post(
                "/telegram/webhook", json=u, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            for u in updates
        )
    )
    arrivals = array("d")
    for chat in chats:
        await fake.message_for(chat, 0)
        arrivals.append(time.perf_counter() - began)
    print(f"participants {people} writing at the same moment")
    print(
        f"last reply after {max(arrivals):.1f} s (the limit allows {people / 30:.0f} s); "
        f"429 answers: {fake.rejected}"
    )


async def main(args: argparse.Namespace) -> None:
    fake = FakeTelegram()
    with tempfile.TemporaryDirectory() as folder:
        async with serve_asgi(fake.app) as api:
            proc, url = await start_minga(f"{api}/bot", f"{folder}/load.db", args.mode == "lifted")
            try:
                limits = httpx.Limits(max_connections=200)
                async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
                    run = lifted if args.mode == "lifted" else limited
                    await run(fake, http, args.participants)
            finally:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("lifted", "limited"))
    parser.add_argument("--participants", type=int, default=500)
    asyncio.run(main(parser.parse_args()))

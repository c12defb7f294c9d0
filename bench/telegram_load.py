"""Telegram load: the fake Bot API in this process, `minga serve` in another, N simulated
participants talking at once through the webhook. Each answers the newest question: a tap
when there are buttons, a text otherwise.

    python bench/telegram_load.py lifted --participants 500
    python bench/telegram_load.py limited --participants 300

`lifted`: no limits in the fake and Minga's pacing raised (as with a local Bot API server),
through onboarding and a 20-statement assessment (a flow file in MINGA_FLOWS_DIR); prints
exchanges/s and reply latency. `limited`: the fake enforces 30 messages/s and 3/s per chat
(answering 429), Minga paces as in production, and every participant sends /start at the same
moment; prints when the last reply arrived and how many 429s the fake answered.

Updates are delivered over at most `--connections` connections at once, as Telegram does
(setWebhook's max_connections, 40 by default).
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
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.delivery import FifoDelivery
from bench.engine import assessment_yaml
from bench.serve import cpu_seconds, start_serve
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi

SECRET = "bench-secret"
ITEMS = 20
ONBOARDING = ["/start", "Español", "Sí", "Ana", "Cusco", "Perú", "Otro", "No tengo código"]


def pct(values: array[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def write_flows(folder: str) -> Path:
    flows = Path(folder, "flows")
    flows.mkdir()
    (flows / "bench_assessment.yaml").write_bytes(assessment_yaml(ITEMS))
    return flows


async def start_minga(
    api_url: str, folder: str, lifted: bool
) -> tuple[subprocess.Popen[bytes], str]:
    port = 18000 + os.getpid() % 1000
    flows = write_flows(folder)
    env = {
        "MINGA_TELEGRAM_TOKEN": "1:bench",
        "MINGA_TELEGRAM_API_URL": api_url,
        "MINGA_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "MINGA_DATABASE_URL": f"sqlite:///{folder}/load.db",
        "MINGA_FLOWS_DIR": str(flows),
    }
    if lifted:
        env |= {"MINGA_TELEGRAM_RATE": "1000000", "MINGA_TELEGRAM_CHAT_RATE": "1000000"}
    return await start_serve(env, port)


class Webhook:
    """Deliver updates to `minga serve` as Telegram does: in arrival order, over at most
    `connections` connections at once, with the secret header."""

    def __init__(
        self, fake: FakeTelegram, session: aiohttp.ClientSession, url: str, connections: int
    ) -> None:
        self.fake = fake
        self.session = session
        self.url = f"{url}/telegram/webhook"
        self.delivery = FifoDelivery(connections)

    async def deliver(self, update: dict[str, Any]) -> None:
        await self.delivery.call(lambda: self._post(update))

    async def _post(self, update: dict[str, Any]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self.session.post(self.url, json=update, headers=headers) as response:
            response.raise_for_status()
            await self.fake.webhook_answered(await response.json())

    def close(self) -> None:
        self.delivery.close()


async def lifted(fake: FakeTelegram, webhook: Webhook, people: int) -> None:
    latencies = array("d")
    answered = array("d")  # until the webhook's HTTP answer (Minga has committed the message)

    async def participant(chat: int) -> None:
        plan = [*ONBOARDING, "Benchmark", *["De acuerdo"] * ITEMS]
        message: dict[str, Any] | None = None
        for step in plan:
            seen = len(fake.to(chat))
            began = time.perf_counter()
            if message is not None and step in buttons(message):
                fake.taps(chat, buttons(message)[step])
            else:
                fake.says(chat, step)
            await webhook.deliver(fake.take_update())
            answered.append(time.perf_counter() - began)
            message = await fake.message_for(chat, seen)
            latencies.append(time.perf_counter() - began)
        # The results follow the last answer; the assessment must really have been completed.
        while not any("Benchmark" in m.get("text", "") for m in fake.to(chat)[-3:]):
            await fake.message_for(chat, len(fake.to(chat)))

    began = time.perf_counter()
    await asyncio.gather(*(participant(10_000 + n) for n in range(people)))
    elapsed = time.perf_counter() - began
    print(f"participants {people}, exchanges {len(latencies)} in {elapsed:.1f} s")
    print(f"throughput     {len(latencies) / elapsed:,.0f} exchanges/s")
    print(
        f"reply latency  p50 {pct(latencies, 0.5) * 1000:.0f} ms   "
        f"p99 {pct(latencies, 0.99) * 1000:.0f} ms   max {max(latencies) * 1000:.0f} ms"
    )
    print(
        f"webhook answer p50 {pct(answered, 0.5) * 1000:.0f} ms   "
        f"p99 {pct(answered, 0.99) * 1000:.0f} ms"
    )


async def limited(fake: FakeTelegram, webhook: Webhook, people: int) -> None:
    fake.limits = True
    chats = [20_000 + n for n in range(people)]
    updates = []
    for chat in chats:
        fake.says(chat, "/start")
        updates.append(fake.take_update())
    began = time.monotonic()
    await asyncio.gather(*(webhook.deliver(u) for u in updates))
    handled = time.monotonic() - began
    for chat in chats:
        await fake.message_for(chat, 0)
    arrivals = sorted(at - began for at in fake.sent_at)
    per_second = [sum(1 for a in arrivals if s <= a < s + 1) for s in range(int(arrivals[-1]) + 1)]
    print(f"participants {people} writing at the same moment")
    print(f"webhook answered all {people} updates in {handled:.1f} s")
    print(f"replies per second: {per_second}")
    print(
        f"last reply after {arrivals[-1]:.1f} s (the limit allows {people / 30:.0f} s); "
        f"429 answers: {fake.rejected}"
    )


async def main(args: argparse.Namespace) -> None:
    fake = FakeTelegram()
    with tempfile.TemporaryDirectory() as folder:
        async with serve_asgi(fake.app) as api:
            proc, url = await start_minga(f"{api}/bot", folder, args.mode == "lifted")
            try:
                connector = aiohttp.TCPConnector(limit=args.connections)
                async with aiohttp.ClientSession(connector=connector) as session:
                    run = lifted if args.mode == "lifted" else limited
                    webhook = Webhook(fake, session, url, args.connections)
                    serve_cpu, own_cpu = cpu_seconds(proc.pid), time.process_time()
                    try:
                        await run(fake, webhook, args.participants)
                    finally:
                        webhook.close()
                    print(
                        f"CPU used         minga serve {cpu_seconds(proc.pid) - serve_cpu:.1f} s, "
                        f"fake + load generator {time.process_time() - own_cpu:.1f} s"
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("lifted", "limited"))
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--connections", type=int, default=40)
    asyncio.run(main(parser.parse_args()))

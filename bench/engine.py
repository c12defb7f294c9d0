"""Engine benchmark: N simulated participants through onboarding and a 20-question assessment,
through the real dispatcher, store and outbox sender, on an in-memory channel (no network).

Prints inbound messages/s, p50/p99 handling latency (dispatcher.handle, lock to commit), p50/p99
reply latency (message in → reply delivered by the outbox sender) and peak RSS by participants
handled.

    python bench/engine.py --participants 10000 --concurrency 200
    python bench/engine.py --db "postgresql://…?search_path=an_empty_schema"
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import tempfile
import time
from array import array

from bot.app import open_app
from bot.channels.memory import MemorySender
from bot.conversation.inbound import Inbound
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from flows.loader import load_flow_file, load_flow_text
from flows.registry import FlowRegistry, library_path

CHANNEL = "bench"
ONBOARDING = ["1", "sí", "Ana", "Cuenca", "Ecuador", "3", "1"]
ITEMS = 20


def assessment_yaml(items: int) -> bytes:
    steps = "\n".join(
        f"  - {{id: q{n}, ask: 'Statement {n}', type: likert, dimension: d{n % 4}, "
        f"next: {'q' + str(n + 1) if n < items else 'done'}}}"
        for n in range(1, items + 1)
    )
    dimensions = "\n".join(
        f"  - {{id: d{n}, label: 'Dimension {n}', suggestion: 'Try {n}'}}" for n in range(4)
    )
    return (
        "spec: 1\nid: bench_assessment\nkind: assessment\nversion: 1\ntitle: Benchmark\n"
        f"dimensions:\n{dimensions}\n"
        f"steps:\n{steps}\n  - {{id: done, say: 'Thanks', end: true}}\n"
    ).encode()


def registry() -> FlowRegistry:
    flows = [load_flow_file(p) for p in sorted(library_path().glob("*.yaml"))]
    flows.append(
        load_flow_text(assessment_yaml(ITEMS), "bench_assessment.yaml", check_translations=False)
    )
    return FlowRegistry(flows)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: array[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(args: argparse.Namespace) -> None:
    sender = MemorySender(CHANNEL)
    clock = SystemClock()
    # Compact arrays, so the benchmark's own samples do not inflate the RSS it reports.
    handle_times = array("d")
    reply_times = array("d")
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/bench.db"
        async with open_app(
            url, {CHANNEL: sender}, clock=clock, registry=registry(), burst=None
        ) as app:
            background = asyncio.create_task(app.sender.run())
            dispatcher = app.dispatcher
            menu_number = 1 + [f.id for f in app.registry.menu_flows()].index("bench_assessment")

            async def say(address: str, text: str | None) -> None:
                kind = "open" if text is None else "text"
                started = time.perf_counter()
                await dispatcher.handle(
                    Inbound(CHANNEL, address, kind, clock.now(), text=text, language_hint="es")
                )
                handled = time.perf_counter()
                await sender.wait(address)
                sender.take(address)
                handle_times.append(handled - started)
                reply_times.append(time.perf_counter() - started)

            async def participant(n: int) -> None:
                address = f"p{n}"
                await say(address, None)
                for text in [*ONBOARDING, str(menu_number), *("4" for _ in range(ITEMS))]:
                    await say(address, text)

            rss_start = rss_mb()
            marks: list[tuple[int, float]] = [(0, rss_start)]
            started = time.perf_counter()
            done = 0
            queue = iter(range(args.participants))

            async def worker() -> None:
                nonlocal done
                for n in queue:
                    await participant(n)
                    done += 1
                    if done % max(1, args.participants // 5) == 0:
                        marks.append((done, rss_mb()))

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - started
            background.cancel()
            messages = len(handle_times)
    print(
        f"participants {args.participants}, concurrency {args.concurrency}, backend "
        f"{'sqlite' if not args.db else args.db.split(':')[0]}"
    )
    print(f"inbound messages      {messages}")
    print(f"throughput            {messages / elapsed:,.0f} messages/s  ({elapsed:.1f} s)")
    print(
        f"handling latency      p50 {pct(handle_times, 0.5):.2f} ms   "
        f"p99 {pct(handle_times, 0.99):.2f} ms   max {max(handle_times) * 1000:.1f} ms"
    )
    print(
        f"reply latency         p50 {pct(reply_times, 0.5):.2f} ms   "
        f"p99 {pct(reply_times, 0.99):.2f} ms"
    )
    print("peak RSS by participants handled: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in marks))
    print(f"RSS growth 0 → {args.participants}: {marks[-1][1] - marks[0][1]:.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    run(main(parser.parse_args()))

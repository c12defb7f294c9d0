"""Database round trips per message: the engine workload (onboarding and a 20-statement
assessment through the real dispatcher and outbox sender, in this process), counted.

    python bench/round_trips.py --participants 200 --concurrency 50
    python bench/round_trips.py --db "postgresql://…?search_path=an_empty_schema"

PostgreSQL: every call asyncpg sends to the server (execute, executemany, fetch, fetchrow,
fetchval — the pool's reset on release included) is one round trip; split between handling a
message (the dispatcher) and sending its reply (the outbox sender). SQLite: reads made in place,
writes handed to the writer thread, and the transactions that writer ran (it groups what is
queued together). Prints each per inbound message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.engine import CHANNEL, ITEMS, ONBOARDING, registry
from bot.app import open_app
from bot.channels.memory import MemorySender
from bot.conversation.inbound import Inbound
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run

PHASE: contextvars.ContextVar[str] = contextvars.ContextVar("phase", default="handle")
COUNTS: Counter[str] = Counter()
VERBOSE = False
NUMBERS = re.compile(r"-?\d{6,}")  # lock keys: one line for every participant's lock


def counted(owner: type, name: str, label: str) -> None:
    """Count every call of `owner.name` under `label`, by the phase it was made in."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        COUNTS[f"{PHASE.get()} {label}"] += 1
        if VERBOSE and len(args) > 1 and isinstance(args[1], str):
            statement = NUMBERS.sub("N", " ".join(args[1].split()))[:60]
            COUNTS[f"{PHASE.get()}   {statement}"] += 1
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def count_postgres() -> None:
    from asyncpg.connection import Connection

    for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
        counted(Connection, name, "round trips")


def count_sqlite() -> None:
    from storage.sqlite import SQLiteStore
    from storage.sqlite_writer import GroupWriter

    counted(SQLiteStore, "_fetch_few", "reads in place")
    counted(SQLiteStore, "_fetchall", "reads on a thread")
    counted(GroupWriter, "_submit", "writes handed to the writer")
    counted(GroupWriter, "_transaction", "writer transactions")


async def main(args: argparse.Namespace) -> None:
    sender = MemorySender(CHANNEL)
    clock = SystemClock()
    messages = 0
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/bench.db"
        async with open_app(
            url, {CHANNEL: sender}, clock=clock, registry=registry(), burst=None
        ) as app:
            menu_number = 1 + [f.id for f in app.registry.menu_flows()].index("bench_assessment")
            COUNTS.clear()  # what opening the store took is not per message
            token = PHASE.set("send")
            background = asyncio.create_task(app.sender.run())
            PHASE.reset(token)

            async def say(address: str, text: str | None) -> None:
                nonlocal messages
                kind = "open" if text is None else "text"
                await app.dispatcher.handle(
                    Inbound(CHANNEL, address, kind, clock.now(), text=text, language_hint="es")
                )
                messages += 1
                await sender.wait(address)
                sender.take(address)

            async def participant(n: int) -> None:
                await say(f"p{n}", None)
                for text in [*ONBOARDING, str(menu_number), *("4" for _ in range(ITEMS))]:
                    await say(f"p{n}", text)

            queue = iter(range(args.participants))

            async def worker() -> None:
                for n in queue:
                    await participant(n)

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            background.cancel()
    backend = "sqlite" if not args.db else "postgres"
    print(f"{backend}: {messages} inbound messages, {args.concurrency} participants at a time")
    for label, count in sorted(COUNTS.items()):
        print(f"  {label:<70} {count / messages:6.2f} per message")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    parser.add_argument("--by-statement", action="store_true", help="count each statement too")
    arguments = parser.parse_args()
    VERBOSE = arguments.by_statement
    if arguments.db:
        count_postgres()
    else:
        count_sqlite()
    run(main(arguments))

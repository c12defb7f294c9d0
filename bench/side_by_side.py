"""Minga and a hand-made bot, one after the other, under the same load, in one run.

    python bench/side_by_side.py whatsapp --participants 300 [--backend sqlite|postgres]
    python bench/side_by_side.py telegram --participants 500 [--backend sqlite|postgres]

`whatsapp`: `minga serve` (with its sender child) against bench/peers/whatsapp_bot.py
(Starlette + the twilio client, state in a dict, fire-and-forget sends), both answering signed
Twilio webhooks from the fake in this process. `telegram`: `minga poll` against
bench/peers/telegram_bot.py (python-telegram-bot's ConversationHandler + PicklePersistence),
both long-polling the fake Bot API. Limits are lifted on both sides. Every participant goes
through onboarding and a 20-statement assessment, waiting for each reply like a person.

Prints, for each side: exchanges/s, reply latency p50/p99, and CPU seconds per exchange of the
bot's processes (serve and its sender child together); then Minga's ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serve import children, cpu_seconds, start_serve
from bench.telegram_load import ITEMS, pct, write_flows
from bench.telegram_load import ONBOARDING as TELEGRAM_STEPS
from bench.whatsapp_load import ONBOARDING as WHATSAPP_STEPS
from bench.whatsapp_load import PUBLIC, Twilio
from tests.fakes.telegram_api import FakeTelegram, buttons, serve_asgi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

PEERS = Path(__file__).resolve().parent / "peers"
PATIENCE = 30.0  # seconds a participant waits for a reply before writing again
POSTGRES_URL = os.environ.get(
    "MINGA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass
class Figures:
    """One side's run."""

    exchanges: int
    seconds: float
    latencies: array[float]
    cpu: float
    # This process's CPU (the load generator and the fake platform) over the same time.
    driver_cpu: float
    # Of `cpu`, what the bot's child processes used (Minga's sender).
    child_cpu: float
    # What the PostgreSQL server's processes used (0 on SQLite, which runs inside the bot).
    database_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.exchanges / self.seconds

    def line(self, name: str) -> str:
        p50, p99 = pct(self.latencies, 0.5) * 1000, pct(self.latencies, 0.99) * 1000
        return (
            f"{name:<24} {self.rate:8,.0f} exchanges/s   p50 {p50:5.0f} ms   p99 {p99:6.0f} ms   "
            f"CPU {self.cpu / self.exchanges * 1000:.2f} ms/exchange{self._split()}"
            f"{self._database()} (load generator and fake "
            f"{self.driver_cpu / self.exchanges * 1000:.2f})"
        )

    def _database(self) -> str:
        if not self.database_cpu:
            return ""
        return f", PostgreSQL server {self.database_cpu / self.exchanges * 1000:.2f}"

    def _split(self) -> str:
        if not self.child_cpu:
            return ""
        own = (self.cpu - self.child_cpu) / self.exchanges * 1000
        return f" = {own:.2f} + sender {self.child_cpu / self.exchanges * 1000:.2f}"


@contextlib.asynccontextmanager
async def database(backend: str, folder: str, name: str) -> AsyncIterator[str]:
    """A fresh database for one side: a SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/{name}.db"
        return
    import asyncpg

    schema = f"bench_{name}_{os.getpid()}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        # The previous side's WAL is written out now, not by a checkpoint during this side.
        await conn.execute("CHECKPOINT")
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


async def load(
    people: int, participant: Callable[[int, array[float]], Awaitable[None]]
) -> tuple[int, float, array[float]]:
    latencies: array[float] = array("d")
    began = time.perf_counter()
    await asyncio.gather(*(participant(n, latencies) for n in range(people)))
    return len(latencies), time.perf_counter() - began, latencies


async def measured(
    proc: subprocess.Popen[bytes],
    people: int,
    participant: Callable[[int, array[float]], Awaitable[None]],
    database: int | None = None,
) -> Figures:
    """Run the load against a started bot; `database` is the PostgreSQL server's pid."""
    before, driver, child = cpu_seconds(proc.pid), time.process_time(), children_cpu(proc.pid)
    server = cpu_seconds(database) if database else 0.0
    exchanges, seconds, latencies = await load(people, participant)
    cpu, child = cpu_seconds(proc.pid) - before, children_cpu(proc.pid) - child
    server = cpu_seconds(database) - server if database else 0.0
    driver = time.process_time() - driver
    return Figures(exchanges, seconds, latencies, cpu, driver, child, server)


async def postmaster(url: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (its backends are
    its children, so their CPU is counted with it)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return parent_pid(await conn.fetchval("SELECT pg_backend_pid()"))
    finally:
        await conn.close()


def parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def children_cpu(pid: int) -> float:
    return sum(cpu_seconds(child) for child in children(pid))


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=20)


async def wait_healthy(url: str, path: str = "/healthz") -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with client.post(url + path) as response:
                    if response.status in (200, 403, 405):
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


# -- WhatsApp -------------------------------------------------------------------------------


def whatsapp_participant(
    fake: FakeTwilio, twilio: Twilio
) -> Callable[[int, array[float]], Awaitable[None]]:
    async def participant(n: int, latencies: array[float]) -> None:
        number = f"+549117{n:07d}"
        for body in [*WHATSAPP_STEPS, *["4"] * ITEMS]:
            seen = len(fake.to(number))
            began = time.perf_counter()
            await twilio.says(number, body)
            await fake.message_for(number, seen, within=300)
            latencies.append(time.perf_counter() - began)
        while not any("Benchmark" in m.get("Body", "") for m in fake.to(number)[-3:]):
            await fake.message_for(number, len(fake.to(number)), within=300)

    return participant


async def whatsapp_side(minga: bool, args: argparse.Namespace, folder: str) -> Figures:
    fake = FakeTwilio()
    port = 19500 + os.getpid() % 400 + (0 if minga else 1)
    async with serve_asgi(fake.app) as api, database(args.backend, folder, "wa") as url:
        if minga:
            env = {
                "MINGA_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "MINGA_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "MINGA_WHATSAPP_FROM": "whatsapp:+14155238886",
                "MINGA_TWILIO_API_URL": api,
                "MINGA_PUBLIC_URL": PUBLIC,
                "MINGA_DATABASE_URL": url,
                "MINGA_FLOWS_DIR": str(write_flows(tempfile.mkdtemp(dir=folder))),
                "MINGA_WHATSAPP_RATE": "1000000",
                "MINGA_BURST_MESSAGES": "0",
            }
            proc, base = await start_serve(env, port)
        else:
            proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before the load
                [sys.executable, str(PEERS / "whatsapp_bot.py"), "--port", str(port), "--api", api,
                 "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN]
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, "/whatsapp/webhook")
        try:
            connector = aiohttp.TCPConnector(limit=args.connections)
            async with aiohttp.ClientSession(connector=connector) as session:
                twilio = Twilio(session, base, args.connections)
                server = args.server if minga else None
                try:
                    return await measured(
                        proc, args.participants, whatsapp_participant(fake, twilio), server
                    )
                finally:
                    twilio.delivery.close()
        finally:
            stop(proc)


# -- Telegram -------------------------------------------------------------------------------


def telegram_participant(
    fake: FakeTelegram, unanswered: list[int]
) -> Callable[[int, array[float]], Awaitable[None]]:
    """A person answering each question; one left unanswered for PATIENCE seconds is sent
    again, as a person would, and counted in `unanswered` (a stuck run would never end)."""
    plan = [*TELEGRAM_STEPS, "Benchmark", *["De acuerdo"] * ITEMS]

    async def participant(n: int, latencies: array[float]) -> None:
        chat = 40_000 + n
        message: dict[str, Any] | None = None
        for step in plan:
            seen = len(fake.to(chat))
            began = time.perf_counter()
            while True:
                if message is not None and step in buttons(message):
                    fake.taps(chat, buttons(message)[step])
                else:
                    fake.says(chat, step)
                try:
                    reply = await asyncio.wait_for(fake.message_for(chat, seen), PATIENCE)
                    break
                except TimeoutError:
                    unanswered.append(chat)
            message = reply
            latencies.append(time.perf_counter() - began)
        while not any("Benchmark" in m.get("text", "") for m in fake.to(chat)[-3:]):
            await fake.message_for(chat, len(fake.to(chat)))

    return participant


async def telegram_side(minga: bool, args: argparse.Namespace, folder: str) -> Figures:
    fake = FakeTelegram()
    async with serve_asgi(fake.app) as api, database(args.backend, folder, "tg") as url:
        if minga:
            env = {
                **os.environ,
                "MINGA_TELEGRAM_TOKEN": "1:bench",
                "MINGA_TELEGRAM_API_URL": f"{api}/bot",
                "MINGA_DATABASE_URL": url,
                "MINGA_FLOWS_DIR": str(write_flows(tempfile.mkdtemp(dir=folder))),
                "MINGA_TELEGRAM_RATE": "1000000",
                "MINGA_TELEGRAM_CHAT_RATE": "1000000",
                "MINGA_BURST_MESSAGES": "0",
            }
            command = [sys.executable, "-m", "bot", "poll"]
        else:
            env = dict(os.environ)
            state = Path(folder, f"peer-{time.monotonic_ns()}.pickle")
            command = [sys.executable, str(PEERS / "telegram_bot.py"), "--api", f"{api}/bot",
                       "--state", str(state)]  # fmt: skip
        proc = subprocess.Popen(command, env=env)  # noqa: ASYNC220 - started before the load
        try:
            # Measured from when the bot answers, not from when its process was started.
            fake.says(39_999, "/start")
            await asyncio.wait_for(fake.message_for(39_999, 0), 60)
            server = args.server if minga else None
            unanswered: list[int] = []
            figures = await measured(
                proc, args.participants, telegram_participant(fake, unanswered), server
            )
            if unanswered:
                print(f"{len(unanswered)} messages had no reply in {PATIENCE:.0f} s; sent again")
            return figures
        finally:
            stop(proc)


async def main(args: argparse.Namespace) -> None:
    side = whatsapp_side if args.channel == "whatsapp" else telegram_side
    peer_name = "Starlette + twilio" if args.channel == "whatsapp" else "PTB ConversationHandler"
    args.server = await postmaster(POSTGRES_URL) if args.backend == "postgres" else None
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            # Each side starts with the load generator's garbage of the one before collected.
            gc.collect()
            minga = await side(True, args, folder) if args.only != "peer" else None
            gc.collect()
            peer = await side(False, args, folder) if args.only != "minga" else None
        if minga is None or peer is None:
            for name, figures in ((f"Minga ({args.backend})", minga), (peer_name, peer)):
                if figures is not None:
                    print(figures.line(name))
            continue
        print(
            f"run {run}: {args.channel}, {args.participants} participants, Minga on {args.backend}"
        )
        print(minga.line(f"Minga ({args.backend})"))
        print(peer.line(peer_name))
        print(
            f"ratio {minga.rate / peer.rate:.2f}x throughput; CPU per exchange "
            f"{minga.cpu / minga.exchanges / (peer.cpu / peer.exchanges):.2f}x the peer's"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("channel", choices=("whatsapp", "telegram"))
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--only", choices=("minga", "peer"), help="run one side (to profile it), no ratio"
    )
    asyncio.run(main(parser.parse_args()))

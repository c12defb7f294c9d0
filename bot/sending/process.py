"""The outbox sender in a process of its own, started and watched by `minga serve`.

One serve process handling webhooks and sending replies keeps one core busy while the other
waits (Python runs one thread at a time). So `minga serve` hands sending to a child, `minga
send`: the webhooks commit, the store's wake-up (SQLite's bell, PostgreSQL's NOTIFY) tells the
child, and the child claims, sends and records exactly as the in-process sender would — claims
and leases already make a crash or a second sender safe.

The parent holds the child's stdin: when the parent dies, even by SIGKILL, the child reads
end-of-file and stops, so no sender is left orphaned. The child reports its send counts on
stdout, one JSON line at a time, so `/metrics` of the parent still shows them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from contextlib import AsyncExitStack, suppress
from time import monotonic
from typing import IO

from bot.config import Settings
from bot.plumbing import failpoints, metrics
from bot.plumbing.clock import SystemClock
from bot.plumbing.memory import freeze_startup_objects
from bot.sending.outbox import OutboxSender
from bot.sending.senders import channel_senders, open_telegram_bot
from storage import open_store

log = logging.getLogger(__name__)
READY = "ready"
REPORT_EVERY_SECONDS = 0.5
STOP_GRACE_SECONDS = 15.0
# How long a stopping sender lets its sends in flight finish (within STOP_GRACE_SECONDS).
SETTLE_SECONDS = 5.0
MAX_RESTART_DELAY_SECONDS = 30.0

SendCounts = dict[tuple[str, str], float]


def sent_counts() -> SendCounts:
    """Read this process's send counters, by (channel, outcome)."""
    counts: SendCounts = {}
    for family in metrics.SENT.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                counts[(sample.labels["channel"], sample.labels["outcome"])] = sample.value
    return counts


async def run_sender(
    settings: Settings, database_url: str, *, child: bool = False, out: IO[str] = sys.stdout
) -> int:
    """Send until SIGTERM or Ctrl-C, or as `minga serve`'s child until stdin closes."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    if child:
        # Ctrl-C and systemd's stop reach the whole process group. The parent stops us in order
        # after its own work, by closing stdin; stopping at once would make it start another.
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda: None)
        _stop_at_end_of_input(loop, stop)
    else:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    clock = SystemClock()
    async with AsyncExitStack() as stack:
        # serve migrated before starting its child; alone, this may be the first to open it.
        store = await open_store(database_url, clock.now, migrate=not child)
        stack.push_async_callback(store.close)
        bot = await open_telegram_bot(settings, stack)
        senders = channel_senders(settings, bot, lambda: store, clock)
        for sender in senders.values():
            stack.push_async_callback(sender.close)
        outbox = OutboxSender(store, senders, clock, batch=settings.outbox_batch)
        await outbox.recover()
        if child:
            freeze_startup_objects()
        sending = asyncio.create_task(outbox.run(), name="outbox sender")
        reported: SendCounts = {}
        try:
            if not child:
                log.info("sending on %s", ", ".join(outbox.channels) or "no channel")
                await stop.wait()
            else:
                # The parent reads these lines: when we are ready, then our send counts.
                _say(out, READY)
                while not stop.is_set():
                    with suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), REPORT_EVERY_SECONDS)
                    reported = _report(out, reported)
        finally:
            await outbox.settle(SETTLE_SECONDS)
            sending.cancel()
            with suppress(asyncio.CancelledError):
                await sending  # flushes the outcomes it holds
        if child:
            _report(out, reported)
    return 0


def _stop_at_end_of_input(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set `stop` when stdin (the parent's end of the pipe) closes."""
    fd = sys.stdin.fileno()
    os.set_blocking(fd, False)

    def readable() -> None:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        if not data:
            loop.remove_reader(fd)
            stop.set()

    loop.add_reader(fd, readable)


def _say(out: IO[str], line: str) -> None:
    # A parent killed outright no longer reads: the child must still stop in order (finish
    # its sends and record them), not die of a broken pipe with its outcomes unwritten.
    with suppress(BrokenPipeError):
        out.write(line + "\n")
        out.flush()


def _report(out: IO[str], reported: SendCounts) -> SendCounts:
    counts = sent_counts()
    if counts != reported:
        _say(out, json.dumps({"sent": [[c, o, n] for (c, o), n in counts.items()]}))
    return counts


class SenderProcess:
    """Run `minga send` as a child, restart it when it dies, and relay its send counts."""

    def __init__(self, database_url: str, restart_delay: float = 1.0) -> None:
        self.database_url = database_url
        self.restart_delay = restart_delay
        self._process: asyncio.subprocess.Process | None = None
        self._ready = False

    @property
    def running(self) -> bool:
        """True while a child is up and sending."""
        return self._ready and self._process is not None and self._process.returncode is None

    async def run(self) -> None:
        """Keep a child running until cancelled; a cancel stops the child in order."""
        failures = 0
        while True:
            started = monotonic()
            code = await self._run_child()
            failures = 1 if monotonic() - started > 60 else failures + 1
            delay = min(MAX_RESTART_DELAY_SECONDS, self.restart_delay * 2 ** (failures - 1))
            log.error("the sender process exited (%s); starting another in %.0f s", code, delay)
            await asyncio.sleep(delay)

    async def _run_child(self) -> int:
        env = {
            **os.environ,
            "MINGA_DATABASE_URL": self.database_url,  # not argv: ps would show a password
            failpoints.PARTNER: str(os.getpid()),
        }
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "send",
            "--child",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        self._process = child
        assert child.stdout is not None
        counts: SendCounts = {}
        try:
            async for line in child.stdout:
                counts = self._relay(line.decode(), counts)
            return await child.wait()
        except asyncio.CancelledError:
            await self._stop(child)
            raise
        finally:
            self._ready = False
            self._process = None

    def _relay(self, line: str, seen: SendCounts) -> SendCounts:
        """Mark the child ready, or add what it sent since its last report to our counters."""
        if line.strip() == READY:
            self._ready = True
            return seen
        try:
            report = json.loads(line)
            counts = {(c, o): float(n) for c, o, n in report["sent"]}
        except (ValueError, KeyError, TypeError):
            log.warning("the sender process said something unexpected; ignored")
            return seen
        for key, total in counts.items():
            if total > seen.get(key, 0.0):
                metrics.SENT.labels(*key).inc(total - seen.get(key, 0.0))
        return counts

    async def _stop(self, child: asyncio.subprocess.Process) -> None:
        """Close the child's stdin (it finishes what it holds), then kill it if it lingers."""
        if child.stdin is not None:
            child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            log.error("the sender process did not stop in %.0f s; killed", STOP_GRACE_SECONDS)
            child.kill()
            await child.wait()


async def start_sending(outbox: OutboxSender, child: SenderProcess | None) -> asyncio.Task[None]:
    """Start the outbox sender here, or keep `child` running (it recovers on its own start).

    Here, what a previous process left claimed is requeued first.
    """
    if child is not None:
        return asyncio.create_task(child.run(), name="outbox sender")
    await outbox.recover()
    return asyncio.create_task(outbox.run(), name="outbox sender")

"""The outbox sender: order per address, retries with backoff, unreachable addresses."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from pathlib import Path
from typing import Any

from typing_extensions import override

from bot.channels.base import ChannelSender, SendOutcome
from bot.drawing.charts import recipe
from bot.sending.outbox import OutboxSender, backoff
from storage import Changes, NewOutbound, Outbound, OutboxRow, Participant, open_store
from storage.sql_store import SQLStore
from tests.support import FakeClock


class ScriptedSender(ChannelSender):
    """Answers each send with the next scripted outcome (sent when the script runs out)."""

    channel = "test"

    def __init__(self, *outcomes: SendOutcome) -> None:
        self.outcomes = deque(outcomes)
        self.delivered: list[tuple[str, str]] = []
        self.tries = 0

    @override
    async def send(self, address: str, message: Outbound, priority: int = 0) -> SendOutcome:
        self.tries += 1
        outcome = self.outcomes.popleft() if self.outcomes else SendOutcome.sent()
        if outcome.state == "sent":
            self.delivered.append((address, message.text))
        return outcome


async def _queue(store, clock: FakeClock, address: str, *texts: str) -> Participant:
    p = Participant(f"id-{address}", "test", address, "es", clock.now())
    changes = Changes(
        participant=p, outbox=[NewOutbound("test", address, p.id, Outbound(text)) for text in texts]
    )
    async with store.conversation(p.key, None) as session:
        await session.commit(changes)
    return p


async def test_rows_go_out_in_order_and_once(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "a1", "a2", "a3")
        await _queue(store, clock, "b", "b1")
        sender = ScriptedSender()
        outbox = OutboxSender(store, {"test": sender}, clock)
        assert await outbox.drain() == 4
        assert [t for a, t in sender.delivered if a == "a"] == ["a1", "a2", "a3"]
        assert await outbox.drain() == 0
        assert (await store.outbox_counts()) == {"sent": 4}
    finally:
        await store.close()


async def test_retry_waits_and_holds_back_later_rows(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "first", "second")
        sender = ScriptedSender(SendOutcome.retry("429", after=30))
        outbox = OutboxSender(store, {"test": sender}, clock)
        await outbox.drain()
        assert sender.delivered == []
        clock.advance(seconds=10)
        await outbox.drain()
        assert sender.delivered == [], "retry_after must be honoured"
        clock.advance(seconds=25)
        await outbox.drain()
        assert sender.delivered == [("a", "first"), ("a", "second")]
        # "second" waited behind "first" without being tried: that is not an attempt.
        assert isinstance(store, SQLStore)
        attempts = await store._fetchall("SELECT attempts FROM outbox ORDER BY id", ())
        assert [row[0] for row in attempts] == [2, 1]
    finally:
        await store.close()


async def test_rows_are_not_started_when_their_claim_is_about_to_lapse(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    class Slow(ScriptedSender):
        @override
        async def send(self, address: str, message: Outbound, priority: int = 0) -> SendOutcome:
            clock.advance(seconds=100)  # a long 429 pause on the first row
            return await super().send(address, message, priority)

    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "one", "two", "three")
        sender = Slow()
        outbox = OutboxSender(store, {"test": sender}, clock)
        claimed: list[list[str]] = []
        real_claim = store.claim_outbox

        async def claim(*args: Any, **kwargs: Any) -> list[OutboxRow]:
            rows = await real_claim(*args, **kwargs)
            claimed.append([row.message.text for row in rows])
            return rows

        store.claim_outbox = claim  # type: ignore[method-assign]
        await outbox.drain()
        # The claim lasts 120 s; each send takes 100: the rows after it go back, are claimed
        # afresh, and each goes out once, in order.
        assert claimed == [["one", "two", "three"], ["two", "three"], ["three"], []]
        assert sender.delivered == [("a", "one"), ("a", "two"), ("a", "three")]
        assert isinstance(store, SQLStore)
        attempts = await store._fetchall("SELECT attempts FROM outbox ORDER BY id", ())
        assert [row[0] for row in attempts] == [1, 1, 1]
        assert sender.tries == 3  # handed back untried: no attempt was spent on them
    finally:
        await store.close()


async def test_gives_up_after_max_attempts(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "doomed")
        sender = ScriptedSender(*[SendOutcome.retry("boom")] * 10)
        outbox = OutboxSender(store, {"test": sender}, clock, max_attempts=3)
        for _ in range(5):
            await outbox.drain()
            clock.advance(seconds=600)
        assert (await store.outbox_counts()) == {"failed": 1}
        assert sender.tries == 3
    finally:
        await store.close()


async def test_unreachable_marks_the_participant(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = await open_store(database_url, clock.now)
    try:
        p = await _queue(store, clock, "a", "one", "two")
        sender = ScriptedSender(SendOutcome.unreachable("blocked"))
        await OutboxSender(store, {"test": sender}, clock).drain()
        stored = await store.participant(p.key)
        assert stored is not None
        assert stored.unreachable
        assert (await store.outbox_counts()) == {"failed": 2}
    finally:
        await store.close()


async def test_a_raising_sender_does_not_stop_the_queue(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    class Broken(ScriptedSender):
        @override
        async def send(self, address: str, message: Outbound, priority: int = 0) -> SendOutcome:
            if address == "a":
                raise ConnectionError("network down")
            return await super().send(address, message, priority)

    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "x")
        await _queue(store, clock, "b", "y")
        sender = Broken()
        await OutboxSender(store, {"test": sender}, clock).drain()
        assert sender.delivered == [("b", "y")]
        assert (await store.outbox_counts()) == {"pending": 1, "sent": 1}
    finally:
        await store.close()


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(50) == 300


async def test_the_run_loop_survives_a_failing_store(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    """Regression: one exception in a cycle used to end the loop, and no reply went out again."""
    import asyncio

    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "hello")
        real_claim = store.claim_outbox
        calls = 0

        async def flaky_claim(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            if calls <= 2:
                raise OSError("disk I/O error")
            return await real_claim(*args, **kwargs)

        store.claim_outbox = flaky_claim  # type: ignore[method-assign]
        sender = ScriptedSender()
        outbox = OutboxSender(store, {"test": sender}, clock, poll_interval=0.05)
        task = asyncio.create_task(outbox.run())
        for _ in range(100):
            if sender.delivered:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        assert sender.delivered == [("a", "hello")]
        assert calls > 2
    finally:
        await store.close()


class SlowRepliesSender(ScriptedSender):
    """Takes a while over every text; records when each message was handed over."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []

    @override
    async def send(self, address: str, message: Outbound, priority: int = 0) -> SendOutcome:
        if message.image_png is None:
            await asyncio.sleep(0.2)
        self.order.append(message.text)
        return SendOutcome.sent()


async def test_a_chart_lets_the_replies_in_flight_go_first(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = await open_store(database_url, clock.now)
    try:
        chart = recipe("scores", title="T", labels=["Uno"], values=[50.0])
        p = Participant("id-a", "test", "a", "es", clock.now())
        async with store.conversation(p.key, None) as session:
            await session.commit(
                Changes(
                    participant=p,
                    outbox=[NewOutbound("test", "a", p.id, Outbound("chart", chart=chart))],
                )
            )
        await _queue(store, clock, "b", "reply to b")
        sender = SlowRepliesSender()
        await OutboxSender(store, {"test": sender}, clock).drain()
        # Claimed together: the chart (drawn, then sent) waits until the reply has gone.
        assert sender.order == ["reply to b", "chart"]
    finally:
        await store.close()


class GatedSender(ScriptedSender):
    """Holds every send until the gate opens, as a slow platform would."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    @override
    async def send(self, address: str, message: Outbound, priority: int = 0) -> SendOutcome:
        self.started.set()
        await self.gate.wait()
        return await super().send(address, message, priority)


async def test_a_stopping_sender_lets_its_sends_finish_and_records_them(
    database_url: str, clock: FakeClock
) -> None:
    """A stop (a killed `minga poll` or `serve` closes its child's stdin) waits for the sends
    the platform may already have accepted: recorded as sent, nobody sends them again."""
    store = await open_store(database_url, clock.now)
    try:
        await _queue(store, clock, "a", "a1")
        await _queue(store, clock, "b", "b1")
        sender = GatedSender()
        outbox = OutboxSender(store, {"test": sender}, clock)
        running = asyncio.create_task(outbox.run())
        await asyncio.wait_for(sender.started.wait(), 5)
        settling = asyncio.create_task(outbox.settle(5))
        await asyncio.sleep(0)
        await _queue(store, clock, "c", "c1")  # queued while stopping: left for the next sender
        outbox.wake()
        await asyncio.sleep(0.1)
        assert not settling.done()  # it waits for the two sends
        sender.gate.set()
        await settling
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        assert sorted(t for _, t in sender.delivered) == ["a1", "b1"]
        assert await store.outbox_counts() == {"sent": 2, "pending": 1}
        assert await store.release_claims(["test"]) == 0  # nothing left claimed to send again
    finally:
        await store.close()

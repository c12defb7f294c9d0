"""Scheduled starts: due ones start once (even across a crash), stale ones are missed."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.inbound import Inbound
from storage import Changes, ParticipantKey, Scheduled
from tests.support import CHANNEL, Harness


async def _schedule(h: Harness, address: str, due_in: timedelta, key: str) -> None:
    person = await h.app.store.participant(ParticipantKey(CHANNEL, address))
    assert person is not None
    async with h.app.store.conversation(person.key, None) as session:
        due = h.clock.now() + due_in
        await session.commit(
            Changes(scheduled=[Scheduled(person.id, "mindsets", "flow", due, key)])
        )


async def _statuses(h: Harness) -> list[str]:
    return [s for (s,) in await h.rows("SELECT status FROM scheduled ORDER BY id")]


async def test_a_due_start_runs_once_and_a_future_one_waits(h: Harness) -> None:
    ana = h.person("ana")
    await ana.onboard()
    await _schedule(h, "ana", timedelta(0), "a")
    await _schedule(h, "ana", timedelta(days=30), "b")
    await _schedule(h, "ana", timedelta(0), "a")  # the same key again: nothing new
    assert await h.app.scheduler.run_once() == 1
    await h.app.sender.drain()
    first = h.sender.take("ana")
    assert len(first[-1].choices) == 5  # the first statement of the assessment
    assert await _statuses(h) == ["done", "due"]
    h.clock.advance(days=30)
    assert await h.app.scheduler.run_once() == 1


async def test_a_crash_after_the_start_does_not_start_it_again(h: Harness) -> None:
    ana = h.person("ana")
    await ana.onboard()
    await _schedule(h, "ana", timedelta(0), "a")
    # A worker claims it and starts the flow, then dies before marking the row.
    (due,) = await h.app.store.claim_due(h.clock.now(), 10, lease_seconds=60)
    inbound = Inbound(
        CHANNEL,
        "ana",
        "launch",
        h.clock.now(),
        choice="mindsets",
        external_id=f"scheduled:{due.id}",
    )
    await h.app.dispatcher.handle(inbound)
    await h.app.sender.drain()
    assert len(h.sender.take("ana")) == 1
    h.clock.advance(minutes=5)  # the lease expires; another pass takes the row again
    assert await h.app.scheduler.run_once() == 1
    await h.app.sender.drain()
    assert h.sender.take("ana") == []  # recognised as already started
    assert await _statuses(h) == ["done"]


async def test_stale_starts_are_missed_and_opted_out_people_get_nothing(h: Harness) -> None:
    ana, bea = h.person("ana"), h.person("bea")
    await ana.onboard()
    await bea.onboard(name="Bea")
    await bea.send("/stop")
    await _schedule(h, "ana", timedelta(days=-4), "late")
    await _schedule(h, "bea", timedelta(0), "stopped")
    assert await h.app.scheduler.run_once() == 2
    await h.app.sender.drain()
    assert h.sender.take("ana") == []
    assert h.sender.take("bea") == []
    assert await _statuses(h) == ["missed", "done"]

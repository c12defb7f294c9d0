"""The send pacer: overall spacing, per-address bursts, 429 pauses, replies first."""

from __future__ import annotations

import asyncio
import bisect
import random
import time

import pytest

from bot.channels.pacing import SendPacer
from bot.channels.telegram import pacer_for
from bot.config import Settings


async def _grants(pacer: SendPacer, requests: list[tuple[str, int]]) -> list[tuple[str, float]]:
    start = time.monotonic()
    done: list[tuple[str, float]] = []

    async def one(address: str, priority: int, label: str) -> None:
        async with pacer.slot(address, priority):
            pass
        done.append((label, time.monotonic() - start))

    await asyncio.gather(*(one(a, p, f"{a}/{p}/{n}") for n, (a, p) in enumerate(requests)))
    return done


async def test_overall_rate_spaces_sends() -> None:
    pacer = SendPacer(per_second=50)
    done = await _grants(pacer, [(f"a{n}", 0) for n in range(20)])
    times = sorted(t for _, t in done)
    # Grants keep to a schedule: a late wake-up may shorten one gap, never get ahead of it.
    assert all(t - times[0] >= n * 0.02 - 0.002 for n, t in enumerate(times))
    assert times[-1] >= 19 * 0.02 - 0.001
    # No window of one second can hold more than the rate.
    assert all(sum(1 for u in times if t <= u < t + 1) <= 50 for t in times)


async def test_one_address_gets_a_burst_then_its_own_pace() -> None:
    pacer = SendPacer(per_second=1000, per_address=5, burst=2)
    done = await _grants(pacer, [("a", 0)] * 5)
    times = sorted(t for _, t in done)
    assert times[1] < 0.1  # the burst
    assert times[2] >= 0.19  # then 5 a second
    assert times[4] >= 0.59


async def test_replies_go_before_waiting_broadcasts() -> None:
    pacer = SendPacer(per_second=20)

    async def send(address: str, priority: int) -> None:
        async with pacer.slot(address, priority):
            pass

    start = asyncio.gather(*(send(f"b{n}", 10) for n in range(10)))
    await asyncio.sleep(0.06)  # a couple of broadcast sends went out
    began = time.monotonic()
    await send("talking", 0)
    waited = time.monotonic() - began
    # The next slot (50 ms), not the end of the broadcast queue (about 400 ms).
    assert waited < 0.25
    await start


async def test_a_429_pauses_everyone() -> None:
    pacer = SendPacer(per_second=1000)
    async with pacer.slot("a", 0):
        pacer.pause(0.3)
    began = time.monotonic()
    async with pacer.slot("b", 0):
        pass
    assert time.monotonic() - began >= 0.29


async def test_jittered_requests_never_arrive_more_than_the_limit_in_a_second() -> None:
    # Requests take 0-150 ms and the platform counts each at a random moment of that time:
    # evenly spaced starts alone let a slow request and quick ones behind it land together.
    pacer = SendPacer(per_second=20, per_address=1000, burst=10)
    rng = random.Random(7)
    arrivals: list[float] = []

    async def send(n: int) -> None:
        async with pacer.slot(f"a{n}", 0):
            took = rng.choice([0.0, 0.01, 0.15])
            arrived = rng.random() * took
            await asyncio.sleep(arrived)
            arrivals.append(time.monotonic())
            await asyncio.sleep(took - arrived)

    await asyncio.gather(*(send(n) for n in range(45)))
    arrivals.sort()
    busiest = max(bisect.bisect_left(arrivals, t + 1.0) - i for i, t in enumerate(arrivals))
    assert busiest <= 20


async def test_a_cancelled_send_gives_its_place_back() -> None:
    pacer = SendPacer(per_second=1)
    waiting = asyncio.create_task(_hold(pacer, "b"))
    async with pacer.slot("a", 0):
        await asyncio.sleep(0.01)
        waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert pacer._in_flight == 0


async def _hold(pacer: SendPacer, address: str) -> None:
    async with pacer.slot(address, 0):
        await asyncio.sleep(10)


async def test_an_address_with_its_own_pace() -> None:
    pacer = SendPacer(
        per_second=1000, per_address=1000, burst=1, address_rate=lambda a: 4 if a == "g" else 1000
    )
    done = await _grants(pacer, [("g", 0)] * 3 + [("p", 0)] * 3)
    slow = sorted(t for label, t in done if label.startswith("g/"))
    fast = sorted(t for label, t in done if label.startswith("p/"))
    assert slow[2] >= 0.49  # 4 a second: 0, 0.25, 0.5
    assert fast[2] < 0.2


def test_telegram_groups_get_twenty_a_minute() -> None:
    pacer = pacer_for(Settings())
    assert pacer.address_rate("-100123") == pytest.approx(20 / 60)
    assert pacer.address_rate("123") == 1.0


def test_impossible_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SendPacer(per_second=0)

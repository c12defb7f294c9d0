"""The send pacer: overall spacing, per-address bursts, 429 pauses, replies first."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest

from bot.channels.pacing import SendPacer


async def _grants(pacer: SendPacer, requests: list[tuple[str, int]]) -> list[tuple[str, float]]:
    start = time.monotonic()
    done: list[tuple[str, float]] = []

    async def one(address: str, priority: int, label: str) -> None:
        await pacer.wait(address, priority)
        done.append((label, time.monotonic() - start))

    await asyncio.gather(*(one(a, p, f"{a}/{p}/{n}") for n, (a, p) in enumerate(requests)))
    return done


async def test_overall_rate_spaces_sends() -> None:
    pacer = SendPacer(per_second=50)
    done = await _grants(pacer, [(f"a{n}", 0) for n in range(20)])
    times = sorted(t for _, t in done)
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 0.019
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
    start = asyncio.gather(*(pacer.wait(f"b{n}", 10) for n in range(10)))
    await asyncio.sleep(0.06)  # a couple of broadcast sends went out
    began = time.monotonic()
    await pacer.wait("talking", 0)
    waited = time.monotonic() - began
    # The next slot (50 ms), not the end of the broadcast queue (about 400 ms).
    assert waited < 0.25
    await start


async def test_a_429_pauses_everyone() -> None:
    pacer = SendPacer(per_second=1000)
    await pacer.wait("a", 0)
    pacer.pause(0.3)
    began = time.monotonic()
    await pacer.wait("b", 0)
    assert time.monotonic() - began >= 0.29


def test_impossible_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SendPacer(per_second=0)

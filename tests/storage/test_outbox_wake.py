"""A commit that queues a message wakes the sender of another process on the same database.

PostgreSQL does it with LISTEN/NOTIFY, SQLite with the outbox bell (a Unix datagram socket). A
second store on the same URL stands in for the other process; one test uses a real one.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from storage import Changes, NewOutbound, Outbound, Participant, Store, open_store
from storage.outbox_bell import OutboxBell, bell_address
from tests.conftest import require_postgres
from tests.support import FakeClock, postgres_schema

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
needs_bell = pytest.mark.skipif(
    bell_address("x.db") is None, reason="abstract Unix sockets exist on Linux only"
)


@pytest.fixture(params=BACKENDS)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with AsyncExitStack() as stack:
        if request.param == "postgres":
            require_postgres()
            yield await stack.enter_async_context(postgres_schema())
        else:
            if bell_address(str(tmp_path / "wake.db")) is None:
                pytest.skip("abstract Unix sockets exist on Linux only")
            yield f"sqlite:///{tmp_path}/wake.db"


async def _woken(store: Store) -> asyncio.Event:
    woken = asyncio.Event()
    await store.watch_outbox(woken.set)
    return woken


async def _say(store: Store, clock: FakeClock, queued: bool) -> None:
    person = Participant(uuid.uuid4().hex, "test", uuid.uuid4().hex, "es", clock.now())
    outbox = [NewOutbound("test", person.address, person.id, Outbound("hola"))] if queued else []
    async with store.conversation(person.key, None) as session:
        await session.commit(Changes(participant=person, outbox=outbox))


async def test_a_queued_message_wakes_the_other_store(url: str, clock: FakeClock) -> None:
    async with AsyncExitStack() as stack:
        sending = await open_store(url, clock.now)
        stack.push_async_callback(sending.close)
        serving = await open_store(url, clock.now)
        stack.push_async_callback(serving.close)
        woken = await _woken(sending)
        await _say(serving, clock, queued=False)
        await asyncio.sleep(0.3)
        assert not woken.is_set()  # a commit that queued nothing leaves the sender asleep
        await _say(serving, clock, queued=True)
        await asyncio.wait_for(woken.wait(), 10)


@needs_bell
async def test_the_bell_rings_across_processes(tmp_path: Path) -> None:
    bell = OutboxBell(str(tmp_path / "minga.db"))
    woken = asyncio.Event()
    try:
        assert bell.listen(woken.set)
        also = asyncio.Event()
        assert bell.listen(also.set)  # a second watcher in this process is woken too
        assert not OutboxBell(str(tmp_path / "minga.db")).listen(lambda: None)  # one listener
        path = str(tmp_path / "minga.db")
        ring = f"from storage.outbox_bell import OutboxBell; OutboxBell({path!r}).ring()"
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", ring], check=True)
        await asyncio.wait_for(woken.wait(), 10)
        await asyncio.wait_for(also.wait(), 10)
    finally:
        bell.close()
    OutboxBell(str(tmp_path / "other.db")).ring()  # nobody listens: no error


@needs_bell
def test_each_database_file_has_its_own_bell(tmp_path: Path) -> None:
    assert bell_address(str(tmp_path / "a.db")) != bell_address(str(tmp_path / "b.db"))
    assert bell_address(str(tmp_path / "a.db")) == bell_address(f"{tmp_path}/./a.db")
    assert bell_address(":memory:") is None

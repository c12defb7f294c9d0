"""A message's usual writes go to PostgreSQL as one statement; anything else, one by one."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from storage import (
    Answer,
    Changes,
    Delivery,
    InboundMark,
    NewOutbound,
    Outbound,
    Participant,
    Run,
    open_store,
)
from storage.postgres import PostgresStore
from storage.postgres_merge import joined
from storage.sql.outbox import INSERT_OUTBOX_SQL, RELEASE_HELD_SQL
from storage.sql.people import ERASE_SQL, INSERT_ANSWER_SQL, INSERT_MARK_SQL
from tests.support import FakeClock


def test_rows_of_one_insert_become_one_values_list_numbered_in_order() -> None:
    groups = [(INSERT_MARK_SQL, [("wa", "SM1", "t")]), (INSERT_OUTBOX_SQL, [tuple(range(9))] * 2)]
    sql, params = joined(groups, [("minga_outbox", "")])  # type: ignore[misc]
    assert sql.startswith("WITH s0 AS (INSERT INTO inbound_marks")
    assert "VALUES ($4, $5, $6, $7, $8, $9, $10, $11, $12), ($13," in sql
    assert sql.endswith("SELECT pg_notify($22, $23)")
    assert params == ["wa", "SM1", "t", *range(9), *range(9), "minga_outbox", ""]


def test_what_could_see_another_part_s_effect_is_not_joined() -> None:
    mark = (INSERT_MARK_SQL, [("wa", "SM1", "t")])
    # An erasure must see the answer this message recorded; a statement twice keeps its order.
    assert joined([mark, (ERASE_SQL[0], [("p",)])], []) is None
    assert joined([mark, (INSERT_ANSWER_SQL, [tuple(range(7))]), mark], []) is None
    # One UPDATE with two parameter sets could touch a row twice.
    assert joined([(RELEASE_HELD_SQL, [("t", "wa", "a"), ("t", "wa", "b")])], []) is None
    assert joined([], []) is None


@pytest.fixture
async def postgres(postgres_url: str, clock: FakeClock) -> AsyncIterator[PostgresStore]:
    store = await open_store(postgres_url, clock.now)
    assert isinstance(store, PostgresStore)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count what every asyncpg connection sends, by the statement's first word."""
    from asyncpg.connection import Connection

    counts: Counter[str] = Counter()
    for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
        original = getattr(Connection, name)

        def counted(self: Any, sql: str, *args: Any, _original: Any = original, **kw: Any) -> Any:
            counts[sql.split()[0]] += 1
            return _original(self, sql, *args, **kw)

        monkeypatch.setattr(Connection, name, counted)
    return counts


async def test_an_answer_is_one_statement_and_a_commit(
    postgres: PostgresStore, clock: FakeClock, round_trips: Counter[str]
) -> None:
    woken = asyncio.Event()
    await postgres.watch_outbox(woken.set)
    person = Participant(uuid.uuid4().hex, "whatsapp", "+5491100000001", "es", clock.now())
    run = Run(uuid.uuid4().hex, person.id, "f", 1, "q2", "active", clock.now(), clock.now(), {})
    second = Run(uuid.uuid4().hex, person.id, "g", 1, "q1", "paused", clock.now(), clock.now(), {})
    async with postgres.conversation(person.key, "SM1") as session:
        await session.commit(Changes(participant=person, outbox=[
            NewOutbound("whatsapp", person.address, person.id, Outbound("held"))]))  # fmt: skip
    held = (await postgres.claim_outbox(["whatsapp"], clock.now(), 10))[0]
    await postgres.complete_outbox([Delivery(held.id, "held")], clock.now())
    woken.clear()
    round_trips.clear()

    replies = [NewOutbound("whatsapp", person.address, person.id, Outbound(t)) for t in "ab"]
    answer = Answer(run.id, person.id, "f", "q1", "4", 4, clock.now())
    changes = Changes(
        mark=InboundMark("whatsapp", "SM2", clock.now()),
        participant=person,
        release_held=True,
        runs=[run, second],
        answers=[answer],
        outbox=replies,
    )
    async with postgres.conversation(person.key, "SM2") as session:
        await session.commit(changes)

    # BEGIN with the lock, the state, the writes, COMMIT.
    assert sum(round_trips.values()) == 4
    assert round_trips["WITH"] == 1
    await asyncio.wait_for(woken.wait(), 5)
    async with postgres.conversation(person.key, "SM2") as session:
        assert session.state.seen
        assert session.state.active == run
        assert session.state.paused == (second,)
    assert [a.raw for a in await postgres.answers(person.id)] == ["4"]
    claimed = await postgres.claim_outbox(["whatsapp"], clock.now(), 10)
    assert [r.message.text for r in claimed] == ["held", "a", "b"]


async def test_a_failing_joined_statement_leaves_nothing(
    postgres: PostgresStore, clock: FakeClock
) -> None:
    person = Participant(uuid.uuid4().hex, "whatsapp", "+5491100000002", "es", clock.now())
    # The answer's run was never stored: the foreign key fails the whole statement.
    orphan = Answer(uuid.uuid4().hex, person.id, "f", "q1", "4", 4, clock.now())
    changes = Changes(
        mark=InboundMark("whatsapp", "SM3", clock.now()),
        participant=person,
        answers=[orphan],
        outbox=[NewOutbound("whatsapp", person.address, person.id, Outbound("x"))],
    )
    with pytest.raises(Exception, match="foreign key"):
        async with postgres.conversation(person.key, "SM3") as session:
            await session.commit(changes)
    async with postgres.conversation(person.key, "SM3") as session:
        assert not session.state.seen
        assert session.state.participant is None
    assert await postgres.outbox_counts() == {}

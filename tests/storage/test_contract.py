"""One behaviour suite for every storage backend: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from storage import (
    Answer,
    AssessmentResult,
    Changes,
    Cohort,
    Delivery,
    DuplicateError,
    InboundMark,
    Membership,
    NewOutbound,
    Outbound,
    Participant,
    ParticipantKey,
    Run,
    Scheduled,
    Store,
    Vote,
)
from storage.locks import KeyedLock
from tests.support import FakeClock


def _participant(clock: FakeClock, address: str = "ana") -> Participant:
    return Participant(uuid.uuid4().hex, "test", address, "es", clock.now(), name="Ana")


def _run(p: Participant, clock: FakeClock, status: str = "active") -> Run:
    return Run(
        uuid.uuid4().hex,
        p.id,
        "onboarding",
        1,
        "name",
        status,  # type: ignore[arg-type]
        clock.now(),
        clock.now(),
        {"vars": {"x": "ñ"}},
    )


async def _commit(
    store: Store, key: ParticipantKey, changes: Changes, external_id: str | None = None
) -> bool:
    async with store.conversation(key, external_id) as session:
        if session.state.seen:
            return False
        await session.commit(changes)
        return True


async def test_migrations_are_idempotent(store: Store) -> None:
    version = await store.schema_version()
    assert version >= 1
    assert await store.migrate() == []
    assert await store.schema_version() == version


async def test_one_transaction_writes_everything(store: Store, clock: FakeClock) -> None:
    p = _participant(clock)
    run = _run(p, clock)
    cohort = Cohort(uuid.uuid4().hex, "ODS1", "Taller", "es", clock.now())
    await store.create_cohort(cohort)
    changes = Changes(
        mark=InboundMark("test", "u1", clock.now()),
        participant=p,
        memberships=[Membership(p.id, cohort.id, clock.now())],
        runs=[run],
        answers=[Answer(run.id, p.id, "onboarding", "name", "Ana", "Ana", clock.now())],
        outbox=[NewOutbound("test", "ana", p.id, Outbound("hola"))],
    )
    assert await _commit(store, p.key, changes, "u1")
    async with store.conversation(p.key, "u1") as session:
        state = session.state
    assert state.seen
    assert state.participant == p
    assert state.active == run
    assert [a.raw for a in await store.answers(p.id)] == ["Ana"]
    assert [m.cohort_id for m in await store.memberships(p.id)] == [cohort.id]
    assert await store.outbox_counts() == {"pending": 1}


async def test_conversation_separates_active_and_paused(store: Store, clock: FakeClock) -> None:
    p = _participant(clock)
    active, paused = _run(p, clock), _run(p, clock, "paused")
    done = _run(p, clock, "completed")
    await _commit(store, p.key, Changes(participant=p, runs=[active, paused, done]))
    async with store.conversation(p.key, None) as session:
        assert session.state.active == active
        assert session.state.paused == (paused,)


async def test_a_failing_unit_does_not_sink_its_batch(store: Store, clock: FakeClock) -> None:
    good = _participant(clock, "good")
    bad = _participant(clock, "bad")
    broken_run = _run(bad, clock).with_changes(participant_id="no-such-participant")
    results = await asyncio.gather(
        _commit(store, good.key, Changes(participant=good)),
        _commit(store, bad.key, Changes(participant=bad, runs=[broken_run])),
        return_exceptions=True,
    )
    assert results[0] is True
    assert isinstance(results[1], Exception)
    assert await store.participant(good.key) is not None
    assert await store.participant(bad.key) is None  # all of the bad unit rolled back


async def test_erase_removes_person_and_history(store: Store, clock: FakeClock) -> None:
    p = _participant(clock)
    run = _run(p, clock)
    await _commit(
        store,
        p.key,
        Changes(
            participant=p,
            runs=[run],
            answers=[Answer(run.id, p.id, "f", "s", "x", 1, clock.now())],
            outbox=[NewOutbound("test", "ana", p.id, Outbound("echo of x"))],
        ),
    )
    # Already sent before the erasure: a sent row holds her address and her words too.
    (echo,) = await store.claim_outbox(["test"], clock.now(), 10)
    await store.complete_outbox([Delivery(echo.id, "sent")], clock.now())
    assert await store.outbox_counts() == {"sent": 1}
    await _commit(
        store,
        p.key,
        Changes(
            erase_participant_id=p.id,
            outbox=[NewOutbound("test", "ana", None, Outbound("bye"), erase_after_send=True)],
        ),
    )
    assert await store.participant(p.key) is None
    assert await store.answers(p.id) == []
    rows = await store.claim_outbox(["test"], clock.now(), 10)
    assert [r.message.text for r in rows] == ["bye"]
    await store.complete_outbox(
        [Delivery(rows[0].id, "sent", erase_after_send=rows[0].erase_after_send)], clock.now()
    )
    assert await store.outbox_counts() == {}


async def test_claims_skip_busy_addresses_and_expire(store: Store, clock: FakeClock) -> None:
    p = _participant(clock)
    await _commit(
        store,
        p.key,
        Changes(
            participant=p,
            outbox=[NewOutbound("test", "ana", p.id, Outbound(t)) for t in ("1", "2")],
        ),
    )
    first = await store.claim_outbox(["test"], clock.now(), 1)
    assert [r.message.text for r in first] == ["1"]
    assert await store.claim_outbox(["test"], clock.now(), 10) == []  # "1" is in flight
    clock.advance(minutes=10)  # the claim's lease ran out: a dead sender's rows come back
    again = await store.claim_outbox(["test"], clock.now(), 10)
    assert [r.message.text for r in again] == ["1", "2"]
    assert again[0].attempts == 2


async def test_priority_replies_before_bulk(store: Store, clock: FakeClock) -> None:
    a, b = _participant(clock, "a"), _participant(clock, "b")
    await _commit(
        store,
        a.key,
        Changes(
            participant=a, outbox=[NewOutbound("test", "a", a.id, Outbound("bulk"), priority=10)]
        ),
    )
    await _commit(
        store,
        b.key,
        Changes(participant=b, outbox=[NewOutbound("test", "b", b.id, Outbound("reply"))]),
    )
    rows = await store.claim_outbox(["test"], clock.now(), 1)
    assert [r.message.text for r in rows] == ["reply"]


async def test_dedupe_key_queues_once(store: Store, clock: FakeClock) -> None:
    p = _participant(clock)
    message = NewOutbound("test", "ana", p.id, Outbound("news"), dedupe_key="b1:ana")
    await _commit(store, p.key, Changes(participant=p, outbox=[message]))
    await _commit(store, p.key, Changes(outbox=[message]))
    assert await store.outbox_counts() == {"pending": 1}


async def test_retry_later_is_not_claimed_early(store: Store, clock: FakeClock) -> None:
    p = _participant(clock)
    await _commit(
        store,
        p.key,
        Changes(participant=p, outbox=[NewOutbound("test", "ana", p.id, Outbound("x"))]),
    )
    (row,) = await store.claim_outbox(["test"], clock.now(), 5)
    later = clock.now() + timedelta(seconds=30)
    await store.complete_outbox([Delivery(row.id, "retry", retry_at=later)], clock.now())
    assert await store.claim_outbox(["test"], clock.now(), 5) == []
    clock.advance(seconds=31)
    assert len(await store.claim_outbox(["test"], clock.now(), 5)) == 1


async def test_cohort_codes_are_unique_ignoring_case(store: Store, clock: FakeClock) -> None:
    await store.create_cohort(Cohort("c1", "ODS2026", "A", "es", clock.now()))
    with pytest.raises(DuplicateError):
        await store.create_cohort(Cohort("c2", "ods2026", "B", "es", clock.now()))
    found = await store.cohort_by_code("Ods2026")
    assert found is not None
    assert found.id == "c1"
    assert [(c.code, n) for c, n in await store.list_cohorts()] == [("ODS2026", 0)]


async def test_the_same_participant_is_serialized(store: Store, clock: FakeClock) -> None:
    key = ParticipantKey("test", "ana")
    order: list[str] = []

    async def hold(name: str) -> None:
        async with store.conversation(key, None):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(hold("a"), hold("b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_keyed_lock_forgets_idle_keys() -> None:
    lock = KeyedLock()
    for n in range(1000):
        async with lock.hold(str(n)):
            pass
    assert len(lock) == 0


async def test_a_commit_is_visible_to_the_next_read_under_load(
    store: Store, clock: FakeClock
) -> None:
    """Regression: a cursor left open between hops made concurrent reads see an old snapshot."""
    stale: list[str] = []

    async def one(n: int) -> None:
        p = _participant(clock, f"p{n}")
        for _ in range(8):
            await _commit(store, p.key, Changes(participant=p))
            found = await store.participant(p.key)
            async with store.conversation(p.key, None) as session:  # read in place on SQLite
                if found is None or session.state.participant is None:
                    stale.append(p.address)

    await asyncio.gather(*(one(n) for n in range(150)))
    assert stale == []


def test_hot_sqlite_statements_use_an_index(tmp_path: Path) -> None:
    """Regression: a delete filtered on status walked every sent row; the bench hung at 10k."""
    import sqlite3

    from storage.base import migration_scripts
    from storage.sql.outbox import ERASE_SENT_SQL
    from storage.sql.people import CONVERSATION_SQL
    from storage.sqlite import _split_script

    conn = sqlite3.connect(tmp_path / "plan.db")
    for _, script in migration_scripts("sqlite"):
        for statement in _split_script(script):
            conn.execute(statement)
    plans = {
        ERASE_SENT_SQL: (1,),
        CONVERSATION_SQL: ("test", "u1", "test", "ana"),
    }
    for sql, params in plans.items():
        plan = " ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "SCAN outbox" not in plan, plan
        assert "SCAN participants" not in plan, plan
        assert "SCAN runs" not in plan, plan


async def test_oldest_due_is_the_earliest_waiting_start(store: Store, clock: FakeClock) -> None:
    assert await store.oldest_due() is None
    p = _participant(clock)
    late = clock.now() - timedelta(minutes=5)
    async with store.conversation(p.key, None) as session:
        await session.commit(
            Changes(
                participant=p,
                scheduled=[
                    Scheduled(p.id, "mindsets", "flow", late, "a"),
                    Scheduled(p.id, "mindsets", "flow", clock.now() + timedelta(days=1), "b"),
                ],
            )
        )
    assert await store.oldest_due() == late
    assert await store.pending_migrations() == 0


async def test_erase_keeps_published_aggregates_but_not_the_person(
    store: Store, clock: FakeClock
) -> None:
    cohort = Cohort(uuid.uuid4().hex, "AGG", "Taller", "es", clock.now())
    await store.create_cohort(cohort)
    p = _participant(clock)
    run = _run(p, clock, status="completed")
    scores = {"dimensions": {"d1": 75.0}}
    await _commit(
        store,
        p.key,
        Changes(
            participant=p,
            memberships=[Membership(p.id, cohort.id, clock.now())],
            runs=[run],
            answers=[Answer(run.id, p.id, "mindsets", "q1", "4", 4, clock.now())],
            results=[AssessmentResult(run.id, p.id, "mindsets", cohort.id, scores, clock.now())],
            votes=[Vote(cohort.id, p.id, ("c1", "c2", "c3"), clock.now())],
        ),
    )
    await _commit(store, p.key, Changes(erase_participant_id=p.id))
    assert await store.participant(p.key) is None
    assert await store.answers(p.id) == []
    assert await store.memberships(p.id) == []
    # The round's ranking and the workshop's average keep counting them, anonymously.
    (vote,) = await store.votes(cohort.id)
    assert vote.ranking == ("c1", "c2", "c3")
    assert vote.participant_id != p.id
    (result,) = await store.cohort_results(cohort.id, "mindsets")
    assert result.scores == scores
    assert result.participant_id == vote.participant_id
    assert await store.cohort_members(cohort.id) == []


async def test_a_write_inside_a_conversation_keeps_the_lock(store: Store, clock: FakeClock) -> None:
    """Regression: on PostgreSQL a store write made while handling a message (a facilitator's
    /phase) failed inside the message's transaction; it must join it and keep the lock."""
    cohort = Cohort(uuid.uuid4().hex, "LOCK", "Taller", "es", clock.now())
    await store.create_cohort(cohort)
    p = _participant(clock)
    entered = asyncio.Event()

    async def second() -> None:
        async with store.conversation(p.key, None) as session:
            entered.set()
            await session.commit(Changes())

    async with store.conversation(p.key, None) as session:
        await store.set_round_phase(cohort.id, "voting", clock.now())  # a write, in the middle
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        assert not entered.is_set()
        await session.commit(Changes(participant=p))
    await asyncio.wait_for(waiting, 5)
    assert await store.round_phase(cohort.id) == "voting"


async def test_cohort_answers_come_with_each_members_table(store: Store, clock: FakeClock) -> None:
    cohort = Cohort(uuid.uuid4().hex, "T1", "Taller", "es", clock.now())
    await store.create_cohort(cohort)
    other = Cohort(uuid.uuid4().hex, "T2", "Otro", "es", clock.now())
    await store.create_cohort(other)
    people = [_participant(clock, f"p{n}") for n in range(3)]
    for n, person in enumerate(people):
        run = _run(person, clock)
        workshop = other if n == 2 else cohort
        answer = Answer(
            run.id,
            person.id,
            "mindset_challenges",
            "challenge_1",
            f"reto {n}",
            f"reto {n}",
            clock.now(),
        )
        await _commit(
            store,
            person.key,
            Changes(
                participant=person,
                memberships=[Membership(person.id, workshop.id, clock.now(), table_no=n + 1)],
                runs=[run],
                answers=[answer],
            ),
        )
        clock.advance(seconds=1)
    found = await store.cohort_answers(cohort.id, "mindset_challenges")
    assert [(a.value, table) for a, table in found] == [("reto 0", 1), ("reto 1", 2)]
    assert await store.cohort_answers(cohort.id, "onboarding") == []

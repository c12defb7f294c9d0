"""What /delete leaves behind: nothing of the person's words, charts or number, on disk too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.facilitation.outputs import table_proposals
from bot.rounds.round import standing
from i18n import translator
from storage import Changes
from tests.support import Harness, harness
from tests.workshop import BARRIERS, PROPOSALS, Workshop, seed_workshop


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Harness, Workshop]]:
    async with harness(tmp_path / "e.db", url=database_url) as running:
        yield running, await seed_workshop(running.app.store, running.clock.now())


async def _erase(running: Harness, workshop: Workshop, n: int) -> None:
    person = workshop.people[n]
    async with running.app.store.conversation(person.key, None) as session:
        await session.commit(Changes(erase_participant_id=person.id))


async def test_an_erased_barrier_keeps_its_points_but_not_its_words(
    h: tuple[Harness, Workshop],
) -> None:
    running, workshop = h
    store, cohort, es = running.app.store, workshop.cohort, translator("es")
    before = await standing(store, cohort.id, es)
    points = {r.challenge.id: r.points for r in before.ranking}
    await _erase(running, workshop, 0)  # she wrote barrier A and table 1's proposal
    after = await standing(store, cohort.id, es)
    assert {r.challenge.id: r.points for r in after.ranking} == points
    texts = [r.challenge.label for r in after.ranking]
    assert BARRIERS["A"] not in texts
    assert "[texto eliminado]" in texts
    assert BARRIERS["B"] in texts  # others' words stay
    stored = await store.challenges(cohort.id)
    assert BARRIERS["A"] not in {c.text for c in stored}
    proposal = (await table_proposals(store, cohort.id, translator("pt")))[0]
    _, _, consequences, solution, impact, effort = PROPOSALS[0]
    assert (proposal.solution, proposal.consequences) == ("[texto apagado]", "[texto apagado]")
    assert (proposal.impact, proposal.effort) == (impact, effort)
    everything = str(await store.solutions(cohort.id))
    assert solution not in everything
    assert consequences not in everything


async def test_erasing_removes_their_charts_and_old_charts_are_never_served(
    h: tuple[Harness, Workshop],
) -> None:
    running, workshop = h
    store, now = running.app.store, running.clock.now()
    mine, theirs = workshop.people[20], workshop.people[21]  # WhatsApp members
    await store.put_media("mine", "image/png", b"png-1", now, owner=mine.address)
    await store.put_media("theirs", "image/png", b"png-2", now, owner=theirs.address)
    await _erase(running, workshop, 20)
    assert await store.media("mine", now) is None
    assert await store.media("theirs", now) == ("image/png", b"png-2")
    # A week later it is gone even though no new image was stored to clear it out.
    assert await store.media("theirs", now + timedelta(days=7, seconds=1)) is None


def _files(folder: Path, pattern: str) -> bytes:
    return b"".join(p.read_bytes() for p in folder.glob(pattern))


async def test_the_erased_number_is_not_left_in_the_sqlite_files(tmp_path: Path) -> None:
    db = tmp_path / "disk.db"
    async with harness(db) as running:
        workshop = await seed_workshop(running.app.store, running.clock.now())
        number = workshop.people[25].address.encode()
        name = b"Persona 25"
        await _erase(running, workshop, 25)
        on_disk = _files(tmp_path, "disk.db*")
        assert number not in on_disk
        assert name not in on_disk
        assert workshop.people[26].address.encode() in on_disk  # the check can see numbers

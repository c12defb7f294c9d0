"""What the tables produced, shown where results are: session 2 and session 6 in /results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.facilitation.outputs import challenge_senders, table_challenges, table_proposals
from tests.support import Harness, harness
from tests.workshop import CODE, PROPOSALS, Workshop, seed_workshop


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Harness, Workshop]]:
    async with harness(tmp_path / "o.db", facilitators=["fac"], url=database_url) as running:
        workshop = await seed_workshop(running.app.store, running.clock.now())
        yield running, workshop


async def test_session_two_challenges_by_table(h: tuple[Harness, Workshop]) -> None:
    harness_, workshop = h
    store = harness_.app.store
    groups = await table_challenges(store, workshop.cohort.id)
    assert [(g.table, g.challenges) for g in groups] == [
        (1, ["Miedo al error en la administración", "Trabajo en silos"]),
        (2, ["Falta de incentivos para innovar"]),
        (3, ["Trabajo en silos", "Poca formación digital"]),  # a repeat counted once
    ]
    assert await challenge_senders(store, workshop.cohort.id) == 3
    fac = harness_.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    reply = await fac.send(f"/results mindset_challenges {CODE}")
    assert "3 personas enviaron desafíos" in reply
    assert "Mesa 3:\n• Trabajo en silos\n• Poca formación digital" in reply


async def test_session_six_full_ranking_and_each_tables_proposal(
    h: tuple[Harness, Workshop],
) -> None:
    harness_, workshop = h
    proposals = await table_proposals(harness_.app.store, workshop.cohort.id)
    assert [(p.number, p.table, p.challenge, p.impact, p.effort) for p in proposals] == [
        (1, 1, "Falta de presupuesto", 4, 2),
        (2, 2, "Rotación de personal", 3, 1),
        (3, 3, "Falta de presupuesto", 5, 4),
    ]
    fac = harness_.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    reply = await fac.send(f"/results prioritization {CODE}")
    assert "5. Normas desactualizadas — 20 puntos" in reply  # the whole ranking, not a top
    assert f"Propuesta: {PROPOSALS[1][3]} (impacto 3, esfuerzo 1)" in reply
    assert "2. Mesa 2 — desafío: Rotación de personal" in reply

"""Challenge prioritization: phases, Borda ranking with ties, paging, moderation, tables."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.rounds.round import RoundError, move_phase, summary
from flows.prioritization import ROUND, rank
from i18n import translator
from storage import Challenge
from tests.support import Harness

T0 = datetime(2026, 3, 2, tzinfo=UTC)
TEXTS = {
    "A": "Falta de presupuesto",
    "B": "Resistencia al cambio",
    "C": "Poca conectividad rural",
    "D": "Rotación de personal",
    "E": "Normas desactualizadas",
}
# 30 ballots. By hand: A 42 points (8 firsts), D 42 (5 firsts), B 38 (6 firsts, submitted
# before C), C 38 (6 firsts), E 20. So A before D on first places, B before C on submission.
BALLOTS = (
    [["A", "B", "C"]] * 6
    + [["A", "C", "B"]] * 2
    + [["B", "A", "D"]] * 6
    + [["C", "D", "A"]] * 6
    + [["D", "C", "E"]] * 5
    + [["E", "D", "B"]] * 4
    + [["E", "B", "D"]] * 1
)
EXPECTED = [("A", 42, 8), ("D", 42, 5), ("B", 38, 6), ("C", 38, 6), ("E", 20, 5)]


def test_phases_only_move_forward_one_at_a_time() -> None:
    assert ROUND.move("collecting", "voting") == "voting"
    assert ROUND.move("voting", "discussing") == "discussing"
    assert ROUND.move("collecting", "closed") is None
    assert ROUND.move("voting", "collecting") is None
    assert ROUND.move("closed", "voting") is None


def test_borda_by_hand_with_ties() -> None:
    challenges = [
        Challenge(k, "c", TEXTS[k], T0 + timedelta(seconds=n)) for n, k in enumerate(TEXTS)
    ]
    assert len(BALLOTS) == 30
    ranking = rank(challenges, BALLOTS)
    assert [(r.challenge.id, r.points, r.firsts) for r in ranking] == EXPECTED


def test_merged_votes_count_for_the_target_once_and_hidden_ones_not_at_all() -> None:
    challenges = [
        Challenge("a", "c", "x", T0),
        Challenge("b", "c", "y", T0, merged_into="a"),
        Challenge("h", "c", "z", T0, hidden=True),
    ]
    ranking = rank(challenges, [["b", "a", "h"], ["h", "b"]])
    # Ballot 1: b→a gets 3, then a again is skipped, h is hidden. Ballot 2: b→a gets 2.
    assert [(r.challenge.id, r.points, r.firsts) for r in ranking] == [("a", 5, 1)]


async def test_thirty_participants_vote_and_the_ranking_is_borda(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    people = [h.person(f"p{n:02d}") for n in range(30)]
    for n, person in enumerate(people):
        await person.onboard("ODS2026", name=f"P{n}")
    # Collecting: five people each submit one barrier, A first.
    for person, key in zip(people, TEXTS, strict=False):
        h.clock.advance(seconds=1)
        assert "Primera barrera" in await person.send("Barreras para la implementación")
        await person.send(TEXTS[key])
        assert "Sus barreras quedaron registradas" in await person.send("no")
    change = await move_phase(h.app.store, cohort, "voting", h.clock)
    assert (change.before, change.after, change.announced) == ("collecting", "voting", 30)
    await h.app.sender.drain()
    announced = [people[0].address]
    assert any("La votación está abierta" in m.text for m in h.sender.take(announced[0]))
    for person, ballot in zip(people, BALLOTS, strict=True):
        reply = await person.send("Barreras para la implementación")
        assert "Su primera opción (3 puntos)" in reply
        await person.send(TEXTS[ballot[0]])
        await person.send(TEXTS[ballot[1]])
        assert "su voto quedó registrado" in await person.send(TEXTS[ballot[2]])
    text = await summary(h.app.store, cohort, translator("es"))
    published = [line for line in text.splitlines() if " — " in line]
    assert published == [
        f"{place}. {TEXTS[key]} — {points} puntos"
        for place, (key, points, _) in enumerate(EXPECTED, start=1)
    ]


async def test_voting_again_replaces_the_vote(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    ana = h.person()
    await ana.onboard("ODS2026")
    await ana.send("Barreras para la implementación")
    await ana.send("Falta de presupuesto")
    await ana.send("sí")
    await ana.send("Resistencia al cambio")
    await ana.send("no")
    await move_phase(h.app.store, cohort, "voting", h.clock)
    for first, second in (("1", "1"), ("2", "1")):
        await ana.send("Barreras para la implementación")
        await ana.send(first)
        await ana.send(second)  # the third choice is skipped: only two challenges exist
    (vote,) = await h.app.store.votes(cohort.id)
    challenges = {c.text: c.id for c in await h.app.store.challenges(cohort.id)}
    assert vote.ranking == (challenges["Resistencia al cambio"], challenges["Falta de presupuesto"])


async def test_long_ballots_are_paged(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    people = [h.person(f"p{n}") for n in range(4)]
    for n, person in enumerate(people):
        await person.onboard("ODS2026", name=f"P{n}")
        await person.send("Barreras para la implementación")
        for k in range(3):
            h.clock.advance(seconds=1)
            await person.send(f"Barrera {n}-{k}")
            if k < 2:
                await person.send("sí")
    assert len(await h.app.store.challenges(cohort.id)) == 12
    await move_phase(h.app.store, cohort, "voting", h.clock)
    first = await people[0].send("Barreras para la implementación")
    assert "1. Barrera 0-0" in first
    assert "10. Barrera 3-0" in first
    assert "11. Más opciones ▸" in first
    second_page = await people[0].send("11")
    assert "1. Barrera 3-1" in second_page
    assert "2. Barrera 3-2" in second_page
    assert "3. Más opciones ▸" in second_page
    await people[0].send("2")  # "Barrera 3-2", numbered as shown on this page
    third = await people[0].send("Barrera 0-0")
    assert "Su tercera opción" in third
    assert "Barrera 3-2" not in third  # a challenge is chosen once


async def test_hidden_and_merged_challenges_leave_the_ballot(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    ana = h.person()
    await ana.onboard("ODS2026")
    await ana.send("Barreras para la implementación")
    for text, more in (
        ("Falta de presupuesto", "sí"),
        ("Sin presupuesto", "sí"),
        ("Publicidad de zapatos", None),
    ):
        await ana.send(text)
        if more:
            await ana.send(more)
    ids = {c.text: c.id for c in await h.app.store.challenges(cohort.id)}
    assert await h.app.store.moderate_challenge(ids["Publicidad de zapatos"], hidden=True)
    assert await h.app.store.moderate_challenge(
        ids["Sin presupuesto"], merged_into=ids["Falta de presupuesto"]
    )
    await move_phase(h.app.store, cohort, "voting", h.clock)
    ballot = await ana.send("Barreras para la implementación")
    assert "Falta de presupuesto" in ballot
    assert "Sin presupuesto" not in ballot
    assert "zapatos" not in ballot


async def test_phases_need_challenges_and_follow_the_order(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    with pytest.raises(RoundError, match="no challenges"):
        await move_phase(h.app.store, cohort, "voting", h.clock)
    with pytest.raises(RoundError, match="next phase"):
        await move_phase(h.app.store, cohort, "closed", h.clock)


async def test_discussion_and_closed_results(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    h.app.dispatcher.image_channels = frozenset({"test"})
    ana = h.person()
    await ana.onboard("ODS2026")
    await ana.send("Barreras para la implementación")
    await ana.send("Falta de presupuesto")
    await ana.send("no")
    await move_phase(h.app.store, cohort, "voting", h.clock)
    await ana.send("Barreras para la implementación")
    await ana.send("1")
    await move_phase(h.app.store, cohort, "discussing", h.clock)
    reply = await ana.send("Barreras para la implementación")
    assert "número de su mesa" in reply
    assert "¿Qué desafío o problema es más urgente?" in await ana.send("3")
    assert "consecuencias" in await ana.send("Falta de presupuesto")
    await ana.send("No se podrá financiar la ventanilla única")
    assert "impacto" in await ana.send("Presupuesto participativo digital")
    assert "esfuerzo" in await ana.send("4")
    assert "propuesta de su mesa quedó registrada" in await ana.send("2")
    (solution,) = await h.app.store.solutions(cohort.id)
    assert (solution.table_no, solution.impact, solution.effort) == (3, 4, 2)
    await move_phase(h.app.store, cohort, "closed", h.clock)
    results = await ana.send("Barreras para la implementación")
    assert "La priorización terminó" in results
    assert "1. Falta de presupuesto — 3 puntos" in results
    assert "Presupuesto participativo digital (4 / 2)" in results
    (chart,) = [m.image_png for m in ana.last if m.image_png]
    assert Image.open(io.BytesIO(chart)).size == (720, 1280)  # read on a phone


async def test_round_needs_a_workshop(h: Harness) -> None:
    ana = h.person()
    await ana.onboard()
    reply = await ana.send("Barreras para la implementación")
    assert "Primero únase al suyo con /start" in reply


async def test_at_most_three_barriers_each_across_runs(h: Harness) -> None:
    cohort = await h.create_cohort("ODS2026", "Taller ODS")
    ana = h.person()
    await ana.onboard("ODS2026")
    await ana.send("Barreras para la implementación")
    await ana.send("Uno")
    await ana.send("sí")
    await ana.send("Dos")
    assert "Sus barreras quedaron registradas" in await ana.send("no")
    h.clock.advance(minutes=5)
    await ana.send("Barreras para la implementación")
    # One left: no "add another?" after it.
    assert "Sus barreras quedaron registradas" in await ana.send("Tres")
    full = await ana.send("Barreras para la implementación")
    assert "Ya compartió tres barreras" in full
    texts = [c.text for c in await h.app.store.challenges(cohort.id)]
    assert texts == ["Uno", "Dos", "Tres"]

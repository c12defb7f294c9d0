"""Session 4: each person ranks the three areas with a reason; the workshop and each table see
the order, and the ranking becomes the theme an action plan offers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.facilitation.priorities import priority_orders
from tests.support import Harness, Person, harness

CODE = "ODS2026"
TITLE_ES = "Prioridades de servicios"


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    async with harness(tmp_path / "p.db", facilitators=["fac"], url=database_url) as running:
        await running.create_cohort(CODE)
        yield running


async def rank(person: Person, table: str, order: str, reason: str) -> str:
    """Take session 4 from the menu: table, ranking, reason, no approach."""
    first = await person.send(TITLE_ES)
    assert "Sesión 4" in first
    assert "número de mesa" in first
    assert "Ordene las tres áreas" in await person.send(table)
    assert "¿Por qué" in await person.send(order)
    assert "enfoque nuevo" in await person.send(reason)
    return await person.send("omitir")


async def test_people_rank_the_areas_and_tables_see_their_order(h: Harness) -> None:
    people = [h.person(f"p{n}") for n in range(4)]
    for n, person in enumerate(people):
        await person.onboard(CODE, name=f"Persona {n}")
    done = await rank(people[0], "1", "2, 1, 3", "Sin habilidades no hay cambio")
    assert "Sus prioridades quedaron registradas" in done
    assert "plan de acción" in done
    await rank(people[1], "1", "2, 3, 1", "El personal no usa lo digital")
    await rank(people[2], "2", "3, 1, 2", "Cada secretaría trabaja sola")
    await rank(people[3], "omitir", "1, 2, 3", "Un laboratorio junta a todos")
    fac = h.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    reply = await fac.send(f"/results priorities {CODE}")
    assert f"“{TITLE_ES}” en Taller ODS: 4 personas ordenaron las áreas." in reply
    # 3-2-1 points: skills 3+3+1+2 = 9, coordination 1+2+3+1 = 7, labs 2+1+2+3 = 8.
    assert "1. Habilidades digitales — 9 puntos" in reply
    assert "2. Labs de innovación — 8 puntos" in reply
    assert "3. Coordinación — 7 puntos" in reply
    assert "Mesa 1 (2 personas): Habilidades digitales > Labs de innovación > Coordinación" in (
        reply
    )
    assert "• Sin habilidades no hay cambio" in reply
    assert "Mesa 2 (1 persona): Coordinación" in reply
    assert "Sin mesa indicada (1 persona): Labs de innovación" in reply


async def test_bad_answers_get_the_standard_reprompt(h: Harness) -> None:
    ana = h.person()
    await ana.onboard(CODE)
    await ana.send(TITLE_ES)
    assert "número" in await ana.send("🙂")
    await ana.send("3")
    for bad in ("", "🙂", "x" * 5000, "1, 1, 2", "1, 2"):
        reply = await ana.send(bad)
        assert "envíe los números de sus 3 opciones principales en orden" in reply, bad
        assert "Ordene las tres áreas" in reply
    assert "¿Por qué" in await ana.send("Coordinación, Habilidades digitales, Labs de innovación")
    assert "menos de 500 caracteres" in await ana.send("x" * 600)
    await ana.send("Porque sí")
    await ana.send("Un piloto con vecinos")
    cohort = await h.app.store.cohort_by_code(CODE)
    assert cohort is not None
    flow = h.app.registry.get("priorities").flow
    overall, tables = await priority_orders(h.app.store, flow, cohort.id)
    assert overall.points[0] == ("coordination", 3)
    assert [t.table for t in tables] == [3]
    assert tables[0].words == ("Porque sí", "Un piloto con vecinos")


async def test_session_four_in_portuguese(h: Harness) -> None:
    joao = h.person("joao", hint="pt")
    await joao.open()
    for text in ("1", "sim", "João", "Recife", "Brasil", "3", CODE):
        await joao.send(text)
    first = await joao.send("Prioridades de serviços")
    assert "Sessão 4" in first
    assert "Ordene as três áreas" in await joao.send("5")
    assert "Por que" in await joao.send("1, 3, 2")
    assert "abordagem nova" in await joao.send("Precisamos de um espaço para testar ideias")
    assert "Obrigada! Suas prioridades foram registradas" in await joao.send("pular")

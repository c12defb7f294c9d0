"""The workshop's evaluation and the before/after confidence: launched by the facilitator, and
shown to facilitators (/results, dashboard) only from five people on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.web.app import create_app
from tests.fakes.telegram_api import serve_asgi
from tests.support import TEST_DASHBOARD_TOKEN, Harness, Person, harness

CODE = "ODS2026"


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    async with harness(tmp_path / "e.db", facilitators=["fac"], url=database_url) as running:
        await running.create_cohort(CODE)
        yield running


async def members(h: Harness, n: int) -> list[Person]:
    people = [h.person(f"p{i}") for i in range(n)]
    for i, person in enumerate(people):
        await person.onboard(CODE, name=f"Persona {i}")
    return people


async def launch(h: Harness, fac: Person, flow: str) -> None:
    assert "Comenzando" in await fac.send(f"/launch {flow} {CODE}")
    await h.app.scheduler.run_once()
    await h.app.sender.drain()


async def rate(h: Harness, person: Person, values: list[str]) -> str:
    """Answer the six confidence sentences the launch started."""
    first = "\n".join(m.text for m in h.sender.take(person.address))
    assert "¿Cuánta confianza siente hoy" in first
    assert "Puedo explicarle a mi equipo" in first
    reply = ""
    for value in values:
        reply = await person.send(value)
    return reply


async def evaluate(h: Harness, person: Person, useful: str, mark: str) -> str:
    first = "\n".join(m.text for m in h.sender.take(person.address))
    assert "evaluación breve del taller" in first
    assert "Sesión 1" in first
    for _ in range(5):
        await person.send(useful)
    assert "próximos tres meses" in await person.send(useful)
    reply = await person.send(f"Un laboratorio con {person.address}")
    assert "Del 0 al 10" in reply
    return await person.send(mark)


async def test_confidence_before_and_after_shows_the_change_from_five(h: Harness) -> None:
    people = await members(h, 5)
    fac = h.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    await launch(h, fac, "confidence")
    for person in people:
        results = await rate(h, person, ["2", "2", "1", "2", "3", "2"])
        assert "Sus resultados: Mi confianza en los temas del taller" in results
        assert "Gobierno digital: 0" in results
    reply = await fac.send(f"/results confidence {CODE}")
    assert "5 personas terminaron" in reply
    assert "hasta ahora lo hicieron 0 personas" in reply
    await launch(h, fac, "confidence")
    for n, person in enumerate(people):
        results = await rate(h, person, ["4", "4", "4", "4", "5", "4"] if n else ["5"] * 6)
        assert "cambio +" in results  # each person sees their own change
        if n == 3:
            # Four rated twice: still nothing but the count.
            reply = await fac.send(f"/results confidence {CODE}")
            assert "hasta ahora lo hicieron 4 personas" in reply
            assert "→" not in reply
    reply = await fac.send(f"/results confidence {CODE}")
    assert "Confianza antes y después (0–100), 5 personas se valoraron dos veces:" in reply
    # Digital government: 1 → 4 for four people, 1 → 5 for one: 0 → 80 on 0-100.
    assert "• Gobierno digital: 0 → 80 (+80)" in reply
    assert "• Gobernanza eficaz: 25 → 80 (+55)" in reply


async def test_the_evaluation_waits_for_five_then_shows_averages(
    h: Harness, database_url: str
) -> None:
    people = await members(h, 5)
    fac = h.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    await launch(h, fac, "evaluation")
    for n, person in enumerate(people[:4]):
        assert "¡Gracias! Su evaluación" in await evaluate(h, person, "4", str(7 + n % 3))
    reply = await fac.send(f"/results evaluation {CODE}")
    assert "4 personas terminaron" in reply
    assert "a partir de 5 personas" in reply
    assert "Un laboratorio" not in reply
    # Bad answers get the usual re-prompts: a mark out of range, a word.
    last = people[4]
    first = "\n".join(m.text for m in h.sender.take(last.address))
    assert "Sesión 1" in first
    assert "responda con un número del 1 al 5" in await last.send("🙂")
    for _ in range(6):
        await last.send("5")
    await last.send("Voy a abrir datos del presupuesto")
    assert "Del 0 al 10" in await last.send("11")
    assert "Del 0 al 10" in await last.send("diez")
    await last.send("10")
    reply = await fac.send(f"/results evaluation {CODE}")
    assert "5 personas terminaron" in reply
    assert "• Sesión 1: 4,2" in reply
    assert "Recomendaría el taller (0–10): 8,2" in reply  # (7 + 8 + 9 + 7 + 10) / 5
    assert "• Voy a abrir datos del presupuesto" in reply
    async with (
        serve_asgi(create_app(Settings(), database_url), lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=20) as http,
    ):
        page = await http.get(
            f"/dashboard/{CODE}", headers={"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
        )
    assert page.status_code == 200
    assert "Qué cambió con el taller" in page.text
    assert "5 personas terminaron la evaluación." in page.text
    assert "Voy a abrir datos del presupuesto" in page.text

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
from tests.support import (
    TEST_DASHBOARD_TOKEN,
    Harness,
    Person,
    harness,
    need_chromium,
    screenshots,
)

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


async def test_session_four_and_the_change_fit_a_phone_and_a_projector(
    h: Harness, database_url: str, tmp_path: Path
) -> None:
    chromium = need_chromium()
    from playwright.async_api import async_playwright

    people = await members(h, 5)
    fac = h.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    reasons = [
        "Sin habilidades digitales no hay servicio en línea que funcione",
        "Cada dependencia trabaja por su cuenta y la gente va de ventanilla en ventanilla",
        "Un laboratorio nos dejaría probar antes de gastar",
        "El personal de atención no usa el sistema",
        "Falta un acuerdo con el gobierno estatal",
    ]
    for n, person in enumerate(people):
        await person.send("Prioridades de servicios")
        await person.send(str(1 + n % 2))
        await person.send(["2, 3, 1", "3, 2, 1", "1, 2, 3", "2, 1, 3", "3, 1, 2"][n])
        await person.send(reasons[n])
        await person.send("omitir")
    for values in (["2", "2", "1", "2", "3", "2"], ["4", "4", "4", "4", "5", "4"]):
        await launch(h, fac, "confidence")
        for person in people:
            await rate(h, person, values)
    await launch(h, fac, "evaluation")
    for n, person in enumerate(people):
        await evaluate(h, person, str(3 + n % 3), str(7 + n % 4))
    bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
    async with (
        serve_asgi(create_app(Settings(), database_url), lifespan="on") as url,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for name, width, height in (("projector", 1366, 900), ("phone", 390, 844)):
                context = await browser.new_context(
                    viewport={"width": width, "height": height}, extra_http_headers=bearer
                )
                page = await context.new_page()
                await page.goto(f"{url}/dashboard/{CODE}")
                await page.wait_for_selector("#priorities")
                assert "Habilidades digitales" in await page.inner_text("#priorities + p + table")
                wide = await page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, (name, wide)  # the page never scrolls sideways
                shot = screenshots(tmp_path) / f"dashboard-session4-change-{name}.png"
                await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()

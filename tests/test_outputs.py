"""What the tables produced, shown where results are: session 2 and session 6 in /results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.facilitation.outputs import challenge_senders, table_challenges, table_proposals
from bot.web.app import create_app
from tests.fakes.telegram_api import serve_asgi
from tests.support import TEST_DASHBOARD_TOKEN, Harness, harness, need_chromium, screenshots
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


async def test_the_dashboard_shows_each_tables_challenges_and_proposal(
    h: tuple[Harness, Workshop], database_url: str, tmp_path: Path
) -> None:
    web = create_app(Settings(), database_url)
    bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
    async with (
        serve_asgi(web, lifespan="on") as url,
        httpx.AsyncClient(base_url=url, headers=bearer, timeout=30) as http,
    ):
        html = (await http.get(f"/dashboard/{CODE}")).text
        challenges = html[html.index('id="challenges"') : html.index('id="proposals"')]
        assert "Mesa 3" in challenges
        assert "Poca formación digital" in challenges
        assert "3 personas enviaron los desafíos de sus mesas." in challenges
        proposals = html[html.index('id="proposals"') : html.index('id="matrix"')]
        for _, focus, consequences, solution, impact, effort in PROPOSALS:
            assert all(text in proposals for text in (focus, consequences, solution))
            assert f"<dd>{impact} · {effort}</dd>" in proposals
        assert proposals.count('class="number"') == len(PROPOSALS)
        matrix = await http.get(f"/dashboard/{CODE}/matrix.png")
        assert matrix.headers["content-type"] == "image/png"


async def test_the_tables_work_fits_a_phone_and_a_projector(
    h: tuple[Harness, Workshop], database_url: str, tmp_path: Path
) -> None:
    chromium = need_chromium()
    from playwright.async_api import async_playwright

    web = create_app(Settings(), database_url)
    bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
    async with serve_asgi(web, lifespan="on") as url, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for name, width, height in (("projector", 1366, 900), ("phone", 390, 844)):
                context = await browser.new_context(
                    viewport={"width": width, "height": height}, extra_http_headers=bearer
                )
                page = await context.new_page()
                await page.goto(f"{url}/dashboard/{CODE}")
                await page.wait_for_selector("#proposals")
                # Nothing wider than the screen: the page never scrolls sideways.
                wide = await page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, (name, wide)
                loaded = await page.eval_on_selector("img.chart", "i => i.naturalWidth")
                assert loaded > 0
                shot = screenshots(tmp_path) / f"dashboard-tables-{name}.png"
                await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()

"""Questionnaires on the dashboard: upload, problems by row, fix and upload, listed, launched.

Over HTTP for each rule, then once in headless Chromium as a facilitator would, on a laptop and
on a 390 px phone (screenshots of the upload page with its problems and with the form listed).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.web.app import create_app
from bot.web.csrf import csrf_token
from flows.xlsform import MAX_FORM_BYTES, load_xlsform
from tests.fakes.telegram_api import serve_asgi
from tests.support import TEST_DASHBOARD_TOKEN, harness, need_chromium, screenshots
from tests.workshop import CODE, seed_workshop
from tests.xlsforms import SURVEY, workbook

BEARER = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
# The documentation's form with two mistakes: a duplicate name and a list that is not there.
BROKEN = workbook([*SURVEY[:3], ("select_one colours", "years", "¿Color?", "Cor?", "yes",
                                  None, None, None), *SURVEY[3:]])  # fmt: skip


@pytest.fixture
async def served(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with harness(tmp_path / "seed.db", url=database_url) as seeding:
        await seed_workshop(seeding.app.store, seeding.clock.now())
    web = create_app(Settings(), database_url)
    async with (
        serve_asgi(web, lifespan="on") as url,
        httpx.AsyncClient(base_url=url, headers=BEARER, timeout=20) as http,
    ):
        yield url, http


def _post(http: httpx.AsyncClient, body: bytes, csrf: str | None = None) -> object:
    data = {"csrf": csrf if csrf is not None else csrf_token(Settings())}
    files = {"form": ("pre.xlsx", body, "application/octet-stream")}
    return http.post(f"/dashboard/{CODE}/forms", data=data, files=files)


def _cells(html: str) -> list[str]:
    table = html[html.index('class="problems"') : html.index("</table>")]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]


async def test_a_broken_form_comes_back_with_its_problems_by_row(
    served: tuple[str, httpx.AsyncClient],
) -> None:
    http = served[1]
    refused = await _post(http, BROKEN)  # type: ignore[misc]
    assert refused.status_code == 422
    cells = _cells(refused.text)
    assert cells[:3] == ["survey", "4", "name"]
    assert (
        cells[3] == "El nombre “years” ya se usa en la fila 3. Dé a cada pregunta un nombre propio."
    )
    assert len(cells) == 4  # the list is only checked once the names are right
    assert "pre_survey" not in (await http.get(f"/dashboard/{CODE}/forms")).text


async def test_a_file_over_5_mb_or_not_a_spreadsheet_is_refused_with_a_sentence(
    served: tuple[str, httpx.AsyncClient],
) -> None:
    http = served[1]
    big = io.BytesIO(workbook())
    with zipfile.ZipFile(big, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/photo.bin", b"\0" * MAX_FORM_BYTES)
    refused = await _post(http, big.getvalue())  # type: ignore[misc]
    assert refused.status_code == 422
    assert "El archivo pesa más de 5 MB." in _cells(refused.text)[3]
    refused = await _post(http, b"%PDF-1.7 not a form")  # type: ignore[misc]
    assert "Este archivo no es una hoja de cálculo .xlsx." in _cells(refused.text)[3]


async def test_an_upload_without_the_forms_token_changes_nothing(
    served: tuple[str, httpx.AsyncClient],
) -> None:
    http = served[1]
    assert (await _post(http, workbook(), csrf="forged")).status_code == 403  # type: ignore[misc]
    assert "pre_survey" not in (await http.get(f"/dashboard/{CODE}/forms")).text


async def test_each_upload_is_a_version_listed_launched_and_downloaded(
    served: tuple[str, httpx.AsyncClient],
) -> None:
    http = served[1]
    for _ in range(2):
        stored = await _post(http, workbook())  # type: ignore[misc]
        assert stored.status_code == 303
    html = (await http.get(f"/dashboard/{CODE}/forms")).text
    assert "Encuesta previa al taller" in html
    assert html.index("Versión 2") < html.index("Versión 1")
    assert "/launch pre_survey TALLER30" in html
    assert "Encuesta previa al taller" in (await http.get(f"/dashboard/{CODE}")).text
    data = {"csrf": csrf_token(Settings()), "flow": "pre_survey"}
    launched = await http.post(f"/dashboard/{CODE}/forms/launch", data=data)
    assert launched.status_code == 303
    page = (await http.get(launched.headers["location"])).text
    assert "Comenzando “Encuesta previa al taller” para 30 participantes." in page
    download = await http.get(f"/dashboard/{CODE}/forms/pre_survey.xlsx")
    assert load_xlsform(download.content, "again.xlsx").steps.keys() == {
        "works", "years", "topics", "why", "thanks"
    }  # fmt: skip


@pytest.mark.slow
async def test_a_facilitator_fixes_and_launches_a_form_in_chromium(
    served: tuple[str, httpx.AsyncClient], tmp_path: Path
) -> None:
    chromium = need_chromium()
    from playwright.async_api import async_playwright

    url = served[0]
    broken, fixed = tmp_path / "encuesta.xlsx", tmp_path / "encuesta-corregida.xlsx"
    broken.write_bytes(BROKEN)
    fixed.write_bytes(workbook())
    shots = screenshots(tmp_path)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for name, width in (("desktop", 1280), ("phone", 390)):
                context = await browser.new_context(
                    viewport={"width": width, "height": 900}, extra_http_headers=BEARER
                )
                page = await context.new_page()
                await page.goto(f"{url}/dashboard/{CODE}")
                await page.click("text=Cuestionarios (XLSForm)")
                await page.set_input_files("#form-file", str(broken))
                await page.click("text=Revisar y subir")
                await page.wait_for_selector("#problems")
                assert await page.locator("table.problems tbody tr").count() == 1
                assert await page.evaluate("document.documentElement.scrollWidth") <= width
                await page.screenshot(
                    path=str(shots / f"forms-problems-{name}.png"), full_page=True
                )
                await page.set_input_files("#form-file", str(fixed))
                await page.click("text=Revisar y subir")
                await page.wait_for_selector("#notice")
                assert "Encuesta previa al taller" in await page.inner_text("#form-pre_survey")
                await page.screenshot(path=str(shots / f"forms-listed-{name}.png"), full_page=True)
                await page.click("#form-pre_survey >> text=Lanzar para todas las personas ahora")
                notice = await page.inner_text("#notice")
                assert "para 30 participantes" in notice
                await context.close()
        finally:
            await browser.close()

"""The workshop report (PDF and HTML) from the 30-person workshop, and what a check-in round's end
sends: the updated report to the facilitators, a digest naming only people who agreed."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pypdfium2
import pytest
from pypdf import PdfReader

from bot.cli.main import main
from bot.config import Settings
from bot.followup.round_reports import Audience, report_finished_rounds
from bot.reporting.render import build_report
from bot.web.app import create_app
from storage import Changes, ParticipantKey
from tests.fakes.telegram_api import serve_asgi
from tests.support import CHANNEL, TEST_DASHBOARD_TOKEN, Harness, harness, screenshots
from tests.workshop import CODE, PROPOSALS, Workshop, seed_workshop


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Harness, Workshop]]:
    async with harness(tmp_path / "r.db", facilitators=["fac"], url=database_url) as running:
        workshop = await seed_workshop(running.app.store, running.clock.now())
        yield running, workshop


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


async def test_the_report_holds_the_workshops_figures(
    h: tuple[Harness, Workshop], tmp_path: Path
) -> None:
    running, workshop = h
    app = running.app
    report = await build_report(app.store, app.registry, workshop.cohort, "es", running.clock.now())
    pages, text = _text(report.pdf)
    assert pages > 1
    assert "Informe del taller" in text
    assert "Colaborativa 77,5 ± 17,3" in text  # 50 + 5n over n = 0..11, by hand
    assert "Experimental 80 ± 0" in text
    assert "1 Falta de presupuesto 42" in text
    assert "5 Normas desactualizadas 20" in text
    assert PROPOSALS[1][3] in text  # table 2's proposal
    assert "Trabajo en silos" in text  # session 2
    # The k ≥ 5 rule: three people took the digital government assessment, so no figures.
    assert "3 personas la respondieron. Los promedios aparecen a partir de 5 personas" in text
    assert "Primera vez" not in text  # one person repeated an assessment: no comparison
    assert "Falta de presupuesto (1)" in text  # the blockers named in the check-ins
    portuguese = await build_report(
        app.store, app.registry, workshop.cohort, "pt", running.clock.now()
    )
    assert "Relatório da oficina" in _text(portuguese.pdf)[1]
    assert "Colaborativa" in report.html
    assert "<img" in report.html
    pages_pdf = pypdfium2.PdfDocument(report.pdf)
    DOCS = screenshots(tmp_path)
    for n in range(2):  # the README's picture of the first pages
        image = pages_pdf[n].render(scale=1.2).to_pil()
        image.save(DOCS / f"report-page-{n + 1}.png")


async def test_the_report_from_the_command_line_and_the_dashboard(
    h: tuple[Harness, Workshop], tmp_path: Path, database_url: str
) -> None:
    args = ["report", CODE, "--db", database_url, "--lang", "pt", "--out", str(tmp_path)]
    assert await asyncio.to_thread(main, args) == 0
    pdf = tmp_path / f"minga-report-{CODE}-pt.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Relatório da oficina" in (tmp_path / f"minga-report-{CODE}-pt.html").read_text()
    web = create_app(Settings(), database_url)
    async with serve_asgi(web, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get(f"/dashboard/{CODE}/report.pdf")).status_code == 401
        bearer = {"Authorization": f"Bearer {TEST_DASHBOARD_TOKEN}"}
        got = await http.get(f"/dashboard/{CODE}/report.pdf", headers=bearer, timeout=30)
        assert got.headers["content-type"] == "application/pdf"
        page = await http.get(f"/dashboard/{CODE}/report.html?lang=en", headers=bearer, timeout=30)
        assert "Workshop report" in page.text


async def test_report_in_the_chat(h: tuple[Harness, Workshop]) -> None:
    running, _ = h
    fac = running.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    pointer = await fac.send("/report")
    assert "Aquí no se pueden enviar archivos." in pointer  # this channel takes no files
    running.app.dispatcher.conversation.document_channels = frozenset({CHANNEL})
    await fac.send("/report")
    (document,) = [m for m in fac.last if m.document]
    assert document.document_name == f"minga-report-{CODE}-es.pdf"
    assert document.document.startswith(b"%PDF")


async def test_a_finished_round_reports_to_facilitators_and_digests_to_members(
    h: tuple[Harness, Workshop],
) -> None:
    running, workshop = h
    app = running.app
    store = app.store
    fac = running.person("fac")
    await fac.onboard(CODE, name="Facilitadora")
    people = workshop.people
    # Persons 0 (completed) and 2 (substantial progress) agreed to be named; 1 (completed) did
    # not; 7 stopped workshop messages.
    for changed in (
        replace(people[0], share_progress=True),
        replace(people[2], share_progress=True),
        replace(people[7], opted_out=True),
    ):
        async with store.conversation(changed.key, None) as session:
            await session.commit(Changes(participant=changed))
    audience = Audience(frozenset({ParticipantKey(CHANNEL, "fac")}), frozenset({CHANNEL}))
    now = running.clock.now()
    assert await report_finished_rounds(store, app.registry, audience, now) == 1
    assert await report_finished_rounds(store, app.registry, audience, now) == 0  # once
    rows = await running.rows(
        "SELECT address, payload FROM outbox WHERE dedupe_key LIKE 'digest:%' "
        "OR dedupe_key LIKE 'round-report:%'"
    )
    by_address = {address: payload for address, payload in rows}
    assert "document" in by_address["fac"]  # the facilitator's updated report
    assert "Cómo avanzan las acciones de “Taller de 30”" in by_address[people[0].address]
    digest = by_address[people[3].address]
    assert "2 acciones completadas" in digest
    assert "2 acciones con avance sustancial" in digest
    assert "Municipio 0 (México) completó: “Acción 0”" in digest
    assert "Municipio 2 (México) avanza bien con: “Acción 2”" in digest
    assert "Municipio 1" not in digest  # completed, but did not agree to be named
    assert people[7].address not in by_address  # stopped: no digest
    assert "fac" in by_address
    assert "Cómo avanzan" not in by_address["fac"]

"""A run keeps the form version it started on, on whichever worker its next message lands."""

from __future__ import annotations

from pathlib import Path

from tests.support import FakeClock, Harness, harness
from tests.xlsforms import SURVEY, workbook


def _version_two() -> bytes:
    """The same form_id with a question worded anew (the years one)."""
    rows = [list(row) for row in SURVEY]
    rows[2][2] = "¿Desde qué año trabaja en el municipio?"
    return workbook(rows)


async def test_a_run_keeps_its_version_across_workers(tmp_path: Path, database_url: str) -> None:
    clock = FakeClock()
    async with (
        harness(tmp_path / "a.db", clock, facilitators=["ana"], url=database_url) as a,
        harness(tmp_path / "a.db", clock, url=database_url) as b,
    ):
        cohort = await a.create_cohort("AULA1")
        ana = a.person("ana")
        await ana.onboard("AULA1")
        await a.app.forms.add(workbook(), "pre.xlsx", cohort.id, clock.now())
        await ana.send("/launch pre_survey AULA1")
        assert await _started(a) == ["¿Trabaja en un municipio?"]
        first = await ana.send("1")
        assert "¿Cuántos años lleva en el cargo?" in first
        # Version 2 is uploaded while she answers; her run stays on version 1.
        assert (
            await a.app.forms.add(_version_two(), "pre.xlsx", cohort.id, clock.now())
        ).version == 2
        # Her next message reaches the other worker, which has not loaded version 1 yet (its
        # last look was a moment ago): it looks at once because her run is on it.
        assert not b.app.registry.has_version("pre_survey", 1)
        ana_on_b = b.person("ana")
        reply = await ana_on_b.send("7") or await _drained(a)
        assert "¿Qué temas le interesan?" in reply
        assert b.app.registry.has_version("pre_survey", 1)
        # Health only: "why" is relevant on water, so it is passed by and the form ends.
        assert "¡Gracias!" in (await ana_on_b.send("2") or await _drained(a))
        # A new run starts on the newest version.
        await ana.send("/launch pre_survey AULA1")
        assert await _started(a) == ["¿Trabaja en un municipio?"]
        assert "¿Desde qué año trabaja en el municipio?" in await ana.send("1")


async def _started(h: Harness) -> list[str]:
    """Run the launch's scheduled start and return what it sent."""
    await h.app.scheduler.run_once()
    await h.app.sender.drain()
    return [str(m.text).split("\n")[0] for m in h.sender.take("ana")]


async def _drained(h: Harness) -> str:
    """What a worker's own sender sends of the outbox (two senders share one in PostgreSQL)."""
    await h.app.sender.drain()
    return "\n".join(str(m.text) for m in h.sender.take("ana"))

"""The sample forms of flows/examples/ load, and the scored one scores like a shipped assessment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.facilitation.averages import workshop_averages
from flows.xlsform import load_xlsform_file
from tests.support import Harness, harness

EXAMPLES = Path(__file__).resolve().parent.parent / "flows" / "examples"


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path / "m.db", facilitators=["fac"], url=database_url) as value:
        yield value


def test_the_sample_survey_loads_with_its_skip_logic() -> None:
    flow = load_xlsform_file(EXAMPLES / "pre_workshop_survey.xlsx")
    assert flow.id == "pre_workshop_survey"
    assert flow.steps["area_other"].relevant == "${area} = 'other'"
    # The group's condition goes to each question inside it, joined with the question's own.
    assert flow.steps["has_plan"].relevant == "selected(${topics}, 'planning')"
    assert flow.steps["plan_until"].relevant == (
        "(selected(${topics}, 'planning')) and (${has_plan} = 'yes')"
    )
    assert flow.steps["plan_until"].type == "month"
    assert flow.steps["years"].min == 0
    assert flow.steps["years"].max == 50


async def test_a_scored_form_gives_results_and_workshop_averages_from_five_people(
    h: Harness,
) -> None:
    cohort = await h.create_cohort("CAP1")
    raw = (EXAMPLES / "capacity_assessment.xlsx").read_bytes()
    flow = await h.app.forms.add(raw, "capacity_assessment.xlsx", cohort.id, h.clock.now())
    assert flow.kind == "assessment"
    assert {d.id for d in flow.dimensions} == {"data", "people"}
    people = [h.person(f"p{n}") for n in range(5)]
    for person in people:
        await person.onboard("CAP1")
    fac = h.person("fac")
    await fac.onboard("CAP1")
    assert "Comenzando “Nuestra capacidad de gestión”" in await fac.send(
        "/launch our_capacity CAP1"
    )
    await h.app.scheduler.run_once()
    for n, person in enumerate(people):
        reply = ""
        # data1, data2 agree fully; data3 is reversed (1 = 5); the participation items by n.
        for answer in ("5", "5", "1", str(1 + n % 5), str(1 + n % 5)):
            reply = await person.send(answer)
        assert "Sus resultados: Nuestra capacidad de gestión" in reply
        assert "Datos para decidir: 100" in reply
    found = await workshop_averages(h.app.store, h.app.registry.get(flow.id).flow, cohort.id)
    assert found.people == 5
    assert found.shown
    assert dict((d.id, v) for d, v in found.dimensions) == {"data": 100.0, "people": 50.0}


def test_a_form_in_minga_flows_dir_loads_next_to_the_library(tmp_path: Path) -> None:
    from flows.registry import FlowRegistry

    (tmp_path / "survey.xlsx").write_bytes((EXAMPLES / "pre_workshop_survey.xlsx").read_bytes())
    registry = FlowRegistry.load(extra_folder=tmp_path)
    assert "pre_workshop_survey" in registry
    assert "principles" in registry

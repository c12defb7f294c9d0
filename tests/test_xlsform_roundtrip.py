"""Every shipped flow written as an XLSForm and read back is the same flow, and runs the same."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.cli.flowtest import run_script, shipped_scripts
from flows.model import Flow
from flows.registry import FlowRegistry
from flows.xlsform import load_xlsform
from flows.xlsform.writer import write_xlsform

SHIPPED = FlowRegistry.load()


def _round_trip(flow: Flow) -> Flow:
    return load_xlsform(write_xlsform(flow), f"{flow.id}.xlsx")


@pytest.mark.parametrize("flow_id", sorted(f.id for f in SHIPPED))
def test_a_shipped_flow_read_back_from_its_xlsform_is_the_same_flow(flow_id: str) -> None:
    flow = SHIPPED.get(flow_id).flow
    again = _round_trip(flow)
    # The same questions, options, branches, scores and texts: the dataclasses compare equal.
    assert dataclasses.replace(again, source=flow.source) == flow


@pytest.mark.parametrize("script", shipped_scripts(), ids=lambda p: p.name)
async def test_the_conversation_scripts_run_unchanged_on_flows_read_back(script: object) -> None:
    registry = FlowRegistry([_round_trip(flow) for flow in SHIPPED])
    result = await run_script(script, registry)  # type: ignore[arg-type]
    assert result.ok, "\n".join(result.failures)
    assert result.exchanges > 5


@pytest.mark.parametrize("name", ["pre_workshop_survey.xlsx", "capacity_assessment.xlsx"])
def test_an_uploaded_form_downloaded_and_read_again_is_the_same_flow(name: str) -> None:
    # Its own translations (Spanish first, Portuguese) come back in the same columns.
    raw = (Path(__file__).resolve().parent.parent / "flows" / "examples" / name).read_bytes()
    flow = load_xlsform(raw, name)
    assert flow.texts  # the form's own words, not Minga's catalogs
    assert _round_trip(flow) == dataclasses.replace(flow, source=f"{flow.id}.xlsx")

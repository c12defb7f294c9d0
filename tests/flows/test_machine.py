"""The compiled machine's shortcut for steps with one unconditional way on."""

from __future__ import annotations

from flows.loader import load_flow_file
from flows.machine import CompiledFlow, _Position
from flows.model import Flow
from flows.registry import library_path


def shipped() -> list[Flow]:
    return [load_flow_file(path) for path in sorted(library_path().glob("*.yaml"))]


def test_every_shortcut_leads_where_the_machine_leads() -> None:
    checked = 0
    for flow in shipped():
        compiled = CompiledFlow(flow)
        for (state, event), destination in compiled._fixed.items():
            position = _Position(state)
            assert compiled.machine.events[event].trigger(position)
            assert position.state == destination, (flow.id, state, event)
            checked += 1
    assert checked > 100


def test_a_question_with_branches_is_decided_by_the_machine() -> None:
    branching = 0
    for flow in shipped():
        compiled = CompiledFlow(flow)
        for step in flow.steps.values():
            if not (step.is_question and step.branches):
                continue
            assert (step.id, "answer") not in compiled._fixed
            first = step.branches[0]
            if first.condition.op == "eq":
                assert compiled.answer(step.id, first.condition.value) == first.target
                branching += 1
    assert branching > 0

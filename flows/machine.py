"""The only module that touches `transitions`: one machine per flow version, compiled once.

Per event the runner's position becomes a fresh throwaway model, one trigger fires on it, and it
is dropped, so no participant ever stays resident in a machine and no state is shared. The
position is not registered with `add_model`: registration installs an `is_<state>` helper per
state and a method per event (0.19 ms for a 25-step flow, measured in bench/engine.py, most of a
message's CPU time), and an `Event` needs nothing from its model but the `state` attribute.

Triggers: `answer` (a question was answered; branches are conditional transitions tried in order,
the step's `next` last), `proceed` (leave a step without an answer: a `say` step, or a question
that was prefilled) and `back` (return to the question the run came from).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from transitions import EventData, Machine

from flows.model import END, Condition, Flow, Step

_PASS_THROUGH = "proceed"


class _Position:
    """The model transitions moves: just a state attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class CompiledFlow:
    """A flow compiled into a state machine; fire events with `fire`."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.machine = Machine(
            model=None,
            states=[*flow.steps, END],
            initial=flow.start,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=True,
        )
        for step in flow.steps.values():
            self._add_step(step)
        for step_id, previous in _back_edges(flow).items():
            for target in sorted(previous):
                self.machine.add_transition(
                    "back", step_id, target, conditions=[_wants_target(target)]
                )
        self._fixed = _fixed_destinations(self.machine)

    def _add_step(self, step: Step) -> None:
        if step.end:
            self.machine.add_transition(_PASS_THROUGH, step.id, END)
            return
        assert step.next is not None  # the validator requires it
        if step.is_question:
            for branch in step.branches:
                self.machine.add_transition(
                    "answer", step.id, branch.target, conditions=[_matches(branch.condition)]
                )
            self.machine.add_transition("answer", step.id, step.next)
        self.machine.add_transition(_PASS_THROUGH, step.id, step.next)

    def fire(self, state: str, event: str, **data: Any) -> str | None:
        """Fire one event from `state`; return the new state, or None if nothing moved."""
        fixed = self._fixed.get((state, event))
        if fixed is not None:
            return fixed
        position = _Position(state)
        moved = self.machine.events[event].trigger(position, **data)
        return position.state if moved else None

    def answer(self, state: str, value: Any) -> str:
        """Follow the branch the answer picks, else the step's `next`."""
        moved = self.fire(state, "answer", value=value)
        assert moved is not None  # an unconditional `next` always exists
        return moved

    def proceed(self, state: str) -> str:
        """Leave a step that needs no answer."""
        moved = self.fire(state, _PASS_THROUGH)
        assert moved is not None
        return moved

    def back(self, state: str, target: str) -> bool:
        """Tell whether `back` may go from `state` to `target` (a question that led here)."""
        return self.fire(state, "back", target=target) == target

    def transitions(self) -> list[tuple[str, str, str]]:
        """List `(source, event, destination)` edges, for diagrams."""
        edges: list[tuple[str, str, str]] = []
        for name, event in self.machine.events.items():
            for source, group in event.transitions.items():
                edges.extend((source, name, t.dest) for t in group if t.dest is not None)
        return edges


def _fixed_destinations(machine: Machine) -> dict[tuple[str, str], str]:
    """Where an event always leads from a state: its one transition has no condition.

    Most steps have a single unconditional `next`; triggering the machine for them (an
    `EventData`, the condition and callback lists, the model's state set twice) was a sixth of
    a message's CPU in bench/engine.py. The machine still decides wherever a branch condition
    has to be checked.
    """
    fixed: dict[tuple[str, str], str] = {}
    for name, event in machine.events.items():
        for source, group in event.transitions.items():
            if len(group) != 1:
                continue
            (only,) = group
            plain = not (only.conditions or only.prepare)
            if plain and not (only.before or only.after) and only.dest is not None:
                fixed[(source, name)] = only.dest
    return fixed


def _matches(condition: Condition) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        return condition.matches(event.kwargs.get("value"))

    return check


def _wants_target(target: str) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        return bool(event.kwargs.get("target") == target)

    return check


def _back_edges(flow: Flow) -> dict[str, set[str]]:
    """For each question, the questions one answer earlier (through `say` steps, not actions)."""
    edges: dict[str, set[str]] = {}
    for origin in flow.steps.values():
        if not origin.is_question:
            continue
        stack = [t for t in origin.targets() if t != END]
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            step = flow.steps[current]
            if step.action is not None:
                continue  # going back across it would record its effect a second time
            if step.is_question:
                edges.setdefault(current, set()).add(origin.id)
                if step.prefill is None:
                    continue
            stack.extend(t for t in step.targets() if t != END)
    return edges


class PhaseMachine:
    """A linear process (collecting → voting → …): one `advance` trigger per phase."""

    def __init__(self, phases: tuple[str, ...]) -> None:
        self.phases = phases
        self.machine = Machine(
            model=None,
            states=list(phases),
            initial=phases[0],
            auto_transitions=False,
            ignore_invalid_triggers=True,
        )
        for here, there in pairwise(phases):
            self.machine.add_transition(f"to_{there}", here, there)

    def move(self, phase: str, target: str) -> str | None:
        """Return `target` if the process may go there from `phase` (the next phase only)."""
        if phase not in self.phases or target not in self.phases:
            return None
        event = self.machine.events.get(f"to_{target}")
        if event is None:
            return None
        position = _Position(phase)
        return position.state if event.trigger(position) else None

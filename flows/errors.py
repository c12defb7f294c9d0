"""Errors of flow files, each naming the file and, where it applies, the step."""

from __future__ import annotations

from collections.abc import Sequence


class FlowError(Exception):
    """One problem in one flow file."""

    def __init__(self, source: str, problem: str, step: str | None = None) -> None:
        self.source = source
        self.problem = problem
        self.step = step
        where = f"{source}: step {step!r}" if step else source
        super().__init__(f"{where}: {problem}")


class FlowErrors(Exception):
    """Every problem found in one or more flow files, reported together."""

    def __init__(self, errors: Sequence[FlowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

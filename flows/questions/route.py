"""The route step: never asked, it branches on a value prefilled before the flow reaches it."""

from __future__ import annotations

from typing_extensions import override

from flows.model import Step
from flows.questions.base import AskContext, Invalid, Parsed, QuestionType, Reply


class RouteType(QuestionType):
    """Never asked: branches on a value the dispatcher prefills (the phase of a round, say)."""

    name = "route"

    @override
    def check(self, step: Step) -> list[str]:
        return [] if step.prefill else ["a route step needs 'prefill'"]

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        raise AssertionError("a route step is prefilled, never asked")  # pragma: no cover

"""The workshop-code question, checked against the cohorts the store knows."""

from __future__ import annotations

import re

from typing_extensions import override

from flows.model import Option, Step
from flows.questions.base import AskContext, Invalid, Parsed, QuestionType, Reply
from flows.questions.matching import match_option, option_label
from i18n import N_

_NO_CODE = Option("none", N_("I have no code"))


_CODE = re.compile(r"^[A-Za-z0-9_-]{2,32}$")


class CodeType(QuestionType):
    """A workshop code, checked against the cohorts; "I have no code" is allowed."""

    name = "code"
    has_options = True

    @override
    def fixed_options(self, step: Step) -> tuple[Option, ...]:
        return (_NO_CODE,)

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        option = reply.option or (match_option(reply.text, ctx) if reply.text else None)
        if option is not None:
            return Parsed(None, option_label(option, ctx.tr))
        code = (reply.text or "").strip().removeprefix("#")
        if _CODE.match(code):
            cohort = await ctx.directory.cohort_by_code(code)
            if cohort is not None:
                return Parsed(
                    {"id": cohort.id, "code": cohort.code, "name": cohort.name}, cohort.name
                )
            return Invalid(
                ctx.tr.gettext(
                    "I could not find a workshop with the code {code}. Check it and send it "
                    "again, or choose “I have no code”."
                ).format(code=code.upper())
            )
        return Invalid(
            ctx.tr.gettext(
                "A workshop code is one word of letters and numbers, like ODS2026. "
                "Send it, or choose “I have no code”."
            )
        )

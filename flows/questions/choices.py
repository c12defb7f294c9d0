"""Questions answered from a list: choice, yes or no, likert, multi and ranking."""

from __future__ import annotations

import re

from typing_extensions import override

from flows.model import Option, Step
from flows.questions.base import AskContext, Invalid, Parsed, QuestionType, Reply
from flows.questions.matching import find_option, match_option, option_label
from i18n import N_, Translator


class _ListQuestion(QuestionType):
    """A question over options the step lists (or takes from a data source)."""

    name = "_list"
    has_options = True

    @override
    def check(self, step: Step) -> list[str]:
        if not step.options and not step.options_from:
            return [f"a {self.name} question needs options or options_from"]
        return []


class ChoiceType(_ListQuestion):
    """One option from a list; answered by tapping, by number or by label."""

    name = "choice"

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        option = reply.option or (match_option(reply.text, ctx) if reply.text else None)
        if option is None:
            return Invalid(
                ctx.tr.gettext("Please choose one of the options: tap it or send its number.")
            )
        return Parsed(option.id, option_label(option, ctx.tr))


_YES = Option("yes", N_("Yes"), synonyms=("si", "s", "y", "sim", "ok", "claro", "acepto", "aceito"))


_NO = Option("no", N_("No"), synonyms=("n", "nao", "nop", "nope"))


def yes_or_no(text: str, tr: Translator) -> bool | None:
    """Read a typed yes or no as the yes_no question does ("sí", "Sim", "1"); None if neither."""
    option = find_option(text, tr, (_YES, _NO), (_YES, _NO))
    return None if option is None else option is _YES


class YesNoType(QuestionType):
    """Yes or no, in any of the shipped languages ("sí", "Si", "sim", "1")."""

    name = "yes_no"
    has_options = True

    @override
    def fixed_options(self, step: Step) -> tuple[Option, ...]:
        return (_YES, _NO)

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        option = reply.option or (match_option(reply.text, ctx) if reply.text else None)
        if option is None or option.id not in ("yes", "no"):
            return Invalid(ctx.tr.gettext("Please answer yes or no (1 = yes, 2 = no)."))
        return Parsed(option.id == "yes", option_label(option, ctx.tr))


AGREEMENT = (
    N_("Strongly disagree"),
    N_("Disagree"),
    N_("Neither agree nor disagree"),
    N_("Agree"),
    N_("Strongly agree"),
)
# The middle point's short label, where its whole wording does not fit a list row.
_AGREEMENT_SHORT = {3: N_("Neutral")}
# Built once: every likert question offers the same five (frozen) options.
_LIKERT_OPTIONS = tuple(
    Option(str(n), label, short=_AGREEMENT_SHORT.get(n)) for n, label in enumerate(AGREEMENT, 1)
)


class LikertType(QuestionType):
    """A 1–5 scale with a label for each point; the value is the number."""

    name = "likert"
    has_options = True

    @override
    def check(self, step: Step) -> list[str]:
        if step.options and len(step.options) != 5:
            return ["a likert question has exactly 5 labelled points"]
        return []

    @override
    def fixed_options(self, step: Step) -> tuple[Option, ...]:
        return _LIKERT_OPTIONS

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        option = reply.option or (match_option(reply.text, ctx) if reply.text else None)
        if option is None:
            return Invalid(ctx.tr.gettext("Please answer with a number from 1 to 5."))
        number = ctx.options.index(option) + 1
        return Parsed(number, f"{number} · {option_label(option, ctx.tr)}")


_LIST_SPLIT = re.compile(r"\s*(?:[,;/\n]|\s+(?:y|e|and)\s+)\s*", re.IGNORECASE)


def _pick_many(text: str, ctx: AskContext) -> list[Option] | None:
    """Read "1, 3", "1 3", "1 y 3" or "Salud, Agua" as options; None when any part is unknown."""
    compact = text.strip()
    if re.fullmatch(r"[\d\s,;/.yYeE-]+", compact) and any(c.isdecimal() for c in compact):
        parts = re.findall(r"\d+", compact)
    else:
        parts = [p for p in _LIST_SPLIT.split(compact) if p]
    picked: list[Option] = []
    for part in parts:
        option = match_option(part, ctx)
        if option is None:
            return None
        picked.append(option)
    return picked or None


class MultiType(_ListQuestion):
    """Several options at once ("1, 3"); `min`/`max` bound how many."""

    name = "multi"
    multiple = True

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        picked = [reply.option] if reply.option else _pick_many(reply.text or "", ctx)
        low = int(step.min or 1)
        high = int(step.max or len(ctx.options))
        if picked is not None:
            chosen = [o for o in ctx.options if o in picked]
            if low <= len(chosen) <= high:
                labels = ", ".join(option_label(o, ctx.tr) for o in chosen)
                return Parsed([o.id for o in chosen], labels)
        return Invalid(
            ctx.tr.gettext(
                "Please send the numbers of your choices separated by commas "
                "(between {low} and {high}), for example: 1, 3."
            ).format(low=low, high=high)
        )

    @override
    def hint(self, step: Step, tr: Translator) -> str | None:
        return tr.gettext("You can choose several: send their numbers separated by commas.")


class RankingType(_ListQuestion):
    """The top N of a list, in order ("3, 1, 5" puts option 3 first)."""

    name = "ranking"
    multiple = True

    @override
    def check(self, step: Step) -> list[str]:
        if step.top is not None and step.top < 1:
            return ["top must be at least 1"]
        return super().check(step)

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        top = min(step.top or 3, len(ctx.options))
        picked = _pick_many(reply.text or "", ctx) if reply.text else None
        if picked is not None and len(picked) == top and len(set(picked)) == top:
            labels = " > ".join(option_label(o, ctx.tr) for o in picked)
            return Parsed([o.id for o in picked], labels)
        return Invalid(
            ctx.tr.ngettext(
                "Please send the number of your first choice.",
                "Please send the numbers of your top {top} in order, separated by commas "
                "(for example: 2, 5, 1).",
                top,
            ).format(top=top)
        )

    @override
    def hint(self, step: Step, tr: Translator) -> str | None:
        top = step.top or 3
        return tr.ngettext(
            "Send the number of your first choice.",
            "Send the numbers of your top {top} in order, the most important first.",
            top,
        ).format(top=top)

"""Questions answered by writing: a number, free text, a month, a link."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.dates import get_month_names
from babel.numbers import NumberFormatError, parse_decimal
from typing_extensions import override

from flows.model import Step
from flows.questions.base import AskContext, Invalid, Parsed, QuestionType, Reply
from i18n import Translator, fold


class NumberType(QuestionType):
    """A number, written the participant's way ("1.500", "2,5"), within optional bounds."""

    name = "number"

    @override
    def check(self, step: Step) -> list[str]:
        if step.min is not None and step.max is not None and step.min > step.max:
            return [f"min {step.min} is greater than max {step.max}"]
        return []

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        value = _parse_number((reply.text or "").strip(), ctx.tr)
        integer = bool(step.params.get("integer", False))
        if value is None or (integer and value != value.to_integral_value()):
            return Invalid(self._out_of_range(step, ctx.tr))
        if (step.min is not None and value < Decimal(str(step.min))) or (
            step.max is not None and value > Decimal(str(step.max))
        ):
            return Invalid(self._out_of_range(step, ctx.tr))
        number: int | float = int(value) if value == value.to_integral_value() else float(value)
        return Parsed(number, ctx.tr.number(number))

    def _out_of_range(self, step: Step, tr: Translator) -> str:
        if step.min is not None and step.max is not None:
            return tr.gettext("Please send a number from {low} to {high}.").format(
                low=tr.number(step.min), high=tr.number(step.max)
            )
        return tr.gettext("Please send a number, using digits (for example: 12).")

    @override
    def hint(self, step: Step, tr: Translator) -> str | None:
        if step.min is not None and step.max is not None:
            return tr.gettext("(a number from {low} to {high})").format(
                low=tr.number(step.min), high=tr.number(step.max)
            )
        return None


def _parse_number(text: str, tr: Translator) -> Decimal | None:
    if not text or len(text) > 40:
        return None
    try:
        value = parse_decimal(text, locale=tr.babel_locale, strict=True)
    except NumberFormatError:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None
    return value if value.is_finite() else None


class TextType(QuestionType):
    """Free text with a maximum length; it must contain at least one letter or digit."""

    name = "text"
    default_max = 500

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        text = " ".join((reply.text or "").split())
        limit = int(step.max or self.default_max)
        if not any(c.isalnum() for c in text):
            return Invalid(ctx.tr.gettext("Please answer in words."))
        if len(text) > limit:
            return Invalid(
                ctx.tr.gettext(
                    "That is a bit long: please keep it under {limit} characters "
                    "(yours has {length})."
                ).format(limit=ctx.tr.number(limit), length=ctx.tr.number(len(text)))
            )
        return Parsed(text, text)


_MONTH_NUMERIC = (
    re.compile(r"^(?P<month>\d{1,2})\s*[/.-]\s*(?P<year>\d{4})$"),
    re.compile(r"^(?P<year>\d{4})\s*[/.-]\s*(?P<month>\d{1,2})$"),
)


_MONTH_WORDS = re.compile(r"^(?P<name>[^\d]+?)\s*(?:de|of|del)?\s*(?P<year>\d{4})$")


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for locale in ("es", "pt", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                names[fold(name).rstrip(".")] = number
    names["set"] = 9  # "set 2026", a common Spanish abbreviation of septiembre
    return names


_MONTHS = _month_names()


class MonthType(QuestionType):
    """A month of a year: "marzo 2026", "03/2026", "2026-03"; the value is "2026-03".

    A month before the current one is refused unless the step says `params: {past: true}`.
    """

    name = "month"

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        found = _parse_month(reply.text or "")
        if found is None:
            return Invalid(
                ctx.tr.gettext(
                    "Please write a month and year, for example: {example} or 03/2027."
                ).format(example=ctx.tr.month(2027, 3))
            )
        year, month = found
        now = ctx.now
        if now is not None and not step.params.get("past") and (year, month) < now.timetuple()[:2]:
            # Every shipped month question asks for a deadline; a flow asking about the past
            # says `params: {past: true}`.
            return Invalid(
                ctx.tr.gettext(
                    "That month has already passed ({month}). Please write this month or a "
                    "later one, for example: {example}."
                ).format(
                    month=ctx.tr.month(year, month),
                    example=ctx.tr.month(now.year + 1, now.month),
                )
            )
        return Parsed(f"{year:04d}-{month:02d}", ctx.tr.month(year, month))

    @override
    def hint(self, step: Step, tr: Translator) -> str | None:
        return tr.gettext("(a month and year, for example: {example})").format(
            example=tr.month(2027, 3)
        )


def _parse_month(text: str) -> tuple[int, int] | None:
    cleaned = fold(text).strip(" .")
    if len(cleaned) > 40:
        return None
    for pattern in _MONTH_NUMERIC:
        match = pattern.match(cleaned)
        if match:
            year, month = int(match["year"]), int(match["month"])
            return (year, month) if 1 <= month <= 12 and 2000 <= year <= 2100 else None
    match = _MONTH_WORDS.match(cleaned)
    if match:
        month_number = _MONTHS.get(match["name"].strip(" ,.").rstrip("."))
        year = int(match["year"])
        if month_number and 2000 <= year <= 2100:
            return year, month_number
    return None


# A web address as people type it: with or without the scheme, a host with a dot, then anything.
_LINK = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)


class LinkType(QuestionType):
    """A link to evidence (a page, a document); "gob.mx/x" becomes "https://gob.mx/x"."""

    name = "link"
    max_length = 500

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        text = (reply.text or "").strip().strip("<>")
        if len(text) > self.max_length or not _LINK.match(text):
            return Invalid(
                ctx.tr.gettext(
                    "Please send a web link, for example www.municipio.gob.mx, or choose “Skip”."
                )
            )
        link = text if re.match(r"^https?://", text, re.IGNORECASE) else f"https://{text}"
        return Parsed(link, link)


class ListType(QuestionType):
    """Several short items written at once, one per line or separated by semicolons.

    `min`/`max` bound how many; `params.length` bounds each one (a facilitator's options).
    """

    name = "list"

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        text = (reply.text or "").strip()
        lines = text.splitlines() if "\n" in text else text.split(";")
        items = [" ".join(line.strip(" \t-•*").split()) for line in lines]
        items = [item for item in items if item]
        low, high = int(step.min or 1), int(step.max or 10)
        length = int(step.params.get("length", 100))
        too_long = next((item for item in items if len(item) > length), None)
        if too_long is not None:
            return Invalid(
                ctx.tr.gettext(
                    "“{item}” is a bit long: please keep each one under {limit} characters."
                ).format(item=too_long[:40] + "…", limit=length)
            )
        if not low <= len(items) <= high or len(set(map(fold, items))) < len(items):
            return Invalid(
                ctx.tr.gettext(
                    "Please write from {low} to {high} different items, one per line or "
                    "separated by semicolons."
                ).format(low=low, high=high)
            )
        return Parsed(items, "; ".join(items))

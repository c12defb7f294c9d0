"""The question types, kept in a registry keyed by the `type` a step declares.

Each type checks its own step settings at load, parses a reply in the participant's language, and
says how to answer it. Parsing never raises: a reply is either `Parsed` or `Invalid`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Protocol

from babel.dates import get_month_names
from babel.numbers import NumberFormatError, parse_decimal
from typing_extensions import override

from flows.model import Option, Step
from i18n import N_, Translator, fold
from storage import Cohort


class Directory(Protocol):
    """Read-only lookups a question may need (goflow calls these the session's assets)."""

    async def cohort_by_code(self, code: str) -> Cohort | None:
        """Find a workshop by its code."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the participant sent for the current question: text, or an option they tapped."""

    text: str | None = None
    option: Option | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """An accepted answer: the value to store and how to show it back."""

    value: Any
    display: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """A rejected answer and the translated reason to tell the participant."""

    message: str


@dataclass(frozen=True, slots=True)
class AskContext:
    """What parsing needs besides the reply: the language, the options and lookups."""

    tr: Translator
    options: tuple[Option, ...]
    shown: tuple[Option, ...]
    directory: Directory


class QuestionType(ABC):
    """One kind of question; subclasses register themselves by `name`."""

    name: ClassVar[str]
    has_options: ClassVar[bool] = False
    multiple: ClassVar[bool] = False
    registry: ClassVar[dict[str, QuestionType]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name.startswith("_"):  # abstract helpers stay out of the registry
            QuestionType.registry[cls.name] = cls()

    def check(self, step: Step) -> list[str]:
        """Return problems with the step's settings for this type (empty when fine)."""
        return []

    @abstractmethod
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        """Turn a reply into a value, or say why it is not an answer."""

    def hint(self, step: Step, tr: Translator) -> str | None:
        """Return a short instruction shown under the question, if the type needs one."""
        return None

    def fixed_options(self, step: Step) -> tuple[Option, ...]:
        """Options the type itself supplies when the step lists none."""
        return ()


def option_label(option: Option, tr: Translator) -> str:
    """Return the option's label in the reader's language."""
    return tr.gettext(option.label) if option.translate else option.label


def match_option(text: str, ctx: AskContext, extra: Sequence[Option] = ()) -> Option | None:
    """Find the option a typed answer means: its number as shown, its label, an id or synonym."""
    return _match(text, ctx.tr, (*ctx.options, *extra), ctx.shown)


def _match(
    text: str, tr: Translator, candidates: Sequence[Option], shown: Sequence[Option]
) -> Option | None:
    stripped = text.strip().rstrip(".)")
    if stripped.isdecimal():
        number = int(stripped)
        return shown[number - 1] if 1 <= number <= len(shown) else None
    wanted = fold(text).strip(" .!¡¿?")
    if not wanted:
        return None
    for option in candidates:
        names = (option_label(option, tr), option.id, *option.synonyms)
        if any(fold(name) == wanted for name in names):
            return option
    if len(wanted) >= 3:
        prefixed = [o for o in candidates if fold(option_label(o, tr)).startswith(wanted)]
        if len(prefixed) == 1:
            return prefixed[0]
    return None


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
    option = _match(text, tr, (_YES, _NO), (_YES, _NO))
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
        return tuple(Option(str(n), label) for n, label in enumerate(AGREEMENT, start=1))

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
    """A month of a year: "marzo 2026", "03/2026", "2026-03"; the value is "2026-03"."""

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


class RouteType(QuestionType):
    """Never asked: branches on a value the dispatcher prefills (the phase of a round, say)."""

    name = "route"

    @override
    def check(self, step: Step) -> list[str]:
        return [] if step.prefill else ["a route step needs 'prefill'"]

    @override
    async def parse(self, step: Step, reply: Reply, ctx: AskContext) -> Parsed | Invalid:
        raise AssertionError("a route step is prefilled, never asked")  # pragma: no cover


def question_type(name: str) -> QuestionType | None:
    """Look up a registered question type."""
    return QuestionType.registry.get(name)

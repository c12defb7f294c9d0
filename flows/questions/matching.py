"""How a typed answer finds its option: its number as shown, its label, its id or a synonym."""

from __future__ import annotations

from collections.abc import Sequence

from flows.model import Option
from flows.questions.base import AskContext
from i18n import Translator, fold


def option_label(option: Option, tr: Translator) -> str:
    """Return the option's label in the reader's language."""
    return tr.gettext(option.label) if option.translate else option.label


def short_label(option: Option, tr: Translator) -> str | None:
    """Return the option's short label in the reader's language, if it has one."""
    if option.short is None:
        return None
    return tr.gettext(option.short) if option.translate else option.short


def match_option(text: str, ctx: AskContext, extra: Sequence[Option] = ()) -> Option | None:
    """Find the option a typed answer means: its number as shown, its label, an id or synonym."""
    return find_option(text, ctx.tr, (*ctx.options, *extra), ctx.shown)


def find_option(
    text: str, tr: Translator, candidates: Sequence[Option], shown: Sequence[Option]
) -> Option | None:
    """Find the option `text` means among `candidates`; a number counts among the `shown` ones.

    Otherwise a label, id or synonym must match, or the start (three letters or more) of just
    one label.
    """
    stripped = text.strip().rstrip(".)")
    if stripped.isdecimal():
        number = int(stripped)
        return shown[number - 1] if 1 <= number <= len(shown) else None
    wanted = fold(text).strip(" .!¡¿?")
    if not wanted:
        return None
    for option in candidates:
        names = (
            option_label(option, tr),
            short_label(option, tr) or "",
            option.id,
            *option.synonyms,
        )
        if any(fold(name) == wanted for name in names):
            return option
    if len(wanted) >= 3:
        prefixed = [o for o in candidates if fold(option_label(o, tr)).startswith(wanted)]
        if len(prefixed) == 1:
            return prefixed[0]
    return None

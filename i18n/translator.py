"""A participant's translator: gettext plus locale-aware numbers and dates."""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent

# A form's own text is keyed "form-id.version" + this + its text in the form's first language
# (gettext's own context separator), so its translations never change another flow's words.
FORM_CONTEXT = "\x04"
# locale → scoped msgid → text, filled by the flows a process loads (see `add_form_texts`).
_FORM_TEXTS: dict[str, dict[str, str]] = {}


def add_form_texts(texts: Mapping[str, Mapping[str, str]]) -> None:
    """Make a form's own translations (locale → scoped msgid → text) known to every translator."""
    for locale, found in texts.items():
        _FORM_TEXTS.setdefault(locale, {}).update(found)


def form_text(scoped: str) -> str:
    """Return a scoped msgid's text in the form's first language (its context cut off)."""
    return scoped.partition(FORM_CONTEXT)[2]


class Translator:
    """Translate and format for one locale; one instance per locale, shared by participants."""

    __slots__ = ("_gnu", "babel_locale", "locale")

    def __init__(self, locale: str, translations: gettext.NullTranslations) -> None:
        self.locale = locale
        self.babel_locale = Locale.parse(locale)
        self._gnu = translations

    def gettext(self, message: str) -> str:
        """Translate a message; the English msgid comes back when no translation exists."""
        if FORM_CONTEXT in message:
            return _FORM_TEXTS.get(self.locale, {}).get(message) or form_text(message)
        return self._gnu.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message whose wording depends on a count."""
        return self._gnu.ngettext(singular, plural, n)

    def has(self, message: str) -> bool:
        """Tell whether this locale has its own translation of `message`."""
        if FORM_CONTEXT in message:
            return bool(_FORM_TEXTS.get(self.locale, {}).get(message))
        catalog: dict[object, str] = getattr(self._gnu, "_catalog", {})
        return bool(catalog.get(message))

    def number(self, value: float | int | Decimal) -> str:
        """Format a number the way this locale writes it (1.234,5 in es and pt)."""
        return _decimal(value, self.locale)

    def percent(self, value: float) -> str:
        """Format a 0–1 fraction as a percentage."""
        return format_percent(value, locale=self.babel_locale)

    def date(self, value: date, fmt: str = "long") -> str:
        """Format a date ("23 de noviembre de 2026")."""
        return format_date(value, format=fmt, locale=self.babel_locale)

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        """Format a date and time."""
        return format_datetime(value, format=fmt, locale=self.babel_locale)

    def month(self, year: int, month: int) -> str:
        """Format a month of a year ("marzo de 2026")."""
        return format_skeleton("yMMMM", date(year, month, 1), locale=self.babel_locale)


@lru_cache(maxsize=4096)
def _decimal(value: float | int | Decimal, locale: str) -> str:
    # Results repeat the same few scores (0-100, one decimal) for a whole room: babel's
    # formatting was a tenth of the cost of a finished assessment.
    return format_decimal(value, locale=Locale.parse(locale))

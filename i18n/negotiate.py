"""Pick a shipped locale from what a platform or a person says about their language."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from i18n.catalog import DEFAULT_LOCALE, SHIPPED_LOCALES


def negotiate(hint: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a language code ("pt-br", "es_MX", "en") to a shipped locale, else the default."""
    if not hint:
        return default
    code = hint.strip().replace("-", "_")
    try:
        language = Locale.parse(code).language
    except (ValueError, UnknownLocaleError):
        language = code.split("_", 1)[0].lower()
    return language if language in SHIPPED_LOCALES else default


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case and strip accents, so "Sí", "si" and "SI" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()

"""Load the gettext catalogs shipped with Minga, compiling them in memory.

Compiling at start-up (a few milliseconds) means a fresh clone works without `pybabel compile`,
and a missing catalog is an error here, never a silent fall back to English.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from i18n.translator import Translator

DOMAIN = "minga"
DEFAULT_LOCALE = "es"
SHIPPED_LOCALES = ("es", "pt", "en")
# English is the language of the msgids; the others must translate every one of them.
TRANSLATED_LOCALES = ("es", "pt")


class CatalogError(Exception):
    """A shipped catalog is missing or cannot be read."""


def po_path(locale: str) -> resources.abc.Traversable:
    """Return where the `.po` catalog of a locale lives inside the package."""
    return resources.files("i18n") / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    """Compile and cache the catalog of one shipped locale."""
    if locale not in SHIPPED_LOCALES:
        raise CatalogError(f"locale {locale!r} is not shipped; choose one of {SHIPPED_LOCALES}")
    path = po_path(locale)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
    except FileNotFoundError as exc:
        raise CatalogError(f"catalog for {locale!r} is missing at {path}") from exc
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translator(locale: str) -> Translator:
    """Return the shared translator of a shipped locale."""
    return Translator(locale, translations(locale))


def all_translators() -> dict[str, Translator]:
    """Load every shipped locale; call at start-up so a broken catalog fails early."""
    return {locale: translator(locale) for locale in SHIPPED_LOCALES}

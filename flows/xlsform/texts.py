"""A form's texts in several languages, turned into the msgids a flow holds.

A flow's texts are gettext msgids. A form's text becomes the msgid as it is written in the
form's first language; when every language the form gives already reads that way through
Minga's catalogs (a shipped flow exported and loaded back), the msgid is shared with them.
Otherwise it is scoped to the form ("id.version" + FORM_CONTEXT + text) and the form's own
translations go with the flow, so they never change another flow's words.
"""

from __future__ import annotations

import re

from i18n import FORM_CONTEXT, SHIPPED_LOCALES, translator

_REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")


def references(text: str) -> list[str]:
    """Return the `${name}` references of a label."""
    return _REFERENCE.findall(text)


def as_fields(text: str) -> str:
    """Turn `${name}` into the `{name}` a flow's text fills with the answer."""
    return _REFERENCE.sub(lambda m: "{" + m.group(1) + "}", text)


class FormTexts:
    """Collect a form's msgids and its own translations, scoped to one form version."""

    def __init__(self, scope: str, languages: list[str], default: str | None = None) -> None:
        self.scope = scope
        # The first language is the msgid's; a text missing in a language shows it.
        self.order = [default, *languages] if default else list(languages)
        self.translations: dict[str, dict[str, str]] = {}

    def msgid(self, by_language: dict[str, str]) -> str | None:
        """Return the msgid for a text given per language, or None when it has none."""
        cells = {lang: as_fields(text) for lang, text in by_language.items() if text.strip()}
        if not cells:
            return None
        base = next((cells[lang] for lang in self.order if lang in cells), None)
        if base is None:
            base = next(iter(cells.values()))
        given = {lang: text for lang, text in cells.items() if lang in SHIPPED_LOCALES}
        if all(translator(lang).gettext(base) == text for lang, text in given.items()):
            return base
        scoped = f"{self.scope}{FORM_CONTEXT}{base}"
        for lang, text in given.items():
            self.translations.setdefault(lang, {})[scoped] = text
        return scoped

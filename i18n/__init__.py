"""Translations and formatting: gettext catalogs compiled by babel, one translator per locale."""

from __future__ import annotations

from i18n.catalog import (
    DEFAULT_LOCALE,
    SHIPPED_LOCALES,
    TRANSLATED_LOCALES,
    CatalogError,
    all_translators,
    translator,
)
from i18n.negotiate import fold, negotiate
from i18n.translator import FORM_CONTEXT, Translator, add_form_texts, form_text


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


__all__ = [
    "DEFAULT_LOCALE",
    "FORM_CONTEXT",
    "N_",
    "SHIPPED_LOCALES",
    "TRANSLATED_LOCALES",
    "CatalogError",
    "Translator",
    "add_form_texts",
    "all_translators",
    "fold",
    "form_text",
    "negotiate",
    "translator",
]

"""Jinja2 templates (in bot/web/templates), escaped by default, in the reader's language.

The dashboard's pages and the workshop report are rendered from the same templates.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from i18n import Translator

_templates = Environment(
    loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"])
)


def render(name: str, tr: Translator, **context: Any) -> str:
    """Render a template with `_` and `ngettext` translating into `tr`'s language."""
    template = _templates.get_template(name)
    return template.render(_=tr.gettext, ngettext=tr.ngettext, locale=tr.locale, **context)

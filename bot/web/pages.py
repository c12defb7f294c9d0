"""Server-rendered pages: Jinja2 templates, escaped by default, labels in the page's language."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from i18n import Translator

_templates = Environment(
    loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"])
)


def page(name: str, tr: Translator, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with `_` translating into `tr`'s language."""
    html = _templates.get_template(name).render(_=tr.gettext, locale=tr.locale, **context)
    return HTMLResponse(html, status_code=status)

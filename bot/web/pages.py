"""Dashboard pages: a template rendered in the page's language, as an HTML response."""

from __future__ import annotations

from typing import Any

from starlette.responses import HTMLResponse

from bot.plumbing.templates import render
from i18n import Translator


def page(name: str, tr: Translator, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template as a web page."""
    return HTMLResponse(render(name, tr, **context), status_code=status)

"""Forms that change something carry a token only the dashboard's pages know, and come from us.

The token is an HMAC of the dashboard token (never the token itself); a POST without it, or
whose `Origin` is another site, changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request

from bot.config import Settings

FIELD = "csrf"


def csrf_token(settings: Settings) -> str:
    """Return the token the dashboard's forms carry."""
    key = settings.dashboard_token.get_secret_value() if settings.dashboard_token else ""
    return hmac.new(key.encode(), b"minga csrf", hashlib.sha256).hexdigest()


def same_origin(request: Request, settings: Settings) -> bool:
    """Tell whether a browser's POST came from this site (no Origin: not a browser's form)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    allowed = {f"{request.url.scheme}://{request.url.netloc}"}
    if settings.public_url:
        public = urlsplit(settings.public_url)
        allowed.add(f"{public.scheme}://{public.netloc}")
    return origin in allowed


def form_allowed(request: Request, form: FormData, settings: Settings) -> bool:
    """Tell whether a dashboard form may change something: its token and its origin."""
    given = form.get(FIELD)
    expected = csrf_token(settings)
    token_ok = isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
    return token_ok and same_origin(request, settings)

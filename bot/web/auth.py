"""Who may see the dashboard: MINGA_DASHBOARD_TOKEN as a bearer, or the login form's cookie.

The cookie holds an HMAC of the token, never the token itself. A token shorter than
`DASHBOARD_TOKEN_MIN` authorises nothing (serve refuses to start with one anyway).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.config import DASHBOARD_TOKEN_MIN, Settings
from bot.web.pages import page
from i18n import translator

COOKIE = "minga_dashboard"


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"minga dashboard", hashlib.sha256).hexdigest()


def _token(settings: Settings) -> str | None:
    token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else ""
    # Refused at start-up too; never let an empty key sign a cookie.
    return token if len(token) >= DASHBOARD_TOKEN_MIN else None


def authorised(request: Request, settings: Settings) -> bool:
    """Tell whether the request carries the dashboard token (header) or its cookie."""
    token = _token(settings)
    if token is None:
        return False
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer ") and hmac.compare_digest(
        bearer.removeprefix("Bearer ").encode(), token.encode()
    ):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _cookie_value(token).encode())


def login_form(settings: Settings, failed: bool = False) -> HTMLResponse:
    """Answer 401 with the login form, in the default language."""
    tr = translator(settings.locale)
    return page("login.html", tr, 401, title="Minga", failed=failed, refresh=None, back=None)


def login_routes(settings: Settings) -> list[Route]:
    """Build the route the login form posts to."""

    async def login(request: Request) -> Response:
        form = await request.form()
        given = form.get("token")
        token = _token(settings)
        if token is None or not isinstance(given, str):
            return login_form(settings, failed=True)
        if not hmac.compare_digest(given.encode(), token.encode()):
            return login_form(settings, failed=True)
        response = RedirectResponse("/dashboard/", status_code=303)
        response.set_cookie(
            COOKIE,
            _cookie_value(token),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
        return response

    return [Route("/dashboard/login", login, methods=["POST"])]

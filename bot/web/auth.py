"""Who may see the dashboard: MINGA_DASHBOARD_TOKEN as a bearer, or the login form's cookie.

The cookie holds when it was issued and an HMAC of that time keyed by the token — never the
token — so it stops working after `SESSION_HOURS` even if copied. A token shorter than
`DASHBOARD_TOKEN_MIN` authorises nothing (serve refuses to start with one anyway). Wrong
tokens, from the form or as a bearer, are counted per client address: after
`FAILED_LOGINS`, that address is refused for a while, right token or not.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.config import DASHBOARD_TOKEN_MIN, Settings
from bot.web.pages import page
from i18n import translator

COOKIE = "minga_dashboard"
SESSION_HOURS = 12
# Per client address, counted in this process. A token of 24+ random characters cannot be
# guessed at this pace; the limit keeps a script from trying, and from filling the logs.
FAILED_LOGINS = parse("10 per 15 minutes")


class LoginGuard:
    """Counts wrong dashboard tokens per client address and says when one must wait."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def blocked(self, client: str) -> bool:
        """Tell whether this address has used up its wrong tries."""
        return not self._limiter.test(FAILED_LOGINS, client)

    def failed(self, client: str) -> None:
        """Count a wrong token from this address."""
        self._limiter.hit(FAILED_LOGINS, client)


def _signature(token: str, issued: int) -> str:
    message = f"minga dashboard {issued}".encode()
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


def cookie_value(token: str, issued: int) -> str:
    """Return the session cookie issued at `issued` (seconds since the epoch)."""
    return f"{issued}.{_signature(token, issued)}"


def _cookie_valid(cookie: str, token: str) -> bool:
    issued_text, _, signature = cookie.partition(".")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    if not 0 <= time.time() - issued < SESSION_HOURS * 3600:
        return False
    return hmac.compare_digest(signature.encode(), _signature(token, issued).encode())


def _token(settings: Settings) -> str | None:
    token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else ""
    # Refused at start-up too; never let an empty key sign a cookie.
    return token if len(token) >= DASHBOARD_TOKEN_MIN else None


def _guard(request: Request) -> LoginGuard:
    guard = getattr(request.app.state, "login_guard", None)
    if guard is None:
        guard = request.app.state.login_guard = LoginGuard()
    assert isinstance(guard, LoginGuard)
    return guard


def client_address(request: Request) -> str:
    """Return the address a request came from (uvicorn resolves a trusted proxy's header)."""
    return request.client.host if request.client else "unknown"


def authorised(request: Request, settings: Settings) -> bool:
    """Tell whether the request carries the dashboard token (header) or a live cookie."""
    token = _token(settings)
    if token is None:
        return False
    guard, client = _guard(request), client_address(request)
    if guard.blocked(client):
        return False
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        if hmac.compare_digest(bearer.removeprefix("Bearer ").encode(), token.encode()):
            return True
        guard.failed(client)
        return False
    return _cookie_valid(request.cookies.get(COOKIE, ""), token)


def sent_by_script(request: Request) -> bool:
    """Tell whether an authorised request came with the bearer token (a browser sends none).

    Another site can make a browser send our cookie, never our token: such requests need no
    CSRF token.
    """
    return request.headers.get("Authorization", "").startswith("Bearer ")


def login_form(settings: Settings, failed: bool = False, waiting: bool = False) -> HTMLResponse:
    """Answer 401 (429 while the address must wait) with the login form."""
    tr = translator(settings.locale)
    status = 429 if waiting else 401
    return page(
        "login.html", tr, status, title="Minga", failed=failed, waiting=waiting, refresh=None,
        back=None,
    )  # fmt: skip


def secure_cookies(request: Request, settings: Settings) -> bool:
    """Tell whether cookies must be HTTPS-only: the public URL says so, or this request is."""
    public = settings.public_url or ""
    return public.startswith("https://") or request.url.scheme == "https"


def login_routes(settings: Settings) -> list[Route]:
    """Build the routes the login and logout forms post to."""

    async def login(request: Request) -> Response:
        guard, client = _guard(request), client_address(request)
        if guard.blocked(client):
            return login_form(settings, waiting=True)
        form = await request.form()
        given = form.get("token")
        token = _token(settings)
        if token is None or not isinstance(given, str):
            return login_form(settings, failed=True)
        if not hmac.compare_digest(given.encode(), token.encode()):
            guard.failed(client)
            return login_form(settings, failed=True)
        response = RedirectResponse("/dashboard/", status_code=303)
        response.set_cookie(
            COOKIE,
            cookie_value(token, int(time.time())),
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request, settings),
            max_age=SESSION_HOURS * 3600,
        )
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/dashboard/", status_code=303)
        response.delete_cookie(
            COOKIE, httponly=True, samesite="strict", secure=secure_cookies(request, settings)
        )
        return response

    return [
        Route("/dashboard/login", login, methods=["POST"]),
        Route("/dashboard/logout", logout, methods=["POST"]),
    ]

"""Security headers on every page a person's browser opens: the dashboard, the projector, exports.

Nothing is framed by another site (clickjacking), scripts come only from Minga itself, the
browser does not guess content types, links do not leak the URL (a projector key is in it), and
pages and exports are never cached where a shared computer could show them later.
"""

from __future__ import annotations

from bot.web.limits import ASGIApp, Message, Receive, Scope, Send

BROWSER_PATHS = ("/dashboard", "/live", "/api", "/metrics")
# Inline styles stay (the templates carry their CSS); inline scripts do not exist.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # Not "no-referrer": under it Chromium sends `Origin: null` with a form's POST, and the
    # dashboard's CSRF check (bot/web/csrf.py) then refused every form a browser sent.
    # same-origin still tells other sites nothing.
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware: add the headers above (and no-store) to the browser-facing routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response's start."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(BROWSER_PATHS):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

"""The twilio package's async HTTP client, pointed at MINGA_TWILIO_API_URL.

twilio has no base-URL setting (its hosts are written into each domain), so a fake or a proxy is
reached by rewriting the scheme and host of every request it makes.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import encode_basic_auth
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from typing_extensions import override

REQUEST_SECONDS = 10.0
FORM = "application/x-www-form-urlencoded"


class RebasedTwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Send twilio's requests to `base_url` instead of https://*.twilio.com."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=REQUEST_SECONDS)
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._authorization = lru_cache(maxsize=4)(encode_basic_auth)

    @override
    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Rewrite the URL, then send as twilio would, always with a timeout."""
        headers = dict(headers or {})
        if auth is not None:  # as a header: aiohttp deprecates BasicAuth objects
            headers["Authorization"] = self._authorization(*auth)
        body: bytes | dict[str, object] | None = data
        if data is not None:
            # Encoded here: given a dict, aiohttp builds a FormData (and a multipart writer)
            # for every message, a third of the send path's time.
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = FORM
        parts = urlsplit(url)
        rebased = urlunsplit(
            (self._scheme, self._netloc, self._prefix + parts.path, parts.query, "")
        )
        result: Response = await super().request(
            method,
            rebased,
            params=params,
            data=body,
            headers=headers,
            auth=None,
            timeout=timeout or REQUEST_SECONDS,
            allow_redirects=allow_redirects,
        )
        return result

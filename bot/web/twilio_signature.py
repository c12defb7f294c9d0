"""Read a Twilio webhook: its form body, accepted only when `X-Twilio-Signature` matches.

twilio's `RequestValidator.validate` computes the HMAC twice on every request (the URL with and
without its port, since Twilio signs either) and Starlette's form parser handles multipart too;
here the urlencoded body is parsed once and the second HMAC is computed only when the first
does not match. The HMAC itself is still twilio's `compute_signature`.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from twilio.request_validator import RequestValidator, add_port, remove_port


class TwilioSignature:
    """Check Twilio's signature of form posts made to our public URL."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._base = public_url.rstrip("/")
        self._urls = lru_cache(maxsize=64)(self._signed_urls)

    def _signed_urls(self, path: str, query: str) -> tuple[str, ...]:
        """Spell the URL Twilio called as it may have signed it: without its port, then with."""
        url = self._base + path + ("?" + query if query else "")
        parts = urlsplit(url)
        forms = (remove_port(parts), add_port(parts))
        return forms if forms[0] != forms[1] else forms[:1]

    def form(self, path: str, query: str, body: bytes, signature: str) -> dict[str, str] | None:
        """Return the posted form if the signature matches it, else None."""
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return None
        params = dict(parse_qsl(text, keep_blank_values=True))
        for url in self._urls(path, query):
            computed = self._validator.compute_signature(url, params)
            if hmac.compare_digest(computed.encode(), signature.encode()):
                return params
        return None

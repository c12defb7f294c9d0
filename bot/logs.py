"""Logging for every `minga` command, with phone numbers and secrets masked on the way out.

Libraries log what they see — a Bot API URL carries the bot token, a Twilio error may quote a
phone number — so masking happens in one filter on the handler, for every logger at once.
"""

from __future__ import annotations

import logging
import re
import sys

# A Telegram bot token (digits, a colon, 35 characters), an E.164-looking number (7–15 digits,
# with or without "+"), and anything after "token=", "secret=" or "Authorization:".
_PATTERNS = (
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"), "[bot-token]"),
    (re.compile(r"(?<![\w.])\+?\d[\d ]{6,17}\d(?![\w.])"), "[number]"),
    (
        re.compile(
            r"(?i)\b(token|secret|authorization|auth_token)([=:]\s*)((?:basic|bearer)\s+)?(\S+)"
        ),
        r"\1\2\3[redacted]",
    ),
)


def redact(text: str) -> str:
    """Mask bot tokens, phone numbers and secrets in a log line."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record's final message (and traceback) with `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drop it."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to standard error through the redacting filter (uvicorn's loggers included)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "twilio.http_client", "aiohttp.access", "telegram.ext"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True

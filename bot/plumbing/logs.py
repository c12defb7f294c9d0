"""Logging for every `minga` command, with phone numbers and secrets masked on the way out.

Libraries log what they see — a Bot API URL carries the bot token, a Twilio error may quote a
phone number — so masking happens in one filter on the handler, for every logger at once. A
number keeps its country prefix and last four digits (`+52…4821`): enough to tell two people
apart while debugging, not enough to call anyone. Off a terminal (a service, a container) each
line is one JSON object, for the log collector.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

# A Telegram bot token (digits, a colon, 35 characters), an E.164-looking number (7–15 digits,
# with or without "+"), and anything after "token=", "secret=" or "Authorization:".
_PATTERNS = (
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"), "[bot-token]"),
    (re.compile(r"(?<![\w.])\+?\d[\d ]{6,17}\d(?![\w.])"), lambda m: _masked(m.group())),
    (
        re.compile(
            r"(?i)\b(token|secret|authorization|auth_token)([=:]\s*)((?:basic|bearer)\s+)?(\S+)"
        ),
        r"\1\2\3[redacted]",
    ),
)


NOISY_LOGGERS = ("httpx", "twilio", "aiohttp.access", "telegram.ext", "transitions")


def _masked(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    return f"{'+' if number.startswith('+') else ''}{digits[:2]}…{digits[-4:]}"


def describe(exc: BaseException) -> str:
    """Name an exception and where it was raised, without its message (which may quote data)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/site-packages/" not in f.filename] or frames
    where = (
        f" at {Path(ours[-1].filename).name}:{ours[-1].lineno} in {ours[-1].name}" if ours else ""
    )
    return f"{type(exc).__name__}{where}"


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


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the (already masked) record as JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, as_json: bool | None = None) -> None:
    """Log to standard error through the redacting filter (uvicorn's loggers included).

    `as_json`: JSON lines; by default when standard error is not a terminal.
    """
    handler = logging.StreamHandler(sys.stderr)
    if as_json is None:
        as_json = not sys.stderr.isatty()
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-message chatter at INFO: transitions logs every state entered and left, twilio every
    # request's headers (5 % and 10 % of `minga serve`'s CPU under load).
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True

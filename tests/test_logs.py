"""No phone number or token reaches the logs, whoever logs it."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.plumbing.logs import RedactingFilter, configure_logging, redact

TOKEN = "123456789:AAHk3-very-secret-token-abcdefghijklmn"


def test_redact_masks_numbers_tokens_and_secrets() -> None:
    line = (
        f"POST https://api.telegram.org/bot{TOKEN}/sendMessage to whatsapp:+5215512345678 "
        "and +55 11 99999 0000; secret=abc123 Authorization: Basic QUM6dG9r"
    )
    masked = redact(line)
    assert TOKEN not in masked
    assert "5215512345678" not in masked
    assert "99999" not in masked
    assert "abc123" not in masked
    assert "QUM6dG9r" not in masked
    assert "[bot-token]" in masked
    assert "whatsapp:+52…5678" in masked  # the country and the last four digits stay
    assert "+55…0000" in masked
    # Ordinary numbers stay: a row id, a year, a status code.
    assert redact("outbox row 1234 failed in 2026 with 429") == (
        "outbox row 1234 failed in 2026 with 429"
    )


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("minga.test.redaction")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("The 'To' number +5215512345678 is not valid")
        except ValueError:
            logger.exception("sending to %s failed", "+5491155550001")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "5215512345678" not in text
    assert "5491155550001" not in text
    assert "ValueError" in text


def test_libraries_do_not_log_each_message_at_info() -> None:
    """twilio logs every request's headers and transitions every state change at INFO."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging(as_json=True)
    try:
        for name in ("twilio.async_http_client", "twilio.http_client", "transitions.core"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger("bot.sending.outbox").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_minga_serve_logs_no_token(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MINGA_DATABASE_URL": f"sqlite:///{tmp_path}/l.db",
        "MINGA_TELEGRAM_TOKEN": TOKEN,
        "MINGA_TELEGRAM_API_URL": "http://127.0.0.1:9/bot",  # nothing listens: errors get logged
        "MINGA_TELEGRAM_WEBHOOK_SECRET": "hook-secret-value",
    }
    port = 16000 + os.getpid() % 1000
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5215512345678, "type": "private"},
                "from": {"id": 5215512345678, "is_bot": False, "first_name": "A"},
                "text": "/start",
            },
        }
        httpx.post(
            f"http://127.0.0.1:{port}/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret-value"},
        )
        time.sleep(2)  # the send fails and is retried: whatever gets logged, gets logged now
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "Application startup complete" in output  # uvicorn's lines come through our handler
    # Not a terminal: every line is a JSON object.
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert "5215512345678" not in output
    assert "hook-secret-value" not in output

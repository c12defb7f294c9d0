"""Kill `minga chat` with SIGKILL mid-onboarding and restart it: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.channels.console import render
from storage import Outbound

pytestmark = pytest.mark.slow

ANSWERS = ["1", "sí", "Ana", "Cuenca", "Chile", "3", "1"]
ALL_STEPS = ["language", "consent", "name", "municipality", "country", "role", "cohort"]


def _chat(
    db: Path, lines: list[str], failpoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("MINGA_FAILPOINT", None)
    if failpoint:
        env["MINGA_FAILPOINT"] = failpoint
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(db), "--as", "ana"],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _rows(db: Path) -> list[tuple[str, Outbound]]:
    with sqlite3.connect(db) as conn:
        return [
            (status, Outbound.from_json(json.loads(payload)))
            for status, payload in conn.execute("SELECT status, payload FROM outbox")
        ]


def _answers(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [step for (step,) in conn.execute("SELECT step_id FROM answers ORDER BY id")]


def _assert_each_committed_reply_printed_once(db: Path, transcript: str) -> None:
    rows = _rows(db)
    assert rows
    assert {status for status, _ in rows} == {"sent"}, "a committed reply was never sent"
    shown = [render(message) for _, message in rows]
    for text in shown:
        expected = sum(other.count(text) for other in shown)
        assert transcript.count(text) == expected, f"printed {transcript.count(text)}x: {text!r}"


def _finish(db: Path, transcript: str, remaining: list[str]) -> str:
    second = _chat(db, remaining)
    assert second.returncode == 0, second.stderr
    assert "Sigamos donde lo dejó" in second.stdout or "Soy Minga" in second.stdout
    return transcript + second.stdout


@pytest.mark.parametrize("commits", [2, 4, 6])
def test_kill_after_commit_sends_the_committed_reply_once(tmp_path: Path, commits: int) -> None:
    db = tmp_path / "minga.db"
    first = _chat(db, ANSWERS, failpoint=f"after_commit:{commits}")
    assert first.returncode == -signal.SIGKILL
    handled = commits - 1  # the first commit is the opening
    assert len(_answers(db)) == handled
    transcript = _finish(db, first.stdout, ANSWERS[handled:])
    assert "Todo listo, Ana" in transcript
    assert _answers(db) == ALL_STEPS
    _assert_each_committed_reply_printed_once(db, transcript)


def test_kill_before_commit_loses_nothing_already_recorded(tmp_path: Path) -> None:
    db = tmp_path / "minga.db"
    first = _chat(db, ANSWERS, failpoint="before_commit:4")
    assert first.returncode == -signal.SIGKILL
    assert _answers(db) == ["language", "consent"]
    # The lost message is sent again, as a platform redelivers an unanswered webhook.
    transcript = _finish(db, first.stdout, ANSWERS[2:])
    assert _answers(db) == ALL_STEPS
    _assert_each_committed_reply_printed_once(db, transcript)


def test_kill_after_claim_requeues_the_claimed_reply(tmp_path: Path) -> None:
    db = tmp_path / "minga.db"
    first = _chat(db, ANSWERS, failpoint="after_claim:3")
    assert first.returncode == -signal.SIGKILL
    assert "sending" in {status for status, _ in _rows(db)}
    handled = len(_answers(db))
    transcript = _finish(db, first.stdout, ANSWERS[handled:])
    _assert_each_committed_reply_printed_once(db, transcript)


def test_sigkill_between_messages_resumes_at_the_same_question(tmp_path: Path) -> None:
    db = tmp_path / "minga.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--db", str(db), "--as", "ana"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    seen = ""
    for answer, expected in zip(
        ANSWERS[:4], ["Privacidad", "¿Cómo se llama?", "Mucho gusto", "¿En qué país?"], strict=True
    ):
        proc.stdin.write(answer + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 20
        # Read the whole reply (a message ends with a blank line), not just its first line.
        while expected not in seen or not seen.endswith("\n\n"):
            assert time.monotonic() < deadline, seen
            seen += proc.stdout.readline()
    # Between messages means idle: every reply printed and recorded as sent. (A kill between a
    # print and its record resends that reply on restart; the failpoint tests pin the rest.)
    while {status for status, _ in _rows(db)} != {"sent"}:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    second = _chat(db, ["Chile", "3", "1"])
    assert "¡Hola de nuevo, Ana! Sigamos donde lo dejó." in second.stdout
    assert second.stdout.index("¿En qué país?") < second.stdout.index("¿Cuál es su cargo?")
    assert _answers(db) == ALL_STEPS
    _assert_each_committed_reply_printed_once(db, seen + second.stdout)

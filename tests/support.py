"""Helpers shared by tests: a controllable clock and a driver for whole conversations."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, open_app
from bot.channels.console import render
from bot.channels.memory import MemorySender
from bot.conversation.inbound import Inbound, InboundKind
from storage import (
    Changes,
    Cohort,
    Membership,
    Outbound,
    Participant,
    ParticipantKey,
    open_store,
)
from storage.sql_store import SQLStore

CHANNEL = "test"
# Every served app in the tests has a dashboard, so every one needs a token long enough for it.
TEST_DASHBOARD_TOKEN = "test-dashboard-token-0123456789abcdef"
POSTGRES_URL = os.environ.get(
    "MINGA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Harness:
    app: App
    sender: MemorySender
    clock: FakeClock

    async def create_cohort(self, code: str = "ODS2026", name: str = "Taller ODS") -> Cohort:
        cohort = Cohort(uuid.uuid4().hex, code, name, "es", self.clock.now())
        await self.app.store.create_cohort(cohort)
        return cohort

    def person(self, address: str = "ana", hint: str | None = "es") -> Person:
        return Person(self, address, hint)

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the store directly, on either backend (`?` placeholders)."""
        store = self.app.store
        assert isinstance(store, SQLStore)
        return [tuple(row) for row in await store._fetchall(sql, params)]


class Person:
    """One participant: says things and reads what the bot answered."""

    def __init__(self, harness: Harness, address: str, hint: str | None) -> None:
        self.h = harness
        self.address = address
        self.hint = hint
        self.last: list[Outbound] = []

    async def send(
        self,
        text: str | None = None,
        *,
        kind: InboundKind = "text",
        choice: str | None = None,
        external_id: str | None = None,
    ) -> str:
        if choice is not None:
            kind = "choice"
        inbound = Inbound(
            CHANNEL,
            self.address,
            kind,
            self.h.clock.now(),
            text=text,
            choice=choice,
            external_id=external_id,
            language_hint=self.hint,
        )
        await self.h.app.dispatcher.handle(inbound)
        # A person takes a moment over each message (and stays under the burst limit).
        self.h.clock.advance(seconds=1)
        await self.h.app.sender.drain()
        self.last = self.h.sender.take(self.address)
        return "\n\n".join(render(m) for m in self.last)

    async def open(self) -> str:
        return await self.send(kind="open")

    def choice_id(self, label: str) -> str:
        for message in reversed(self.last):
            for choice in message.choices:
                if choice.label == label:
                    return choice.id
        raise AssertionError(f"no button {label!r} in {[m.choices for m in self.last]}")

    async def onboard(self, code: str | None = None, name: str = "Ana") -> str:
        await self.open()
        await self.send("1")  # the language offered first (the hint)
        await self.send("sí")
        await self.send(name)
        await self.send("Cuenca")
        await self.send("Ecuador")
        await self.send("3")
        return await self.send(code or "1")


@asynccontextmanager
async def harness(
    db: Path,
    clock: FakeClock | None = None,
    facilitators: Sequence[str] = (),
    url: str | None = None,
) -> AsyncIterator[Harness]:
    clock = clock or FakeClock()
    sender = MemorySender(CHANNEL)
    keys = frozenset(ParticipantKey(CHANNEL, address) for address in facilitators)
    async with open_app(
        url or f"sqlite:///{db}", {CHANNEL: sender}, clock=clock, facilitators=keys
    ) as app:
        yield Harness(app, sender, clock)


def seed_cohort(db: Path, code: str, members: int, first_address: int = 100_000) -> str:
    """Create a workshop with `members` onboarded Telegram members straight in the database.

    For crash tests and benchmarks that need thousands of people, not their conversations.
    """
    now = datetime.now(UTC).isoformat()
    cohort = uuid.uuid4().hex
    people = [(uuid.uuid4().hex, str(first_address + n)) for n in range(members)]
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO cohorts (id, code, name, locale, created_at) VALUES (?, ?, ?, ?, ?)",
            (cohort, code, f"Taller {code}", "es", now),
        )
        conn.executemany(
            "INSERT INTO participants (id, channel, address, locale, created_at, name, consent, "
            "consent_at, onboarded) VALUES (?, 'telegram', ?, 'es', ?, 'P', 1, ?, 1)",
            [(pid, address, now, now) for pid, address in people],
        )
        conn.executemany(
            "INSERT INTO memberships (participant_id, cohort_id, joined_at) VALUES (?, ?, ?)",
            [(pid, cohort, now) for pid, _ in people],
        )
    return cohort


def serve_process(
    db: Path, api: str, port: int, failpoint: str | None, **settings: str
) -> subprocess.Popen[bytes]:
    """Start `minga serve` on a database and a Telegram API, optionally armed to die at a point.

    Extra `settings` are MINGA_* variables by their lower-case names (`outbox_batch="1"`).
    """
    env = {
        **os.environ,
        "MINGA_DATABASE_URL": f"sqlite:///{db}",
        "MINGA_TELEGRAM_TOKEN": "1:a",
        "MINGA_TELEGRAM_API_URL": api,
        "MINGA_TELEGRAM_WEBHOOK_SECRET": "s",
        "MINGA_TELEGRAM_RATE": "100000",
        **{f"MINGA_{name.upper()}": value for name, value in settings.items()},
    }
    env.pop("MINGA_FAILPOINT", None)
    if failpoint:
        env["MINGA_FAILPOINT"] = failpoint
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@functools.cache
def postgres_problem() -> str | None:
    """Why the test PostgreSQL cannot be used (None when it can): checked once per run."""
    parts = urllib.parse.urlsplit(POSTGRES_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"PostgreSQL is not reachable at {host}:{port} ({exc}); set MINGA_TEST_POSTGRES_URL"


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh, empty schema in the test database for one test; its URL, dropped after."""
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}search_path={schema}"
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


async def seed_members(url: str, code: str, people: int, first: int = 10_000) -> str:
    """A workshop with `people` onboarded Telegram members, through the store (any backend)."""
    store = await open_store(url, lambda: datetime.now(UTC))
    try:
        now = datetime.now(UTC)
        cohort = Cohort(uuid.uuid4().hex, code, f"Taller {code}", "es", now)
        await store.create_cohort(cohort)
        for n in range(people):
            person = Participant(
                uuid.uuid4().hex, "telegram", str(first + n), "es", now,
                name=f"P{n}", consent=True, consent_at=now, onboarded=True,
            )  # fmt: skip
            async with store.conversation(person.key, None) as session:
                await session.commit(
                    Changes(participant=person, memberships=[Membership(person.id, cohort.id, now)])
                )
    finally:
        await store.close()
    return cohort.id


async def read(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read a database another process writes, on either backend (`?` placeholders)."""
    store = await open_store(url, lambda: datetime.now(UTC), migrate=False)
    try:
        assert isinstance(store, SQLStore)
        return [tuple(row) for row in await store._fetchall(sql, params)]
    finally:
        await store.close()


def screenshots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots: docs/ with MINGA_DOCS_SCREENSHOTS=1, else tmp_path.

    The README's pictures are refreshed on purpose, never as a side effect of a test run.
    """
    if os.environ.get("MINGA_DOCS_SCREENSHOTS") == "1":
        docs = Path(__file__).resolve().parent.parent / "docs"
        docs.mkdir(exist_ok=True)
        return docs
    return tmp_path


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def need_chromium() -> str:
    """Return Chromium's path; skip without it on a laptop, fail on CI (it is required there)."""
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium for the browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM

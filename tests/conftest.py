"""Fixtures for every test, and a guard that fails any test reaching a real external host."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    TEST_DASHBOARD_TOKEN,
    FakeClock,
    Harness,
    harness,
    postgres_problem,
    postgres_schema,
)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = host == "localhost"
        if not local:
            raise RuntimeError(f"test tried to reach an external host: {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_external_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _dashboard_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINGA_DASHBOARD_TOKEN", TEST_DASHBOARD_TOKEN)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each storage backend in turn: a SQLite file, a PostgreSQL schema."""
    if request.param == "postgres":
        require_postgres()
        async with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path}/minga.db"


@pytest.fixture
async def h(database_url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The whole app on an in-memory channel, on each storage backend in turn."""
    async with harness(tmp_path / "minga.db", clock, url=database_url) as value:
        yield value


def require_postgres() -> None:
    """Skip a PostgreSQL test on a laptop without it; under CI=true its absence is a failure."""
    problem = postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI requires the PostgreSQL tests: {problem}")
    pytest.skip(problem)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh schema in the test PostgreSQL (skipped or failed as above)."""
    require_postgres()
    async with postgres_schema() as url:
        yield url

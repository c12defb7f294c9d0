"""The storage suites' store: open on each backend in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage import Store, open_store
from tests.support import FakeClock


@pytest.fixture
async def store(database_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    """An open store on an empty database of each backend in turn (see `database_url`)."""
    opened = await open_store(database_url, clock.now)
    try:
        yield opened
    finally:
        await opened.close()

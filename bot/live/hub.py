"""Push each workshop's projector screen to everyone watching it, as soon as it changes.

A change (an answer committed here or in another process, the facilitator putting another
screen up) marks the workshop dirty; after a short pause that gathers a burst of answers into
one update, the screen is built once and handed to every viewer. A viewer keeps only the latest
screen: a slow projector on hotel Wi-Fi skips to the present instead of replaying the past.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from typing import Any

log = logging.getLogger(__name__)

Build = Callable[[str], Awaitable[dict[str, Any] | None]]
GATHER_SECONDS = 0.1  # answers arriving within this are shown in one update


class _Viewer:
    """One open event stream: the latest screen not yet sent, and a bell."""

    __slots__ = ("latest", "ready")

    def __init__(self) -> None:
        self.latest: str | None = None
        self.ready = asyncio.Event()

    def offer(self, payload: str) -> None:
        self.latest = payload
        self.ready.set()


class LiveHub:
    """Fan each workshop's screen out to its viewers; rebuild it when the workshop changes."""

    def __init__(self, build: Build, gather_seconds: float = GATHER_SECONDS) -> None:
        self._build = build
        self._gather = gather_seconds
        self._viewers: dict[str, set[_Viewer]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._current: dict[str, str] = {}

    def viewers(self, cohort_id: str) -> int:
        """Count the open streams of a workshop."""
        return len(self._viewers.get(cohort_id, ()))

    def changed(self, cohort_id: str) -> None:
        """Rebuild and push this workshop's screen soon (if anyone watches it)."""
        if cohort_id not in self._viewers or cohort_id in self._pending:
            return
        # A context of its own: a change is announced from inside a commit, and the rebuild
        # must not inherit that conversation's database connection (PostgreSQL keeps it in a
        # context variable) after it went back to the pool.
        task = asyncio.get_running_loop().create_task(
            self._refresh(cohort_id), context=contextvars.Context()
        )
        self._pending[cohort_id] = task

    async def _refresh(self, cohort_id: str) -> None:
        try:
            await asyncio.sleep(self._gather)
        finally:
            # A change that arrives while building is seen by the next build: clear first.
            self._pending.pop(cohort_id, None)
        try:
            payload = await self._payload(cohort_id)
        except Exception:  # a broken screen must not end the stream; the next change retries
            log.exception("could not build the projector screen")
            return
        if payload is None or payload == self._current.get(cohort_id):
            return
        self._current[cohort_id] = payload
        for viewer in self._viewers.get(cohort_id, ()):
            viewer.offer(payload)

    async def _payload(self, cohort_id: str) -> str | None:
        screen = await self._build(cohort_id)
        return None if screen is None else json.dumps(screen, ensure_ascii=False)

    async def watch(self, cohort_id: str) -> AsyncIterator[str]:
        """Yield the screen now, then each new one, until the caller stops iterating."""
        viewer = _Viewer()
        self._viewers.setdefault(cohort_id, set()).add(viewer)
        try:
            first = await self._payload(cohort_id)
            if first is not None:
                self._current[cohort_id] = first
                yield first
            while True:
                await viewer.ready.wait()
                viewer.ready.clear()
                if viewer.latest is not None:
                    payload, viewer.latest = viewer.latest, None
                    yield payload
        finally:
            watching = self._viewers.get(cohort_id)
            if watching is not None:
                watching.discard(viewer)
                if not watching:
                    del self._viewers[cohort_id]
                    self._current.pop(cohort_id, None)

    async def close(self) -> None:
        """Cancel pending rebuilds (at shutdown)."""
        for task in list(self._pending.values()):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        self._pending.clear()

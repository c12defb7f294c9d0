"""SQLite's group writer: every write queued at a moment committed in one transaction, one hop.

Also the settings of a stdlib connection, which the writer and the in-place reader share.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any

from storage.outbox_bell import OutboxBell
from storage.sql.changes import batch_statements
from storage.sql.common import Statement
from storage.sql.outbox import queues_messages

Job = Callable[[sqlite3.Connection], Any]
_Queued = tuple[Job | None, list[Statement] | None, "asyncio.Future[Any]"]
BUSY_TIMEOUT_MS = 10_000


class GroupWriter:
    """Run every write queued at a moment in one `BEGIN IMMEDIATE` transaction, in one hop.

    aiosqlite makes each call a cross-thread hop (~250 µs here, mostly waking the event loop),
    and a transaction of a handled message needs about eight calls; it has no public way to run
    several statements in one hop. So writes get their own thread and stdlib connection, and a
    whole batch — dozens of participants' units — costs one hop. Reads stay on aiosqlite.
    """

    def __init__(self, path: str, uri: bool, bell: OutboxBell) -> None:
        self._path = path
        self._uri = uri
        self._bell = bell
        self._conn: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minga-sqlite-writer")
        self._queue: list[_Queued] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the writer's connection on its thread and start taking writes."""
        loop = asyncio.get_running_loop()
        self._conn = await loop.run_in_executor(self._thread, connect_sync, self._path, self._uri)
        self._task = asyncio.create_task(self._loop(), name="sqlite-writer")

    async def stop(self) -> None:
        """Stop taking writes, fail what is still queued and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("store closed"))
        self._queue.clear()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.get_running_loop().run_in_executor(self._thread, conn.close)
        self._thread.shutdown(wait=True)

    async def statements(self, statements: list[Statement]) -> None:
        """Commit a unit of independent statements with whatever else is queued."""
        await self._submit(None, statements)

    async def job(self, job: Job) -> Any:
        """Run a job (which may read what it writes) inside the next group transaction."""
        return await self._submit(job, None)

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it (between two transactions).

        After an erasure: `secure_delete` zeroes the erased rows in the new pages, but the
        WAL still holds the old pages, phone number and all, until it is truncated.
        """
        if self._conn is None:
            raise RuntimeError("store is not open")
        conn = self._conn
        await asyncio.get_running_loop().run_in_executor(
            self._thread, lambda: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        )

    async def _submit(self, job: Job | None, statements: list[Statement] | None) -> Any:
        if self._task is None:
            raise RuntimeError("store is not open")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((job, statements, future))
        self._wake.set()
        return await future

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            # One more turn of the loop lets every unit that is ready now join this transaction.
            await asyncio.sleep(0)
            self._wake.clear()
            batch, self._queue = self._queue, []
            if not batch:
                continue
            outcomes = await loop.run_in_executor(self._thread, self._run_batch, batch)
            for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _run_batch(self, batch: list[_Queued]) -> list[tuple[bool, Any]]:
        """Commit the batch together; if that fails, commit each unit alone (in this thread)."""
        try:
            return [(True, value) for value in self._transaction(batch)]
        except Exception:
            if len(batch) == 1:
                return [(False, _last_error())]
        # One bad unit must not fail its neighbours.
        outcomes: list[tuple[bool, Any]] = []
        for item in batch:
            try:
                (value,) = self._transaction([item])
                outcomes.append((True, value))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _transaction(self, batch: list[_Queued]) -> list[Any]:
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            units = [statements for _, statements, _ in batch if statements is not None]
            queued = False
            for sql, params in batch_statements(units):
                conn.executemany(sql, params)
                queued = queued or queues_messages(sql)
            results = [None if job is None else job(conn) for job, _, _ in batch]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if queued:
            self._bell.ring()  # after COMMIT: the woken sender must find the rows
        return results


def _last_error() -> BaseException:
    error = sys.exc_info()[1]
    return error if error is not None else RuntimeError("unknown write failure")


def connect_sync(
    path: str, uri: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> sqlite3.Connection:
    """Open a stdlib connection in WAL mode with the store's pragmas."""
    # The writer's connection is opened on its thread and used only there afterwards, hence
    # check_same_thread=False; the in-place reader is used only on the event loop's thread.
    conn = sqlite3.connect(path, uri=uri, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={busy_timeout_ms}",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        # What /delete erases is overwritten on disk, not only unlinked from the b-tree.
        "secure_delete=ON",
    ):
        conn.execute(f"PRAGMA {pragma}").fetchall()
    return conn

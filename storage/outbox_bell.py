"""Doorbells between processes sharing one SQLite file: "send the queued messages", "update".

One bell says messages were queued (the sender wakes); another says a workshop's room changed
(its projector updates).

PostgreSQL has LISTEN/NOTIFY; SQLite has nothing, so a process whose sender lives elsewhere (the
sender process of `minga serve`, a console facilitator broadcasting next to a running server)
would wait for the next poll. The bell is a Unix datagram socket in Linux's abstract namespace,
named after the database file: nothing to clean up when a process dies, and ringing a bell
nobody listens to costs one failed `sendto`. Where abstract sockets do not exist the bell is
silent and senders keep polling once a second.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import sys
from collections.abc import Callable
from contextlib import suppress

log = logging.getLogger(__name__)


def bell_address(database_path: str, topic: str = "outbox") -> bytes | None:
    """Return a bell's socket name for a database file, or None where there can be no bell."""
    if not sys.platform.startswith("linux") or database_path == ":memory:":
        return None
    real = os.path.realpath(database_path)
    digest = hashlib.blake2b(real.encode("utf-8"), digest_size=12).hexdigest()
    return f"\0minga-{topic}-".encode("ascii") + digest.encode("ascii")


class Bell:
    """Ring with a short payload; one process per bell listens and hears every ring."""

    def __init__(self, database_path: str, topic: str) -> None:
        self._address = bell_address(database_path, topic)
        self._ringer: socket.socket | None = None
        self._listener: socket.socket | None = None
        self._wakes: list[Callable[[bytes], None]] = []

    def ring(self, payload: bytes = b"!") -> None:
        """Wake the listener, if there is one; never blocks and never raises."""
        if self._address is None:
            return
        try:
            if self._ringer is None:
                self._ringer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._ringer.setblocking(False)
            self._ringer.sendto(payload, self._address)
        except OSError:
            # Nobody listens (the usual case for a lone process), or the listener's queue is
            # full and it has plenty of rings to wake it already.
            pass

    @property
    def listening(self) -> bool:
        """Tell whether this process is the one hearing the rings."""
        return self._listener is not None

    def listen(self, wake: Callable[[bytes], None]) -> bool:
        """Call `wake(payload)` on the running loop; False when another process listens."""
        if self._address is None:
            return False
        if self._listener is None:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                listener.bind(self._address)
            except OSError as exc:
                listener.close()
                log.info("another process listens to this bell (%s)", exc)
                return False
            listener.setblocking(False)
            asyncio.get_running_loop().add_reader(listener.fileno(), self._drain)
            self._listener = listener
        self._wakes.append(wake)
        return True

    def _drain(self) -> None:
        """Read every ring waiting (each payload once), then wake each watcher with each."""
        assert self._listener is not None
        payloads: set[bytes] = set()
        while True:
            try:
                payloads.add(self._listener.recv(256))
            except (BlockingIOError, InterruptedError):
                break
        for payload in payloads:
            for wake in self._wakes:
                wake(payload)

    def close(self) -> None:
        """Stop listening and free both sockets (the name is free again at once)."""
        if self._listener is not None:
            with suppress(RuntimeError):  # closed outside a running loop
                asyncio.get_running_loop().remove_reader(self._listener.fileno())
            self._listener.close()
            self._listener = None
            self._wakes.clear()
        if self._ringer is not None:
            self._ringer.close()
            self._ringer = None


class OutboxBell:
    """Ring after committing queued messages; listen to be woken by any process's ring."""

    def __init__(self, database_path: str) -> None:
        self._bell = Bell(database_path, "outbox")

    def ring(self) -> None:
        """Wake the process that sends, if it is another one."""
        self._bell.ring()

    def listen(self, wake: Callable[[], None]) -> bool:
        """Call `wake` at every ring; False when another process listens."""
        return self._bell.listen(lambda _: wake())

    def close(self) -> None:
        """Stop listening and free the sockets."""
        self._bell.close()


class LiveBell:
    """Ring with a workshop's id when its room changed; the serving process listens."""

    def __init__(self, database_path: str) -> None:
        self._bell = Bell(database_path, "live")

    def ring(self, cohort_ids: set[str]) -> None:
        """Tell the listening process which workshops changed."""
        for cohort_id in cohort_ids:
            self._bell.ring(cohort_id.encode("utf-8")[:256])

    @property
    def listening(self) -> bool:
        """Tell whether this process is the one hearing the rings."""
        return self._bell.listening

    def listen(self, changed: Callable[[str], None]) -> bool:
        """Call `changed(cohort_id)` for every workshop rung; False when another listens."""
        return self._bell.listen(lambda payload: changed(payload.decode("utf-8", "replace")))

    def close(self) -> None:
        """Stop listening and free the sockets."""
        self._bell.close()

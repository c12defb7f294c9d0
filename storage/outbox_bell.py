"""A doorbell between processes sharing one SQLite file: "messages were queued, send them now".

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


def bell_address(database_path: str) -> bytes | None:
    """Return the bell's socket name for a database file, or None where there can be no bell."""
    if not sys.platform.startswith("linux") or database_path == ":memory:":
        return None
    real = os.path.realpath(database_path)
    digest = hashlib.blake2b(real.encode("utf-8"), digest_size=12).hexdigest()
    return b"\0minga-outbox-" + digest.encode("ascii")


class OutboxBell:
    """Ring after committing queued messages; listen to be woken by any process's ring."""

    def __init__(self, database_path: str) -> None:
        self._address = bell_address(database_path)
        self._ringer: socket.socket | None = None
        self._listener: socket.socket | None = None
        self._wakes: list[Callable[[], None]] = []

    def ring(self) -> None:
        """Wake the listener, if there is one; never blocks and never raises."""
        if self._address is None:
            return
        try:
            if self._ringer is None:
                self._ringer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._ringer.setblocking(False)
            self._ringer.sendto(b"!", self._address)
        except OSError:
            # Nobody listens (the usual case for a lone process), or the listener's queue is
            # full and it has plenty of rings to wake it already.
            pass

    def listen(self, wake: Callable[[], None]) -> bool:
        """Call `wake` on the running loop at every ring; False when another process listens."""
        if self._address is None:
            return False
        if self._listener is None:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                listener.bind(self._address)
            except OSError as exc:
                listener.close()
                log.info("another process listens for queued messages (%s); polling instead", exc)
                return False
            listener.setblocking(False)
            asyncio.get_running_loop().add_reader(listener.fileno(), self._drain)
            self._listener = listener
        self._wakes.append(wake)
        return True

    def _drain(self) -> None:
        """Read every ring waiting (one wake for all of them), then wake each watcher."""
        assert self._listener is not None
        rang = False
        while True:
            try:
                self._listener.recv(64)
            except (BlockingIOError, InterruptedError):
                break
            rang = True
        if rang:
            for wake in self._wakes:
                wake()

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

"""A sender that keeps messages in memory: for `minga flows test`, benchmarks and tests."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from typing_extensions import override

from bot.channels.base import ChannelSender, SendOutcome
from storage import PRIORITY_REPLY, Outbound


class MemorySender(ChannelSender):
    """Record every message per address and let a waiter know one arrived."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: dict[str, list[Outbound]] = defaultdict(list)
        self._arrived: dict[str, asyncio.Event] = {}

    @override
    async def send(
        self, address: str, message: Outbound, priority: int = PRIORITY_REPLY
    ) -> SendOutcome:
        self.sent[address].append(message)
        event = self._arrived.get(address)
        if event is not None:
            event.set()
        return SendOutcome.sent()

    def take(self, address: str) -> list[Outbound]:
        """Return and forget the messages sent to an address so far."""
        return self.sent.pop(address, [])

    def take_all(self) -> dict[str, list[Outbound]]:
        """Return and forget everything sent so far, by address."""
        sent, self.sent = dict(self.sent), defaultdict(list)
        return sent

    async def wait(self, address: str) -> None:
        """Wait until at least one message for the address is waiting to be taken."""
        if self.sent.get(address):
            return
        event = self._arrived.setdefault(address, asyncio.Event())
        event.clear()
        try:
            await event.wait()
        finally:
            self._arrived.pop(address, None)

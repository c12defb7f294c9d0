"""What a channel's sender promises: send one message, and say what happened in our words.

Vendor errors are mapped to `SendOutcome` at the channel's edge, so nothing above a channel
imports `telegram` or `twilio`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

from storage import PRIORITY_REPLY, Outbound

OutcomeState = Literal["sent", "retry", "unreachable", "failed", "held"]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The result of one send: sent, retry after N seconds, unreachable, or failed for good."""

    state: OutcomeState
    retry_after: float | None = None
    error: str | None = None
    external_id: str | None = None

    @classmethod
    def sent(cls, external_id: str | None = None) -> SendOutcome:
        """Report a message the platform accepted."""
        return cls("sent", external_id=external_id)

    @classmethod
    def retry(cls, error: str, after: float | None = None) -> SendOutcome:
        """Report a passing problem (rate limit, network, 5xx): try again later."""
        return cls("retry", retry_after=after, error=error)

    @classmethod
    def unreachable(cls, error: str) -> SendOutcome:
        """Report a blocked bot or an invalid address: stop writing to them."""
        return cls("unreachable", error=error)

    @classmethod
    def held(cls, external_id: str | None, error: str) -> SendOutcome:
        """Report a template sent in the message's place; it waits for the person to answer."""
        return cls("held", error=error, external_id=external_id)

    @classmethod
    def failed(cls, error: str) -> SendOutcome:
        """Report a message that can never be sent as it is (a bad request)."""
        return cls("failed", error=error)


class ChannelSender(ABC):
    """Sends outbox messages on one channel."""

    channel: str

    @abstractmethod
    async def send(
        self, address: str, message: Outbound, priority: int = PRIORITY_REPLY
    ) -> SendOutcome:
        """Send one message to one address; `priority` orders it among waiting sends."""

    async def close(self) -> None:  # noqa: B027 - most senders hold nothing to close
        """Release connections the sender holds."""

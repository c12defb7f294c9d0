"""The outbox: messages queued, claimed for sending, and what became of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage.messages import Outbound

# "held": a template went out instead (WhatsApp, outside the 24-hour window); the row waits
# for the person's answer, which releases it.
# "returned": claimed but never tried (behind a retry, or its claim about to lapse); it goes
# back to the queue without counting as an attempt.
DeliveryState = Literal["sent", "retry", "returned", "unreachable", "failed", "held"]

PRIORITY_REPLY = 0
PRIORITY_BULK = 10


@dataclass(frozen=True, slots=True)
class NewOutbound:
    """A message to queue in the outbox in the same transaction as what caused it."""

    channel: str
    address: str
    participant_id: str | None
    message: Outbound
    priority: int = PRIORITY_REPLY
    dedupe_key: str | None = None
    erase_after_send: bool = False
    not_before: datetime | None = None  # later than now to spread a broadcast over time


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A queued message claimed for sending."""

    id: int
    channel: str
    address: str
    participant_id: str | None
    message: Outbound
    priority: int
    attempts: int
    erase_after_send: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened when a claimed row was handed to its channel."""

    row_id: int
    state: DeliveryState
    retry_at: datetime | None = None
    error: str | None = None
    external_id: str | None = None
    # The row is a goodbye after an erasure (`OutboxRow.erase_after_send`): gone once sent.
    erase_after_send: bool = False


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A platform's later word on a message we sent (delivered, read, failed with a code)."""

    row_id: int
    channel: str
    address: str
    participant_id: str | None
    message: Outbound
    priority: int

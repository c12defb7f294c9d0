"""What every channel turns a platform update into: a channel-neutral `Inbound`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# "resume": the quick reply of a WhatsApp template, asking for what was held for them.
# "remind": not a message but Minga's own nudge before a WhatsApp window closes mid-flow.
# "launch": a facilitator started a flow (`choice` names it) for this member.
# "checkin": a check-in's next step came due (`choice` is the check-in's id).
# "expire": the retention period of all their workshops is over; their data is erased.
# "prompt": a facilitator opened a question to the room (`choice` is the prompt's id).
InboundKind = Literal[
    "text", "choice", "media", "open", "resume", "remind", "launch", "checkin", "expire", "prompt"
]
SILENT_KINDS = frozenset(
    {"open", "remind", "launch", "checkin", "expire", "prompt"}
)  # nothing the person sent: no window, no release


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a participant, or `open` when a console session starts."""

    channel: str
    address: str
    kind: InboundKind
    received_at: datetime
    text: str | None = None
    choice: str | None = None
    external_id: str | None = None
    profile_name: str | None = None
    language_hint: str | None = None

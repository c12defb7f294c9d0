"""The console channel: a terminal or a pipe, one line in = one message, no account needed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from typing_extensions import override

from bot.channels.base import ChannelSender, SendOutcome
from storage import PRIORITY_REPLY, Outbound

CHANNEL = "console"


def render(message: Outbound, folder: Path | None = None) -> str:
    """Show a message as text with its options numbered, the way a participant answers them.

    With a `folder`, documents (a facilitator's export) are saved there and their path shown.
    """
    lines = [message.text]
    for number, choice in enumerate(message.choices, start=1):
        lines.append(f"  {number}. {choice.label}")
    if message.image_png is not None:
        lines.append(f"  [image: {len(message.image_png)} bytes]")
    if message.document is not None:
        lines.append(f"  [document: {message.document_name or 'file'}]")
        if folder is not None:
            path = folder / Path(message.document_name or "minga-document.bin").name
            path.write_bytes(message.document)
            lines.append(f"  saved as {path}")
    return "\n".join(lines)


class ConsoleSender(ChannelSender):
    """Print messages to a stream (standard output by default)."""

    channel = CHANNEL

    def __init__(self, out: TextIO | None = None, folder: Path | None = None) -> None:
        self.out = out or sys.stdout
        self.folder = folder

    @override
    async def send(
        self, address: str, message: Outbound, priority: int = PRIORITY_REPLY
    ) -> SendOutcome:
        self.out.write(render(message, self.folder) + "\n\n")
        self.out.flush()
        return SendOutcome.sent()

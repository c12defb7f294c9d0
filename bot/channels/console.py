"""The console channel: a terminal or a pipe, one line in = one message, no account needed."""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from pathlib import Path
from typing import TextIO

from typing_extensions import override

from bot.channels.base import ChannelSender, SendOutcome
from storage import PRIORITY_REPLY, Outbound

CHANNEL = "console"


def render(message: Outbound, folder: Path | None = None) -> str:
    """Show a message as text with its options numbered, the way a participant answers them.

    With a `folder`, documents (a facilitator's export) and images (charts) are saved there
    and their path shown; without one, only their name or size.
    """
    lines = [message.text]
    for number, choice in enumerate(message.choices, start=1):
        lines.append(f"  {number}. {choice.label}")
    if message.image_png is not None:
        if folder is None:
            lines.append(f"  [image: {len(message.image_png)} bytes]")
        else:
            name = image_name(message.text, message.image_png)
            lines.append(f"  [image: {name}]")
            lines += _save(folder / name, message.image_png)
    if message.document is not None:
        lines.append(f"  [document: {message.document_name or 'file'}]")
        if folder is not None:
            name = Path(message.document_name or "minga-document.bin").name
            lines += _save(folder / name, message.document)
    return "\n".join(lines)


def image_name(caption: str, png: bytes) -> str:
    """Name an image file after its caption, plus a digest: the same chart keeps its name."""
    folded = unicodedata.normalize("NFKD", caption).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded)
    stem = "-".join(words)[:48].strip("-") or "chart"
    return f"minga-{stem}-{hashlib.sha256(png).hexdigest()[:8]}.png"


def _save(path: Path, body: bytes) -> list[str]:
    path.write_bytes(body)
    return [f"  saved as {path}"]


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

"""Crash injection for tests, so recovery is tested at exact places rather than by luck.

`MINGA_FAILPOINT=after_commit:3` kills the process (SIGKILL) the third time that point is reached.
A sender process started by `minga serve` takes its parent with it (`PARTNER`), so a failpoint
in the sender crashes the whole server, as a power cut would.
"""

from __future__ import annotations

import os
import signal

PARTNER = "MINGA_FAILPOINT_PARTNER"

_spec = os.environ.get("MINGA_FAILPOINT", "")
_name, _, _count = _spec.partition(":")
_remaining = int(_count or "1") if _name else 0
_partner = int(os.environ.get(PARTNER) or 0)


def hit(name: str) -> None:
    """Die here if this is the armed failpoint and its count is reached."""
    global _remaining
    if _remaining and name == _name:
        _remaining -= 1
        if _remaining == 0:
            if _partner:
                os.kill(_partner, signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)

"""`minga flows test`: scripted conversations run against a throwaway database.

A script is YAML: the participant's language, optional cohorts to create, and a conversation —
a list of `user:` messages (omitted for the bot's opening) each with the `bot:` patterns (regular
expressions, case-insensitive) that its replies must match, and `not:` patterns they must not.
`facilitator: true` lets the participant use facilitator commands: what `/launch` starts comes
in the same exchange, so a script can play a flow that is launched, not on the menu.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.app import open_app
from bot.channels.console import render
from bot.channels.memory import MemorySender
from bot.conversation.inbound import Inbound, InboundKind
from bot.plumbing.clock import SystemClock
from flows.registry import FlowRegistry
from storage import Cohort, ParticipantKey

CHANNEL = "script"


@dataclass(slots=True)
class ScriptResult:
    """The outcome of one script: which exchanges failed, with what the bot said."""

    path: Path
    exchanges: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether every exchange matched."""
        return not self.failures


def shipped_scripts() -> list[Path]:
    """Return the conversation scripts shipped with the flows."""
    return sorted(Path(str(resources.files("flows") / "scripts")).glob("*.yaml"))


def _patterns(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


async def run_script(path: Path, registry: FlowRegistry | None = None) -> ScriptResult:
    """Play one script through the real dispatcher and store; collect mismatches.

    `registry` replaces the shipped flows (the XLSForm round trip runs the scripts on flows
    read back from spreadsheets).
    """
    script = yaml.safe_load(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    result = ScriptResult(path)
    clock = SystemClock()
    sender = MemorySender(CHANNEL)
    address = str(script.get("participant", "tester"))
    hint = script.get("locale")
    leads = bool(script.get("facilitator", False))
    facilitators = frozenset({ParticipantKey(CHANNEL, address)} if leads else ())
    with tempfile.TemporaryDirectory(prefix="minga-script-") as folder:
        url = f"sqlite:///{folder}/script.db"
        # A script answers at machine speed: no burst limit for it.
        async with open_app(
            url,
            {CHANNEL: sender},
            clock=clock,
            burst=None,
            facilitators=facilitators,
            registry=registry,
        ) as app:
            for cohort in script.get("cohorts", []):
                await app.store.create_cohort(
                    Cohort(
                        uuid.uuid4().hex,
                        cohort["code"],
                        cohort["name"],
                        cohort.get("locale", "es"),
                        clock.now(),
                    )
                )
            for number, exchange in enumerate(script.get("conversation", []), start=1):
                said = exchange.get("user")
                kind: InboundKind = "open" if said is None else "text"
                await app.dispatcher.handle(
                    Inbound(
                        CHANNEL,
                        address,
                        kind,
                        clock.now(),
                        text=None if said is None else str(said),
                        language_hint=hint,
                    )
                )
                if leads:
                    await app.scheduler.launches_once()  # what a /launch just scheduled
                await app.sender.drain()
                reply = "\n\n".join(render(m) for m in sender.take(address))
                result.exchanges += 1
                for pattern in _patterns(exchange.get("bot")):
                    if not re.search(pattern, reply, re.IGNORECASE | re.DOTALL):
                        result.failures.append(
                            _failure(number, said, f"expected /{pattern}/", reply)
                        )
                for pattern in _patterns(exchange.get("not")):
                    if re.search(pattern, reply, re.IGNORECASE | re.DOTALL):
                        result.failures.append(
                            _failure(number, said, f"unexpected /{pattern}/", reply)
                        )
    return result


def _failure(number: int, said: object, problem: str, reply: str) -> str:
    shown = "(opening)" if said is None else repr(said)
    return f"exchange {number} {shown}: {problem}; the bot said:\n{reply or '(nothing)'}"

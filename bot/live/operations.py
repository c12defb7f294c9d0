"""What a facilitator does to a question to the room: create, open, close, reveal, project.

Each operation only adds to a `Changes`, so the chat commits it with the facilitator's message
and the command line and the dashboard commit it in one transaction of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from storage import Changes, Participant, Scheduled
from storage.records.live import Prompt, PromptKind

DELIVERY = "prompt"  # the purpose of a scheduled start that asks a member a prompt
# Early answers must not anchor later ones: options and scales start hidden, words do not.
HIDDEN_AT_FIRST = frozenset({"choice", "scale", "ranking"})
MAX_OPTIONS = 10


class PromptError(ValueError):
    """A prompt that cannot be made as asked; the message says why."""


def new_prompt(
    cohort_id: str,
    kind: PromptKind,
    texts: Mapping[str, str],
    options: Sequence[Mapping[str, str]],
    now: datetime,
    *,
    multi: bool = False,
    scale_max: int = 5,
    revealed: bool | None = None,
    created_by: str | None = None,
) -> Prompt:
    """Check and build a draft prompt; raise `PromptError` when it cannot be asked."""
    clean = {k: v.strip() for k, v in texts.items() if v and v.strip()}
    if not clean:
        raise PromptError("a prompt needs its question")
    needs_options = kind in ("choice", "ranking")
    if needs_options and not 2 <= len(options) <= MAX_OPTIONS:
        raise PromptError(f"a {kind} prompt needs from 2 to {MAX_OPTIONS} options")
    if scale_max not in (5, 10):
        raise PromptError("a scale goes from 1 to 5 or from 1 to 10")
    return Prompt(
        uuid.uuid4().hex[:10],
        cohort_id,
        kind,
        clean,
        now,
        options=tuple(dict(o) for o in options) if needs_options else (),
        multi=multi and kind == "choice",
        scale_max=scale_max,
        revealed=kind not in HIDDEN_AT_FIRST if revealed is None else revealed,
        created_by=created_by,
    )


def open_prompt(
    prompt: Prompt, members: Iterable[Participant], now: datetime, changes: Changes
) -> int:
    """Open a prompt, send it to every member open to messages and project it; return how many."""
    reachable = [p for p in members if p.open_to_messages]
    changes.prompts.append(prompt.with_changes(state="open", opened_at=now, closed_at=None))
    # One keyed start per member, committed with the opening: nobody twice, nobody skipped.
    changes.scheduled.extend(
        Scheduled(p.id, prompt.id, DELIVERY, now, dedupe_key=f"prompt:{prompt.id}:{p.id}")
        for p in reachable
    )
    project(prompt.cohort_id, {"kind": "prompt", "id": prompt.id}, changes)
    return len(reachable)


def close_prompt(prompt: Prompt, now: datetime, changes: Changes) -> None:
    """Stop taking answers (a late one gets a polite "this question is closed")."""
    changes.prompts.append(prompt.with_changes(state="closed", closed_at=now))
    changes.live.add(prompt.cohort_id)


def reveal_prompt(prompt: Prompt, changes: Changes, *, shown: bool = True) -> None:
    """Show (or hide again) a prompt's results on the projector."""
    changes.prompts.append(prompt.with_changes(revealed=shown))
    changes.live.add(prompt.cohort_id)


def project(cohort_id: str, screen: Mapping[str, Any], changes: Changes) -> None:
    """Put a screen on the workshop's projector."""
    changes.screens.append((cohort_id, dict(screen)))
    changes.live.add(cohort_id)


def latest(prompts: Sequence[Prompt], *states: str) -> Prompt | None:
    """Return the most recently opened (else created) prompt in one of these states."""
    chosen = [p for p in prompts if p.state in states]
    return max(chosen, key=lambda p: (p.opened_at or p.created_at, p.created_at), default=None)


def split_options(text: str) -> list[str]:
    """Read options written one per line or separated by semicolons."""
    parts = text.splitlines() if "\n" in text.strip() else text.split(";")
    return [p.strip(" \t-•*") for p in parts if p.strip(" \t-•*")]

"""What one person can make Minga do: a burst of messages, and wrong codes tried.

Both are counted on the person's own row, in the same commit as the message, so they hold
across workers and restarts and cost no extra query. A person over the burst limit is told
once to slow down; the rest of the burst is dropped before any handler runs, and nothing they
answered before is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.conversation.work import Work
from bot.plumbing import metrics
from i18n import Translator

# Only what the person sent counts; Minga's own nudges and starts never do.
COUNTED_KINDS = frozenset({"text", "choice", "media", "resume"})
# The console is the keyboard of the machine running Minga (and replays scripts at speed).
UNLIMITED_CHANNELS = frozenset({"console"})


@dataclass(frozen=True, slots=True)
class BurstLimit:
    """At most `messages` of a person's messages in `window` are handled."""

    messages: int = 20
    window: timedelta = timedelta(seconds=10)


PERSON_BURST = BurstLimit()  # the default: 20 messages in 10 seconds

GUESSES = 5  # wrong workshop or invite codes a person may try …
GUESS_WINDOW = timedelta(hours=1)  # … in this time


def admit(work: Work, kind: str, limit: BurstLimit | None) -> bool:
    """Count a person's message; tell whether it may be handled (the first one over is told)."""
    person = work.participant
    if limit is None or kind not in COUNTED_KINDS or person.channel in UNLIMITED_CHANNELS:
        return True
    if person.burst_since is None or work.now - person.burst_since >= limit.window:
        work.participant = person.with_changes(burst_since=work.now, burst_count=1)
        return True
    count = person.burst_count + 1
    work.participant = person.with_changes(burst_count=count)
    if count <= limit.messages:
        return True
    metrics.FLOODED.labels(person.channel).inc()
    if count == limit.messages + 1:
        work.text(
            work.tr.gettext(
                "You are writing faster than I can answer. Please wait a few seconds and go "
                "on: everything you answered so far is saved."
            )
        )
    return False


def guesses_left(work: Work) -> bool:
    """Tell whether the person may try another code now (wrong ones are limited per hour)."""
    person = work.participant
    if person.guesses_since is None or work.now - person.guesses_since >= GUESS_WINDOW:
        return True
    return person.guesses < GUESSES


def wrong_guess(work: Work) -> None:
    """Count a wrong workshop or invite code against the person's hourly allowance."""
    person = work.participant
    if person.guesses_since is None or work.now - person.guesses_since >= GUESS_WINDOW:
        work.participant = person.with_changes(guesses_since=work.now, guesses=1)
    else:
        work.participant = person.with_changes(guesses=person.guesses + 1)


def guesses_spent(tr: Translator) -> str:
    """Say that codes cannot be tried for a while."""
    return tr.gettext(
        "That is too many codes that did not work. Please check the code with your "
        "facilitator and try again in an hour."
    )

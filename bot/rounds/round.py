"""Facilitator operations on a cohort's prioritization round: move, announce, summarize.

Shared by the `minga prioritization` CLI and the facilitator chat commands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.plumbing.clock import Clock
from flows.prioritization import PHASES, ROUND, Ranked, rank, render_ranking, visible
from i18n import N_, Translator, translator
from storage import PRIORITY_BULK, Challenge, Cohort, NewOutbound, Outbound, Store

ANNOUNCEMENTS = {
    "voting": N_(
        "Voting is open! Choose “Barriers to implementation” in the /menu and rank the three "
        "barriers that matter most."
    ),
    "discussing": N_(
        "The vote is closed. Time for the table discussion: choose “Barriers to "
        "implementation” in the /menu."
    ),
    "closed": N_(
        "The prioritization is closed. Choose “Barriers to implementation” in the /menu to "
        "see the results."
    ),
}


# What the room reads where an erased person's barrier or proposal was (see storage's erase).
ERASED = N_("[text erased]")


def erased_text(tr: Translator | None) -> str:
    """Return the placeholder for words whose author erased their data, in `tr`'s language."""
    return tr.gettext(ERASED) if tr is not None else ERASED


class RoundError(Exception):
    """A phase change or a moderation that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a round stands: every challenge, how many voted, and the Borda ranking."""

    challenges: list[Challenge]
    voters: int
    ranking: list[Ranked]


async def shown_challenges(
    store: Store, cohort_id: str, tr: Translator | None = None
) -> list[Challenge]:
    """Read a round's challenges as the room reads them: an erased author's as "[text erased]"."""
    placeholder = erased_text(tr)
    return [
        c if c.text else replace(c, text=placeholder) for c in await store.challenges(cohort_id)
    ]


async def standing(store: Store, cohort_id: str, tr: Translator | None = None) -> Standing:
    """Read a round's challenges and votes and rank them.

    The barriers of people who erased their data keep their points; their words read as
    "[text erased]" in `tr`'s language.
    """
    challenges = await shown_challenges(store, cohort_id, tr)
    votes = await store.votes(cohort_id)
    return Standing(challenges, len(votes), rank(challenges, [v.ranking for v in votes]))


@dataclass(frozen=True, slots=True)
class PhaseChange:
    """What moving a round did."""

    before: str
    after: str
    announced: int


async def move_phase(store: Store, cohort: Cohort, target: str, clock: Clock) -> PhaseChange:
    """Move the round to the next phase and tell every reachable member, in their language."""
    current = await store.round_phase(cohort.id) or PHASES[0]
    if ROUND.move(current, target) is None:
        raise RoundError(
            f"the round of {cohort.code} is '{current}'; it can only move to the next phase "
            f"({', '.join(PHASES)})"
        )
    if target == "voting" and not visible(await store.challenges(cohort.id)):
        raise RoundError(f"no challenges were submitted in {cohort.code} yet")
    await store.set_round_phase(cohort.id, target, clock.now())
    members = [p for p in await store.cohort_members(cohort.id) if p.open_to_messages]
    await store.enqueue(
        [
            NewOutbound(
                p.channel,
                p.address,
                p.id,
                Outbound(translator(p.locale).gettext(ANNOUNCEMENTS[target]), purpose="broadcast"),
                PRIORITY_BULK,
                # One announcement per member and phase, however often the command is retried.
                dedupe_key=f"round:{cohort.id}:{target}:{p.id}",
            )
            for p in members
        ]
    )
    return PhaseChange(current, target, len(members))


async def summary(store: Store, cohort: Cohort, tr: Translator) -> str:
    """Describe the round: phase, challenges with ids, ranking and the tables' proposals."""
    phase = await store.round_phase(cohort.id) or PHASES[0]
    now = await standing(store, cohort.id, tr)
    challenges = now.challenges
    lines = [f"{cohort.name} ({cohort.code}): {phase}", "", f"challenges ({len(challenges)}):"]
    for c in challenges:
        state = (
            " [hidden]" if c.hidden else f" [merged into {c.merged_into}]" if c.merged_into else ""
        )
        lines.append(f"  {c.id}  {c.text}{state}")
    lines += [
        "",
        f"ranking ({now.voters} votes):",
        render_ranking(now.ranking, tr, limit=len(challenges)),
    ]
    solutions = await store.solutions(cohort.id)
    if solutions:
        lines += ["", "proposals (impact / effort):"]
        lines += [f"  table {s.table_no}: {s.text} ({s.impact} / {s.effort})" for s in solutions]
    return "\n".join(lines)

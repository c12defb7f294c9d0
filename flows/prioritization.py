"""Challenge prioritization (session 6): the round's phases and the Borda ranking.

Ranking: a participant's first, second and third choice earn 3, 2 and 1 points. Ties are broken
by the number of first places, then by the earliest submission, so the order is deterministic.
A vote for a challenge merged into another counts for the one it was merged into.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows.machine import PhaseMachine
from flows.model import Option
from i18n import Translator
from storage import Challenge

PHASES = ("collecting", "voting", "discussing", "closed")
ROUND = PhaseMachine(PHASES)
POINTS = (3, 2, 1)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A challenge's place in the ranking."""

    challenge: Challenge
    points: int
    firsts: int


def canonical(challenges: Mapping[str, Challenge], challenge_id: str) -> str | None:
    """Follow merges to the challenge a vote counts for; None for hidden or unknown ones."""
    seen: set[str] = set()
    current = challenges.get(challenge_id)
    while current is not None and current.merged_into and current.id not in seen:
        seen.add(current.id)
        current = challenges.get(current.merged_into)
    if current is None or current.hidden or current.merged_into:
        return None
    return current.id


def rank(challenges: Iterable[Challenge], ballots: Iterable[Sequence[str]]) -> list[Ranked]:
    """Borda count with deterministic tie-breaks, over the visible challenges."""
    by_id = {c.id: c for c in challenges}
    points = {c.id: 0 for c in by_id.values() if canonical(by_id, c.id) == c.id}
    firsts = dict.fromkeys(points, 0)
    for ballot in ballots:
        counted: set[str] = set()
        for place, challenge_id in enumerate(ballot[: len(POINTS)]):
            target = canonical(by_id, challenge_id)
            if target is None or target in counted:
                continue  # a merge can make two choices one: it counts once, at its best place
            counted.add(target)
            points[target] += POINTS[place]
            if place == 0:
                firsts[target] += 1
    ordered = sorted(points, key=lambda c: (-points[c], -firsts[c], by_id[c].created_at, c))
    return [Ranked(by_id[c], points[c], firsts[c]) for c in ordered]


def visible(challenges: Iterable[Challenge]) -> list[Challenge]:
    """Return the challenges that can be voted on, oldest first."""
    by_id = {c.id: c for c in challenges}
    return sorted(
        (c for c in by_id.values() if canonical(by_id, c.id) == c.id),
        key=lambda c: (c.created_at, c.id),
    )


def ballot_options(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the challenges not yet picked in this vote (the run carries the list)."""
    values = data.get("vars", {})
    picked = {values.get(k) for k in ("vote_1", "vote_2")}
    return tuple(
        Option(item["id"], item["text"], translate=False)
        for item in values.get("challenges", [])
        if item["id"] not in picked
    )


def top_options(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the top of the ranking, for the table discussion."""
    return tuple(
        Option(item["id"], item["text"], translate=False)
        for item in data.get("vars", {}).get("top", [])
    )


def render_ranking(ranking: Sequence[Ranked], tr: Translator, limit: int = 10) -> str:
    """Write the ranking with points, the top `limit` challenges."""
    lines = []
    for place, item in enumerate(ranking[:limit], start=1):
        lines.append(
            tr.ngettext(
                "{place}. {text} — {points} point", "{place}. {text} — {points} points", item.points
            ).format(place=place, text=item.challenge.label, points=item.points)
        )
    return "\n".join(lines)

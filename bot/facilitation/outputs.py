"""What the tables produced: session 2's challenges and session 6's proposals, table by table.

Shared by `/results`, the dashboard, the export and the report, so all four show the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.rounds.round import erased_text, shown_challenges
from i18n import Translator, fold
from storage import Challenge, Solution, Store

CHALLENGES_FLOW = "mindset_challenges"
_CHALLENGE_STEPS = ("challenge_1", "challenge_2", "challenge_3")


@dataclass(frozen=True, slots=True)
class TableChallenges:
    """One table's challenges in shifting mindsets (session 2), and who sent them."""

    table: int | None
    challenges: list[str]
    people: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """One table's proposal (session 6): the challenge, consequences, solution, impact, effort.

    `number` is the point's number on the impact/effort matrix, the same everywhere.
    """

    number: int
    table: int | None
    challenge: str
    consequences: str
    solution: str
    impact: int
    effort: int


async def table_challenges(store: Store, cohort_id: str) -> list[TableChallenges]:
    """Group session 2's challenges by table (people without a table last), repeats once."""
    texts: dict[int | None, list[str]] = defaultdict(list)
    people: dict[int | None, set[str]] = defaultdict(set)
    for answer, table in await store.cohort_answers(cohort_id, CHALLENGES_FLOW):
        if answer.step_id not in _CHALLENGE_STEPS or not isinstance(answer.value, str):
            continue
        people[table].add(answer.participant_id)
        if fold(answer.value) not in {fold(t) for t in texts[table]}:
            texts[table].append(answer.value)
    order = sorted(texts, key=lambda t: (t is None, t or 0))
    return [TableChallenges(t, texts[t], len(people[t])) for t in order]


async def challenge_senders(store: Store, cohort_id: str) -> int:
    """Count the people who sent at least one session 2 challenge."""
    answers = await store.cohort_answers(cohort_id, CHALLENGES_FLOW)
    return len({a.participant_id for a, _ in answers if a.step_id in _CHALLENGE_STEPS})


async def table_proposals(
    store: Store, cohort_id: str, tr: Translator | None = None
) -> list[Proposal]:
    """List the tables' proposals in the order they came, numbered like the matrix's points.

    Words erased with their author read as "[text erased]" in `tr`'s language.
    """
    solutions = await store.solutions(cohort_id)
    # Only the challenges' words are needed here, not the votes and the ranking.
    by_id = {c.id: c for c in await shown_challenges(store, cohort_id, tr)}
    erased = erased_text(tr)
    # Point n of the matrix (projector and PNG) is the n-th proposal: numbered in this order.
    return [_proposal(s, n, by_id, erased) for n, s in enumerate(solutions, start=1)]


def _proposal(
    solution: Solution, number: int, challenges: dict[str, Challenge], erased: str
) -> Proposal:
    focus = challenges.get(solution.challenge_id or "")
    # An erased author's proposal keeps its impact and effort (its point on the 2x2).
    gone = not solution.text and not solution.consequences
    return Proposal(
        number,
        solution.table_no,
        focus.label if focus is not None else "",
        erased if gone else solution.consequences,
        solution.text or erased,
        solution.impact,
        solution.effort,
    )

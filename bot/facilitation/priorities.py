"""Session 4's priorities: the workshop's order of the three areas, and each table's.

Each person ranks the areas (3, 2 and 1 points, as the barriers' vote counts); a table's order
pools its members' points. Shared by `/results`, the dashboard and the action plan's themes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flows.model import Flow
from i18n import Translator
from storage import Answer, Store

PRIORITIES_FLOW = "priorities"
RANK_STEP = "rank"
_WORDS = ("reason", "approach")


@dataclass(frozen=True, slots=True)
class PriorityOrder:
    """The areas in order with their points, for the workshop or one table.

    `table` is None for the workshop as a whole (and for people who gave no table);
    `words` are the reasons and approaches people wrote, as written.
    """

    table: int | None
    people: int
    points: tuple[tuple[str, int], ...]
    words: tuple[str, ...] = ()


def latest_rankings(answers: Iterable[Answer]) -> dict[str, list[str]]:
    """Return each person's latest ranking of the areas (area ids, the first first)."""
    found: dict[str, list[str]] = {}
    for answer in answers:
        if answer.step_id == RANK_STEP and isinstance(answer.value, list):
            found[answer.participant_id] = [str(v) for v in answer.value]
    return found


def _order(
    areas: Sequence[str], rankings: Iterable[list[str]], table: int | None, words: Sequence[str]
) -> PriorityOrder:
    points = dict.fromkeys(areas, 0)
    people = 0
    for ranking in rankings:
        people += 1
        for place, area in enumerate(ranking):
            if area in points:
                points[area] += len(areas) - place
    ordered = sorted(points.items(), key=lambda item: (-item[1], areas.index(item[0])))
    return PriorityOrder(table, people, tuple(ordered), tuple(words))


async def priority_orders(
    store: Store, flow: Flow, cohort_id: str
) -> tuple[PriorityOrder, list[PriorityOrder]]:
    """Return the workshop's order and each table's (people without a table last)."""
    areas = [o.id for o in flow.step(RANK_STEP).options]
    answers = await store.cohort_answers(cohort_id, flow.id)
    rankings = latest_rankings(a for a, _ in answers)
    tables = {a.participant_id: table for a, table in answers}
    words: dict[int | None, list[str]] = defaultdict(list)
    for answer, table in answers:
        text = answer.value if answer.step_id in _WORDS else None
        if isinstance(text, str) and text.strip() and text not in words[table]:
            words[table].append(text)
    overall = _order(areas, rankings.values(), None, ())
    by_table: dict[int | None, list[list[str]]] = defaultdict(list)
    for person, ranking in rankings.items():
        by_table[tables.get(person)].append(ranking)
    order = sorted(by_table, key=lambda t: (t is None, t or 0))
    return overall, [_order(areas, by_table[t], t, words[t]) for t in order]


def area_label(flow: Flow, area: str, tr: Translator) -> str:
    """Name an area in the reader's language."""
    option = next((o for o in flow.step(RANK_STEP).options if o.id == area), None)
    return tr.gettext(option.label) if option is not None else area


def priorities_text(
    flow: Flow, overall: PriorityOrder, tables: Sequence[PriorityOrder], tr: Translator
) -> list[str]:
    """Write the workshop's order, then each table's order and words, for /results."""
    lines = [
        f"{n}. {area_label(flow, area, tr)} — "
        + tr.ngettext("{n} point", "{n} points", points).format(n=points)
        for n, (area, points) in enumerate(overall.points, start=1)
    ]
    for order in tables:
        title = (
            tr.gettext("Table {n}").format(n=order.table)
            if order.table is not None
            else tr.gettext("No table given")
        )
        people = tr.ngettext("{n} person", "{n} people", order.people).format(n=order.people)
        ranked = " > ".join(area_label(flow, area, tr) for area, _ in order.points)
        lines += ["", f"{title} ({people}): {ranked}"] + [f"• {text}" for text in order.words]
    return lines


async def priorities_block(
    store: Store, flow: Flow, cohort_id: str, tr: Translator
) -> dict[str, object]:
    """Gather what the dashboard shows of session 4: the bars, then each table's order."""
    overall, tables = await priority_orders(store, flow, cohort_id)
    return {
        "people": overall.people,
        "rows": [(area_label(flow, area, tr), points) for area, points in overall.points],
        "top": max((points for _, points in overall.points), default=0),
        "tables": [
            {
                "table": order.table,
                "people": order.people,
                "ranked": [area_label(flow, area, tr) for area, _ in order.points],
                "words": order.words,
            }
            for order in tables
        ],
    }

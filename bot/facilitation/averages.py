"""A workshop's averages in an assessment, only from `MIN_GROUP_SIZE` people on, and their chart.

`/results`, the dashboard (page and PNG) and the export read them here, so the k ≥ 5 rule is
applied in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.drawing.charts import recipe
from flows.model import Dimension, Flow
from flows.scoring import MIN_GROUP_SIZE, Scores, cohort_average
from i18n import Translator
from storage import Store


@dataclass(frozen=True, slots=True)
class Averages:
    """How many people finished an assessment, and its averages per dimension (0–100).

    `dimensions` is empty below `MIN_GROUP_SIZE` people: an average of fewer could tell what
    one person answered.
    """

    flow: Flow
    people: int
    dimensions: tuple[tuple[Dimension, float], ...]

    @property
    def shown(self) -> bool:
        """Tell whether enough people finished for the averages to be shown."""
        return self.people >= MIN_GROUP_SIZE


async def workshop_averages(store: Store, flow: Flow, cohort_id: str) -> Averages:
    """Average each dimension over the members' latest results, in the flow's order."""
    results = await store.cohort_results(cohort_id, flow.id)
    people = len({r.participant_id for r in results})
    if people < MIN_GROUP_SIZE:
        return Averages(flow, people, ())
    average = cohort_average([Scores.from_json(r.scores) for r in results])
    values = average.dimensions
    found = tuple((d, values[d.id]) for d in flow.dimensions if d.id in values)
    return Averages(flow, people, found)


def averages_chart(averages: Averages, tr: Translator) -> dict[str, Any] | None:
    """Describe the averages' bar chart (None below `MIN_GROUP_SIZE` people)."""
    if not averages.dimensions:
        return None
    return recipe(
        "scores",
        title=tr.gettext(averages.flow.title),
        labels=[tr.gettext(d.label) for d, _ in averages.dimensions],
        values=[value for _, value in averages.dimensions],
        you=tr.gettext("Workshop average"),
    )

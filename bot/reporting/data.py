"""Everything the workshop report shows, gathered once, in the report's language.

The same k ≥ 5 rule as everywhere: no average, spread or before/after comparison from fewer than
`MIN_GROUP_SIZE` people. Charts are drawn here (PNG bytes) so the HTML and the PDF carry them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean, pstdev

from bot.drawing.charts import draw, recipe
from bot.drawing.matrix import impact_effort_chart
from bot.facilitation.outputs import (
    Proposal,
    TableChallenges,
    challenge_senders,
    table_challenges,
    table_proposals,
)
from bot.followup.report import CheckinReport, cohort_report, report_chart
from bot.rounds.results import matrix_labels
from bot.rounds.round import standing
from flows.model import Flow
from flows.plan import SDG_NAMES, sdg_label
from flows.registry import FlowRegistry
from flows.scoring import MIN_GROUP_SIZE, Scores
from i18n import Translator
from storage import AssessmentResult, Cohort, Participant, PlanAction, Store

Counts = list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class DimensionRow:
    """One dimension of an assessment: the average (0–100), its spread, and before/after."""

    label: str
    average: float
    spread: float  # the standard deviation, 0–100 points
    before: float | None = None  # the average of first tries, for people who repeated it
    after: float | None = None


@dataclass(frozen=True, slots=True)
class AssessmentBlock:
    """An assessment's results: how many took it, and rows only from five people on."""

    title: str
    people: int
    rows: list[DimensionRow] = field(default_factory=list)
    repeated: int = 0  # people who took it more than once
    chart: bytes | None = None


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """The action plans: how many people and actions, by country, municipality and SDG."""

    planners: int
    actions: int
    by_country: Counts
    by_municipality: Counts
    by_sdg: Counts


@dataclass(frozen=True, slots=True)
class ReportData:
    """What the workshop report shows, section by section."""

    cohort: Cohort
    generated_at: datetime
    members: int
    by_country: Counts
    by_role: Counts
    by_channel: Counts
    assessments: list[AssessmentBlock]
    challenges: list[TableChallenges]
    challenge_people: int
    ranking: list[tuple[int, str, int]]
    voters: int
    proposals: list[Proposal]
    matrix: bytes | None
    plans: PlanSummary
    checkins: CheckinReport
    checkin_chart: bytes | None


async def collect_report(
    store: Store, registry: FlowRegistry, cohort: Cohort, tr: Translator, now: datetime
) -> ReportData:
    """Read and count everything the report of one workshop shows."""
    members = [p for p, _ in await store.audience(cohort.id)]
    now_round = await standing(store, cohort.id, tr)
    proposals = await table_proposals(store, cohort.id, tr)
    checkins = await cohort_report(store, cohort)
    chart = report_chart(checkins, tr)
    return ReportData(
        cohort=cohort,
        generated_at=now,
        members=len(members),
        by_country=_counted(_country(p.country, tr) for p in members),
        by_role=_counted(_role(p.role, registry, tr) for p in members),
        by_channel=_counted(_channel(p.channel, tr) for p in members),
        assessments=[
            await _assessment(store, cohort, flow, tr)
            for flow in registry.menu_flows()
            if flow.kind == "assessment"
        ],
        challenges=await table_challenges(store, cohort.id),
        challenge_people=await challenge_senders(store, cohort.id),
        ranking=[
            (n, r.challenge.label, r.points) for n, r in enumerate(now_round.ranking, start=1)
        ],
        voters=now_round.voters,
        proposals=proposals,
        matrix=await _matrix(proposals, tr),
        plans=_plans(await store.cohort_actions(cohort.id), members, tr),
        checkins=checkins,
        checkin_chart=await asyncio.to_thread(draw, chart) if chart else None,
    )


def _counted(values: Iterable[str]) -> Counts:
    counts = Counter(values)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _country(code: str | None, tr: Translator) -> str:
    if not code or code == "other":
        return tr.gettext("Another country") if code else tr.gettext("(not given)")
    names = tr.babel_locale.territories
    return str(names.get(code, code))


def _role(role: str | None, registry: FlowRegistry, tr: Translator) -> str:
    if role is None:
        return tr.gettext("(not given)")
    step = registry.get("onboarding").flow.steps.get("role") if "onboarding" in registry else None
    option = next((o for o in step.options if o.id == role), None) if step else None
    return tr.gettext(option.label) if option else role


def _channel(channel: str, tr: Translator) -> str:
    return {"telegram": "Telegram", "whatsapp": "WhatsApp"}.get(channel, tr.gettext("Console"))


async def _assessment(store: Store, cohort: Cohort, flow: Flow, tr: Translator) -> AssessmentBlock:
    latest = await store.cohort_results(cohort.id, flow.id)
    title = tr.gettext(flow.title)
    if len(latest) < MIN_GROUP_SIZE:
        return AssessmentBlock(title, len(latest))
    firsts = await _first_tries(store, latest)
    repeated = [r for r in latest if firsts[r.participant_id].run_id != r.run_id]
    # Before/after only when enough people repeated it: their first tries against their latest.
    pairs = [(firsts[r.participant_id], r) for r in repeated]
    if len(pairs) < MIN_GROUP_SIZE:
        pairs = []
    rows = [
        row
        for dimension in flow.dimensions
        if (row := _dimension_row(dimension.id, tr.gettext(dimension.label), latest, pairs))
    ]
    chart = recipe(
        "scores",
        title=title,
        labels=[row.label for row in rows],
        values=[row.average for row in rows],
        you=tr.gettext("Workshop average"),
    )
    png = await asyncio.to_thread(draw, chart) if rows else None
    return AssessmentBlock(title, len(latest), rows, len(repeated), png)


async def _first_tries(
    store: Store, latest: Sequence[AssessmentResult]
) -> dict[str, AssessmentResult]:
    """Each person's first result of this assessment (their only one if they did not repeat)."""
    firsts = {}
    for result in latest:
        history = await store.results(result.participant_id, result.flow_id)
        firsts[result.participant_id] = history[0] if history else result
    return firsts


def _score(result: AssessmentResult, dimension: str) -> float | None:
    value = Scores.from_json(result.scores).dimensions.get(dimension)
    return float(value) if value is not None else None


def _dimension_row(
    dimension: str,
    label: str,
    latest: Sequence[AssessmentResult],
    pairs: Sequence[tuple[AssessmentResult, AssessmentResult]],
) -> DimensionRow | None:
    """Average a dimension over the latest results, with its spread; None under five people."""
    present = [v for r in latest if (v := _score(r, dimension)) is not None]
    if len(present) < MIN_GROUP_SIZE:
        return None
    before = [v for first, _ in pairs if (v := _score(first, dimension)) is not None]
    after = [v for _, last in pairs if (v := _score(last, dimension)) is not None]
    compared = len(before) >= MIN_GROUP_SIZE and len(after) >= MIN_GROUP_SIZE
    return DimensionRow(
        label,
        round(fmean(present), 1),
        round(pstdev(present), 1),
        round(fmean(before), 1) if compared else None,
        round(fmean(after), 1) if compared else None,
    )


async def _matrix(proposals: Sequence[Proposal], tr: Translator) -> bytes | None:
    if not proposals:
        return None
    points = [(p.solution, p.impact, p.effort) for p in proposals]
    return await asyncio.to_thread(impact_effort_chart, points, matrix_labels(tr))


def _plans(
    actions: Sequence[PlanAction], members: Sequence[Participant], tr: Translator
) -> PlanSummary:
    people = {p.id: p for p in members}
    owners = [people.get(a.participant_id) for a in actions]
    return PlanSummary(
        planners=len({a.participant_id for a in actions}),
        actions=len(actions),
        by_country=_counted([_country(o.country if o else None, tr) for o in owners]),
        by_municipality=_counted(
            [(o.municipality or tr.gettext("(not given)")) if o else "?" for o in owners]
        ),
        by_sdg=_counted(
            [sdg_label(a.sdg, tr) if a.sdg in SDG_NAMES else str(a.sdg) for a in actions]
        ),
    )

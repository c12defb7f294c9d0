"""What a workshop's check-ins show: response per round, where the actions stand, what blocks them.

Shared by the facilitator's `/results checkin`, the dashboard and the export, so the three always
agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.drawing.charts import recipe
from bot.followup.checkins import plan_days
from flows.checkin import STATUSES, status_label
from i18n import Translator, fold
from storage import ActionProgress, Checkin, Cohort, Store

TOP_BLOCKERS = 5
STARTED = frozenset({"sent", "answered", "unanswered"})


@dataclass(frozen=True, slots=True)
class RoundReport:
    """One check-in round (day N after the workshop): who got it, who answered, what they said."""

    offset_days: int
    planned: int
    started: int
    answered: int
    unanswered: int
    statuses: Counter[str] = field(default_factory=Counter)  # actions reported in this round

    @property
    def response_rate(self) -> float | None:
        """Answered out of started (0–1), None before anyone got it."""
        return self.answered / self.started if self.started else None


@dataclass(frozen=True, slots=True)
class CheckinReport:
    """Every round of a workshop, the latest status of all its actions, and the top blockers."""

    rounds: tuple[RoundReport, ...]
    current: Counter[str]
    blockers: tuple[tuple[str, int], ...]


def build_report(
    days: Sequence[int],
    checkins: Sequence[Checkin],
    updates: Sequence[ActionProgress],
    action_statuses: Sequence[str],
) -> CheckinReport:
    """Put a workshop's check-ins, progress reports and actions together (pure)."""
    by_round: dict[int, list[Checkin]] = {d: [] for d in days}
    for checkin in checkins:
        if checkin.status != "cancelled":
            by_round.setdefault(checkin.offset_days, []).append(checkin)
    round_of = {c.id: c.offset_days for c in checkins}
    reported: dict[int, dict[str, str]] = {}
    for update in updates:  # oldest first: a later report on the same action wins
        offset = round_of.get(update.checkin_id or "")
        if offset is not None:
            reported.setdefault(offset, {})[update.action_id] = update.status
    rounds = tuple(
        RoundReport(
            offset_days=offset,
            planned=len(rows),
            started=sum(1 for c in rows if c.status in STARTED),
            answered=sum(1 for c in rows if c.status == "answered"),
            unanswered=sum(1 for c in rows if c.status == "unanswered"),
            statuses=Counter(reported.get(offset, {}).values()),
        )
        for offset, rows in sorted(by_round.items())
    )
    return CheckinReport(rounds, Counter(action_statuses), _blockers(updates))


def _blockers(updates: Sequence[ActionProgress]) -> tuple[tuple[str, int], ...]:
    """Count the blockers people named (the same words together), most often first."""
    named: dict[str, Counter[str]] = {}
    for update in updates:
        if update.status == "blocked" and update.note:
            key = " ".join(fold(update.note).strip(" .!").split())
            named.setdefault(key, Counter())[update.note.strip()] += 1
    # Each group shows its most common wording (ties: alphabetical, so the order of answers
    # never changes what a facilitator sees).
    groups = [
        (min(words, key=lambda w: (-words[w], w)), sum(words.values())) for words in named.values()
    ]
    groups.sort(key=lambda group: (-group[1], group[0]))
    return tuple(groups[:TOP_BLOCKERS])


async def cohort_report(store: Store, cohort: Cohort) -> CheckinReport:
    """Read and build a workshop's check-in report."""
    checkins = await store.checkins(cohort_id=cohort.id)
    updates = await store.action_updates(cohort_id=cohort.id)
    actions = await store.cohort_actions(cohort.id)
    return build_report(plan_days(cohort), checkins, updates, [a.status for a in actions])


def report_text(report: CheckinReport, cohort: Cohort, tr: Translator) -> str:
    """Write the report for a chat: one line per round, where actions stand, top blockers."""
    lines = [tr.gettext("Check-ins of {workshop}:").format(workshop=cohort.name)]
    if cohort.ends is None:
        lines.append(tr.gettext("No check-ins are planned: the workshop has no end date yet."))
    for r in report.rounds:
        if r.started == 0:
            line = tr.ngettext(
                "• Day {day}: planned for {n} person.",
                "• Day {day}: planned for {n} people.",
                r.planned,
            )
        else:
            line = tr.ngettext(
                "• Day {day}: answers from {answered} of {started} ({rate}); {unanswered} person "
                "did not answer.",
                "• Day {day}: answers from {answered} of {started} ({rate}); {unanswered} people "
                "did not answer.",
                r.unanswered,
            )
        lines.append(
            line.format(
                day=r.offset_days,
                n=r.planned,
                answered=r.answered,
                started=r.started,
                rate=tr.percent(r.response_rate or 0.0),
                unanswered=r.unanswered,
            )
        )
    total = sum(report.current.values())
    if total:
        where = tr.ngettext(
            "Where the action stands now:", "Where the {n} actions stand now:", total
        )
        lines += ["", where.format(n=total)]
        lines += [
            f"• {status_label(s, tr)}: {report.current[s]}" for s in STATUSES if report.current[s]
        ]
    if report.blockers:
        lines += ["", tr.gettext("Blockers named most often:")]
        lines += [f"• {text} ({n})" for text, n in report.blockers]
    return "\n".join(lines)


def report_chart(report: CheckinReport, tr: Translator) -> dict[str, Any] | None:
    """Chart each round's status distribution (and the present one): a `recipe`, or None."""
    rows = [
        (tr.gettext("Day {day}").format(day=r.offset_days), r.statuses)
        for r in report.rounds
        if sum(r.statuses.values())
    ]
    if sum(report.current.values()):
        rows.append((tr.gettext("Now"), report.current))
    if not rows:
        return None
    return recipe(
        "status",
        title=tr.gettext("Status of the actions"),
        rows=[label for label, _ in rows],
        counts=[[counts.get(s, 0) for s in STATUSES] for _, counts in rows],
        legend=[status_label(s, tr) for s in STATUSES],
    )

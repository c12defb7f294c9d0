"""Plan each workshop's follow-up check-ins and move each one along when it comes due.

A check-in row is a small state machine the scheduler drives: planned → sent (the flow starts)
→ one nudge after 3 days → a last nudge after 4 more → unanswered 4 days later, unless the
person finishes it first (answered). Each step goes through the dispatcher under the person's
lock and is committed with the row's new state, so a crash never repeats or skips a step.
Messages go out only inside the send window in the person's time zone; a row that comes due
outside it waits for the window to open.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from bot.followup.send_window import SchedulePolicy, person_zone
from storage import Checkin, Cohort, DueCheckin, Participant, Store

DEFAULT_DAYS = (14, 30, 90, 180)
# The first nudge after 3 days of silence, the last after 4 more; 4 days later it is unanswered.
NUDGE_AFTER = (timedelta(days=3), timedelta(days=4))
GIVE_UP_AFTER = timedelta(days=4)
PLANNED_AT = time(10)  # a check-in is planned for mid-morning of its day, then fitted in
MAX_DAYS = 3650


def parse_days(text: str) -> tuple[int, ...]:
    """Read "30,90,180" (or "none") into sorted distinct day offsets; ValueError says why."""
    if text.strip().lower() in ("none", "-", ""):
        return ()
    days: set[int] = set()
    for part in text.split(","):
        value = part.strip().removeprefix("+")
        if not value.isdecimal() or not 1 <= int(value) <= MAX_DAYS:
            raise ValueError(
                f"check-in days are whole days after the workshop, 1 to {MAX_DAYS}: {part!r}"
            )
        days.add(int(value))
    return tuple(sorted(days))


def plan_days(cohort: Cohort) -> tuple[int, ...]:
    """Return the days after its end on which a workshop's check-ins fall."""
    return DEFAULT_DAYS if cohort.checkin_days is None else cohort.checkin_days


def plan_rows(
    cohort: Cohort, members: Sequence[Participant], policy: SchedulePolicy
) -> list[Checkin]:
    """Every member's check-ins, each at the first open moment from mid-morning of its day."""
    if cohort.ends is None:
        return []
    rows = []
    for person in members:
        zone = person_zone(person.country, cohort.timezone, policy.default_zone)
        for days in plan_days(cohort):
            day = cohort.ends + timedelta(days=days)
            due = policy.window.next_open(datetime.combine(day, PLANNED_AT, tzinfo=zone), zone)
            due = due.astimezone(UTC)
            rows.append(Checkin(uuid.uuid4().hex, person.id, cohort.id, days, due, "planned", due))
    return rows


async def plan_cohort(store: Store, cohort: Cohort, policy: SchedulePolicy) -> int:
    """(Re)plan a workshop's check-ins for all its members; return how many rows were planned."""
    members = [person for person, _ in await store.audience(cohort.id)]
    rows = plan_rows(cohort, members, policy)
    await store.save_checkin_plan(cohort, rows)
    return len(rows)


async def plan_new_members(store: Store, policy: SchedulePolicy) -> int:
    """Plan check-ins for members who joined since their workshop was last planned."""
    planned = 0
    for cohort_id in await store.cohorts_to_plan():
        cohort = await store.cohort_by_id(cohort_id)
        if cohort is not None:
            planned += await plan_cohort(store, cohort, policy)
    return planned


def triage(due: DueCheckin, now: datetime, policy: SchedulePolicy) -> Checkin | None:
    """Decide what the scheduler does with a claimed check-in without the dispatcher.

    Returns the row's new state when it is missed (too late to start out of the blue) or must
    wait for the send window; None when its next step should run now.
    """
    checkin = due.checkin
    next_at = checkin.next_at or now
    if checkin.status == "planned" and now - next_at > policy.max_late:
        return checkin.with_changes(status="missed", next_at=None)
    if checkin.status == "sent" and checkin.nudges >= len(NUDGE_AFTER):
        return None  # giving up sends nothing, so it needs no window
    zone = person_zone(due.country, due.cohort_timezone, policy.default_zone)
    opens = policy.window.next_open(now, zone)
    return checkin.with_changes(next_at=opens) if opens > now else None

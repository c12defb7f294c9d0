"""Check-ins: the status scale of an action, and the steps that walk a roadmap one action at a time.

The statuses are the Open Government Partnership's completion scale (not started, started —
OGP's "limited" —, substantial, completed) plus blocked and dropped, which a follow-up months
later needs to tell apart from "not started". Everything here is pure: it reads and returns run
data; the dispatcher stores what a finished check-in recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flows.model import Option
from flows.plan import month_text
from i18n import N_, Translator

STATUSES: dict[str, str] = {
    "not_started": N_("Not started"),
    "started": N_("Started"),
    "substantial": N_("Substantial progress"),
    "completed": N_("Completed"),
    "blocked": N_("Blocked"),
    "dropped": N_("Dropped"),
}
# How far along each status is, for "moved forward" in the summary; blocked and dropped are not
# on the scale.
_PROGRESS = {"not_started": 0, "started": 1, "substantial": 2, "completed": 3}
_PER_ACTION = ("status", "note", "blocker", "dropped_why", "evidence", "new_target")


def status_label(status: str | None, tr: Translator) -> str:
    """Name a status in the reader's language (an unknown one reads as "not started")."""
    return tr.gettext(STATUSES.get(status or "", STATUSES["not_started"]))


def action_statuses(tr: Translator, data: Mapping[str, Any]) -> tuple[Option, ...]:
    """Offer the six statuses an action can have."""
    return tuple(Option(status, label) for status, label in STATUSES.items())


def _this_month(now: datetime) -> str:
    return f"{now.year:04d}-{now.month:02d}"


def next_action(data: Mapping[str, Any], tr: Translator, now: datetime) -> dict[str, Any]:
    """Put the next action without a report into the run (`has_action` tells if there is one)."""
    values = dict(data.get("vars", {}))
    actions = list(values.get("actions", []))
    done = {u["id"] for u in values.get("updates", [])}
    candidates = list(enumerate(actions))
    if values.get("mode") == "one":
        picked = str(values.get("picked", ""))
        candidates = [(i, a) for i, a in candidates if str(i) == picked]
    pending = [(i, a) for i, a in candidates if a["id"] not in done]
    shown = dict(data.get("shown", {}))
    if not pending:
        values["has_action"] = False
        return {**data, "vars": values, "shown": shown}
    index, action = pending[0]
    values.update(
        has_action=True,
        current=action,
        overdue=str(action.get("target", "")) < _this_month(now),
    )
    for name in _PER_ACTION:
        values.pop(name, None)
    shown.update(
        action_title=str(action.get("title", "")),
        action_target=month_text(action.get("target"), tr),
        action_status=status_label(action.get("status"), tr),
        position=tr.number(index + 1),
        count=tr.number(len(actions)),
    )
    return {**data, "vars": values, "shown": shown}


def record_action(data: Mapping[str, Any], tr: Translator, now: datetime) -> dict[str, Any]:
    """Keep the report just given on the current action."""
    values = dict(data.get("vars", {}))
    current = values.get("current") or {}
    note = values.get("note") or values.get("blocker") or values.get("dropped_why")
    update = {
        "id": current.get("id"),
        "status": values.get("status") or "not_started",
        "note": note,
        "evidence": values.get("evidence"),
        "target": values.get("new_target"),
    }
    updates = [u for u in values.get("updates", []) if u["id"] != update["id"]]
    values["updates"] = [*updates, update]
    return {**data, "vars": values}


def save_new_action(data: Mapping[str, Any], tr: Translator, now: datetime) -> dict[str, Any]:
    """Keep an action that emerged since the workshop, to add to the roadmap at the end."""
    values = dict(data.get("vars", {}))
    item = {
        "title": values.get("new_title"),
        "sdg": values.get("new_sdg"),
        "office": values.get("new_office"),
        "first_step": values.get("new_first_step"),
        "target": values.get("new_month"),
    }
    values["new_actions"] = [*values.get("new_actions", []), item]
    return {**data, "vars": values}


def changes_line(
    before: Mapping[str, str], updates: Sequence[Mapping[str, Any]], added: int, tr: Translator
) -> str:
    """Say in one sentence what a check-in changed ("2 moved forward, 1 completed, 1 new")."""
    counts = {"completed": 0, "forward": 0, "blocked": 0, "dropped": 0}
    for update in updates:
        old, new = before.get(str(update.get("id")), "not_started"), str(update.get("status"))
        if new == old:
            continue
        if new in ("completed", "blocked", "dropped"):
            counts[new] += 1
        elif _PROGRESS.get(new, -1) > _PROGRESS.get(old, 99):
            counts["forward"] += 1
    parts = [
        tr.ngettext("{n} completed", "{n} completed", counts["completed"]),
        tr.ngettext("{n} moved forward", "{n} moved forward", counts["forward"]),
        tr.ngettext("{n} blocked", "{n} blocked", counts["blocked"]),
        tr.ngettext("{n} dropped", "{n} dropped", counts["dropped"]),
        tr.ngettext("{n} new action", "{n} new actions", added),
    ]
    values = [*counts.values(), added]
    said = [part.format(n=tr.number(n)) for part, n in zip(parts, values, strict=True) if n]
    if not said:
        return tr.gettext("Since the last check-in: no changes in status.")
    return tr.gettext("Since the last check-in: {changes}.").format(changes=", ".join(said))

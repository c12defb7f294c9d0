"""Roadmap progress: what a check-in starts with, and what a finished one records and says."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.conversation.work import Work
from bot.followup.checkins import GIVE_UP_AFTER, NUDGE_AFTER
from flows.checkin import changes_line, status_label
from flows.plan import render_plan
from i18n import Translator
from storage import ActionProgress, Checkin, PlanAction, Store

CHECKIN = "checkin"


def checkin_preset(
    actions: Sequence[PlanAction], mode: str, checkin_id: str | None = None
) -> dict[str, Any]:
    """Build a check-in's starting data: every action (mode "all"), or one to pick ("one")."""
    return {
        "mode": mode if actions else "empty",
        "checkin_id": checkin_id,
        "actions": [
            {"id": a.id, "title": a.title, "target": a.target_month, "status": a.status}
            for a in actions
        ],
    }


def started(checkin: Checkin, run_id: str | None, now: datetime) -> Checkin:
    """Return the check-in once its flow has started: the first nudge is due in 3 days."""
    return checkin.with_changes(
        status="sent", sent_at=now, run_id=run_id, next_at=now + NUDGE_AFTER[0]
    )


def nudged(checkin: Checkin, now: datetime) -> Checkin:
    """Return the check-in after a nudge: the next nudge, or giving up, is due later."""
    done = checkin.nudges + 1
    wait = NUDGE_AFTER[done] if done < len(NUDGE_AFTER) else GIVE_UP_AFTER
    return checkin.with_changes(nudges=done, next_at=now + wait)


def nudge_text(nudges_sent: int, name: str | None, tr: Translator) -> str:
    """Write the gentle reminder above the pending question; the last one says so."""
    if nudges_sent + 1 < len(NUDGE_AFTER):
        text = tr.gettext(
            "{name}, your roadmap check-in is still waiting. It takes a few minutes; here is "
            "where we left off."
        )
    else:
        text = tr.gettext(
            "{name}, a last reminder about your roadmap check-in: your answers show the programme "
            "where municipalities like yours need support. Here is where we left off."
        )
    return text.format(name=name or "").strip(", ").capitalize()


def roadmap_items(
    actions: Sequence[PlanAction], details: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Return the fields `render_plan` shows, for stored actions (and their plan's details)."""
    return [
        {
            **(details or {}).get(a.id, {}),
            "title": a.title,
            "sdg": a.sdg,
            "office": a.office,
            "first_step": a.first_step,
            "target": a.target_month,
            "indicator": a.indicator,
        }
        for a in actions
    ]


def roadmap_text(
    actions: Sequence[PlanAction],
    tr: Translator,
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Write a roadmap with each action's latest status (and theme, partners, milestones)."""
    statuses = [status_label(a.status, tr) for a in actions]
    return render_plan(roadmap_items(actions, details), tr, statuses)


async def record_checkin(store: Store, payload: Mapping[str, Any], work: Work) -> None:
    """Store a finished check-in (reports, new actions, answered) and summarize the roadmap."""
    values = payload.get("vars", {})
    run_id = str(payload.get("run_id"))
    person = work.participant
    actions = await store.actions(person.id)
    by_id = {a.id: a for a in actions}
    checkin_id = values.get("checkin_id")
    updates = [u for u in values.get("updates", []) if u.get("id") in by_id]
    for update in updates:
        work.changes.progress.append(
            ActionProgress(
                action_id=str(update["id"]),
                participant_id=person.id,
                status=str(update["status"]),
                created_at=work.now,
                checkin_id=checkin_id,
                note=update.get("note"),
                evidence=update.get("evidence"),
                target_month=update.get("target"),
            )
        )
    added = [
        PlanAction(
            id=f"{run_id}-new{n}",
            participant_id=person.id,
            run_id=run_id,
            position=len(actions) + n,
            title=str(item.get("title")),
            sdg=int(item.get("sdg") or 0),
            office=str(item.get("office")),
            first_step=str(item.get("first_step") or ""),
            target_month=str(item.get("target")),
            indicator="",
            created_at=work.now,
            updated_at=work.now,
        )
        for n, item in enumerate(values.get("new_actions", []))
    ]
    work.changes.actions.extend(added)
    if checkin_id:
        checkin = await store.checkin(str(checkin_id))
        if checkin is not None and checkin.participant_id == person.id:
            work.changes.checkins.append(
                checkin.with_changes(status="answered", answered_at=work.now, next_at=None)
            )
    reported = {str(u["id"]): u for u in updates}
    now_actions = [_reported(a, reported[a.id]) if a.id in reported else a for a in actions]
    before = {a.id: a.status for a in actions}
    work.text(
        "\n\n".join(
            [
                work.tr.gettext("Your roadmap now:"),
                roadmap_text([*now_actions, *added], work.tr),
                changes_line(before, updates, len(added), work.tr),
            ]
        )
    )


def _reported(action: PlanAction, update: Mapping[str, Any]) -> PlanAction:
    target = update.get("target") or action.target_month
    return replace(action, status=str(update["status"]), target_month=str(target))

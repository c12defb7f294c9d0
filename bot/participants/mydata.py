"""The readable report `/mydata` sends: everything stored about one participant."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flows.checkin import status_label
from flows.labels import country_label, role_label
from flows.registry import FlowRegistry
from i18n import Translator
from storage import Answer, Checkin, Cohort, Membership, Participant, PlanAction, Run

MAX_ANSWERS_IN_CHAT = 40


def describe(
    participant: Participant,
    record: Mapping[str, Any],
    cohorts: Mapping[str, Cohort | None],
    registry: FlowRegistry,
    tr: Translator,
    limit: int | None = MAX_ANSWERS_IN_CHAT,
) -> str:
    """Write the profile, workshops, activities and answers of a participant as plain text.

    A chat shows the latest `limit` answers; the document (`limit=None`) has every one.
    """
    lines = [tr.gettext("This is everything Minga stores about you:"), ""]
    lines += _profile(participant, record, cohorts, registry, tr)
    lines += _answers(record, tr, limit)
    lines += _plan(record, tr)
    lines += ["", tr.gettext("To delete all of it, write /delete.")]
    return "\n".join(lines)


def _profile(
    participant: Participant,
    record: Mapping[str, Any],
    cohorts: Mapping[str, Cohort | None],
    registry: FlowRegistry,
    tr: Translator,
) -> list[str]:
    unset = tr.gettext("(not given)")
    lines = [
        tr.gettext("Name: {value}").format(value=participant.name or unset),
        tr.gettext("Municipality: {value}").format(value=participant.municipality or unset),
        tr.gettext("Country: {value}").format(
            value=country_label(participant.country, tr) or unset
        ),
        tr.gettext("Role: {value}").format(
            value=role_label(participant.role, registry, tr) or participant.role or unset
        ),
        tr.gettext("Language: {value}").format(value=participant.locale),
        tr.gettext("Channel: {value}").format(value=participant.channel),
        tr.gettext("First message: {value}").format(value=tr.datetime(participant.created_at)),
    ]
    if participant.consent_at is not None:
        lines.append(
            tr.gettext("Consent given: {value}").format(value=tr.datetime(participant.consent_at))
        )
    if participant.opted_out:
        lines.append(tr.gettext("You asked not to receive workshop messages (/stop)."))
    memberships: list[Membership] = record["memberships"]
    if memberships:
        names = [c.name for m in memberships if (c := cohorts.get(m.cohort_id)) is not None]
        lines.append(tr.gettext("Workshops: {value}").format(value=", ".join(names)))
    runs: list[Run] = record["runs"]
    lines.append(
        tr.ngettext("{n} activity started", "{n} activities started", len(runs)).format(n=len(runs))
    )
    return lines


def _answers(record: Mapping[str, Any], tr: Translator, limit: int | None) -> list[str]:
    answers: list[Answer] = record["answers"]
    lines = ["", tr.ngettext("{n} answer:", "{n} answers:", len(answers)).format(n=len(answers))]
    shown = answers if limit is None else answers[-limit:]
    for answer in shown:
        when = tr.datetime(answer.created_at, "short")
        lines.append(f"• {answer.flow_id}/{answer.step_id}: {_show(answer)} ({when})")
    hidden = len(answers) - len(shown)
    if hidden > 0:
        lines.append(
            tr.ngettext("… and {n} earlier answer.", "… and {n} earlier answers.", hidden).format(
                n=hidden
            )
        )
    return lines


def _plan(record: Mapping[str, Any], tr: Translator) -> list[str]:
    lines: list[str] = []
    actions: list[PlanAction] = record.get("actions", [])
    if actions:
        lines += ["", tr.gettext("Your action plan:")]
        lines += [f"• {a.title}: {status_label(a.status, tr)}" for a in actions]
    checkins: list[Checkin] = [c for c in record.get("checkins", []) if c.sent_at is not None]
    if checkins:
        answered = sum(1 for c in checkins if c.status == "answered")
        lines.append(
            tr.ngettext(
                "{n} check-in received, {answered} answered; {reports} progress reports.",
                "{n} check-ins received, {answered} answered; {reports} progress reports.",
                len(checkins),
            ).format(n=len(checkins), answered=answered, reports=len(record.get("progress", [])))
        )
    return lines


def _show(answer: Answer) -> str:
    # What the person wrote is what they will recognise; parsed values are ids and numbers.
    if answer.raw:
        return answer.raw
    return json.dumps(answer.value, ensure_ascii=False)

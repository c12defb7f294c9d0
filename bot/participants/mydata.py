"""The readable report `/mydata` sends: everything stored about one participant."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flows.checkin import status_label
from flows.labels import (
    answer_label,
    channel_label,
    country_label,
    flow_title,
    language_label,
    question_label,
    role_label,
)
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
    lines += _answers(record, registry, tr, limit)
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
        tr.gettext("Language: {value}").format(value=language_label(participant.locale)),
        tr.gettext("Channel: {value}").format(value=channel_label(participant.channel, tr)),
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


def _answers(
    record: Mapping[str, Any], registry: FlowRegistry, tr: Translator, limit: int | None
) -> list[str]:
    answers: list[Answer] = record["answers"]
    lines = ["", tr.ngettext("{n} answer:", "{n} answers:", len(answers)).format(n=len(answers))]
    shown = answers if limit is None else answers[-limit:]
    activity = ""
    for answer in shown:
        # The activity's title heads its answers; each says the question asked and the option
        # chosen in words, as the person saw them, not "checkin/status: 5".
        title = flow_title(answer.flow_id, registry, tr)
        if title != activity:
            lines.append(f"{title}:")
            activity = title
        question = question_label(registry, answer.flow_id, answer.step_id, tr)
        when = tr.datetime(answer.created_at, "short")
        lines.append(f"• {_pair(question, _show(answer, registry, tr))} ({when})")
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
        reports = len(record.get("progress", []))
        counts = (
            tr.ngettext("{n} received", "{n} received", len(checkins)),
            tr.ngettext("{n} answered", "{n} answered", answered),
            tr.ngettext("{n} progress report", "{n} progress reports", reports),
        )
        received, replied, reported = (
            text.format(n=n)
            for text, n in zip(counts, (len(checkins), answered, reports), strict=True)
        )
        lines.append(
            tr.gettext("Check-ins: {received}, {answered}; {reports}.").format(
                received=received, answered=replied, reports=reported
            )
        )
    return lines


def _pair(question: str, answer: str) -> str:
    # "¿En qué idioma…? Español", but "Nuestro personal… diario: De acuerdo" for a statement.
    if question.endswith(("?", ":")):
        return f"{question} {answer}"
    return f"{question.rstrip('.')}: {answer}"


def _show(answer: Answer, registry: FlowRegistry, tr: Translator) -> str:
    # An option chosen reads as its label ("De acuerdo", not "4"); else what the person wrote,
    # which they will recognise; parsed values (ids, numbers) only as a last resort.
    label = answer_label(registry, answer.flow_id, answer.step_id, answer.value, tr)
    if label:
        return label
    if answer.raw:
        return answer.raw
    return json.dumps(answer.value, ensure_ascii=False)

"""The sheets about people and what they did: members, answers, results, plans, follow-up.

A person is an opaque id and the profile they gave; never a phone number or a chat id. Every
code has its label beside it in the workshop's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.facilitation.broadcasts import audience_label
from bot.facilitation.export.table import MONTH, Context, Row, Sheet, month
from flows.checkin import status_label
from flows.labels import checkin_status_label, country_label, flow_title, role_label, sdg_name
from i18n import N_
from storage import Checkin, Membership, Participant, PlanAction


def members(ctx: Context, people: Sequence[tuple[Participant, Membership]]) -> Sheet:
    """List the members: the profile they gave, their table, when they joined."""
    tr, registry = ctx.tr, ctx.registry
    rows: list[Row] = [
        [
            ctx.who(p.id),
            p.name,
            p.municipality,
            p.country,
            country_label(p.country, tr),
            p.role,
            role_label(p.role, registry, tr),
            p.channel,
            m.table_no,
            ctx.when(m.joined_at),
            p.consent,
            p.opted_out,
        ]
        for p, m in people
    ]
    columns = ctx.columns(
        ("participant", N_("Participant")),
        ("name", N_("Name")),
        ("municipality", N_("Municipality")),
        ("country", N_("Country (code)")),
        ("country_label", N_("Country")),
        ("role", N_("Role (code)")),
        ("role_label", N_("Role")),
        ("channel", N_("Channel")),
        ("table", N_("Table")),
        ("joined_at", N_("Joined")),
        ("consent", N_("Consented")),
        ("opted_out", N_("Stopped messages")),
    )
    about = N_("One row per member: the profile they gave, their table and when they joined.")
    return ctx.sheet("members", N_("Members"), about, columns, rows)


async def answers(ctx: Context, people: Sequence[tuple[Participant, Membership]]) -> Sheet:
    """List every answer of every member, with the activity's title and the question asked."""
    rows: list[Row] = []
    for person, _ in people:
        rows += [
            [
                ctx.who(person.id),
                a.flow_id,
                flow_title(a.flow_id, ctx.registry, ctx.tr),
                a.step_id,
                _question(ctx, a.flow_id, a.step_id),
                a.raw,
                a.value,
                ctx.when(a.created_at),
            ]
            for a in await ctx.store.answers(person.id)
        ]
    columns = ctx.columns(
        ("participant", N_("Participant")),
        ("flow", N_("Activity (code)")),
        ("flow_title", N_("Activity")),
        ("step", N_("Question (code)")),
        ("question", N_("Question")),
        ("answer", N_("Answer")),
        ("value", N_("Value stored")),
        ("at", N_("Answered at")),
    )
    about = N_("Every answer given in the workshop's activities, with the question asked.")
    return ctx.sheet("answers", N_("Answers"), about, columns, rows)


def _question(ctx: Context, flow_id: str, step_id: str) -> str:
    if flow_id not in ctx.registry:
        return ""
    step = ctx.registry.get(flow_id).flow.steps.get(step_id)
    return ctx.tr.gettext(step.ask) if step is not None and step.ask else ""


async def results(ctx: Context) -> Sheet:
    """List each person's latest score per dimension in every assessment they finished."""
    rows: list[Row] = []
    for flow in ctx.registry:
        if flow.kind != "assessment":
            continue
        labels = {d.id: ctx.tr.gettext(d.label) for d in flow.dimensions}
        title = ctx.tr.gettext(flow.title)
        for r in await ctx.store.cohort_results(ctx.cohort.id, flow.id):
            rows += [
                [ctx.who(r.participant_id), flow.id, title, dim, labels.get(dim, dim), value,
                 ctx.when(r.completed_at)]
                for dim, value in sorted(r.scores.get("dimensions", {}).items())
            ]  # fmt: skip
    columns = ctx.columns(
        ("participant", N_("Participant")),
        ("flow", N_("Assessment (code)")),
        ("flow_title", N_("Assessment")),
        ("dimension", N_("Dimension (code)")),
        ("dimension_label", N_("Dimension")),
        ("score", N_("Score (0–100)")),
        ("completed_at", N_("Finished at")),
    )
    about = N_("Each person's latest score (0–100) per dimension in each assessment.")
    return ctx.sheet("results", N_("Assessment results"), about, columns, rows)


def actions(ctx: Context, plans: Sequence[PlanAction]) -> Sheet:
    """List every action of every plan, with its goal and where it stands."""
    tr = ctx.tr
    rows: list[Row] = [
        [
            ctx.who(a.participant_id),
            a.position + 1,
            a.title,
            a.sdg,
            sdg_name(a.sdg, tr),
            a.office,
            a.first_step,
            month(a.target_month),
            a.indicator,
            a.status,
            status_label(a.status, tr),
        ]
        for a in plans
    ]
    columns = ctx.columns(
        ("participant", N_("Participant")),
        ("position", N_("Number in the plan")),
        ("action", N_("Action")),
        ("sdg", N_("SDG (number)")),
        ("sdg_label", N_("SDG")),
        ("office", N_("Office in charge")),
        ("first_step", N_("First step")),
        ("target_month", N_("Target month"), MONTH),
        ("indicator", N_("Indicator")),
        ("status", N_("Status (code)")),
        ("status_label", N_("Status")),
    )
    about = N_("Every action of every plan, with its goal (SDG) and its latest status.")
    return ctx.sheet("actions", N_("Action plans"), about, columns, rows)


def checkins(ctx: Context, found: Sequence[Checkin]) -> Sheet:
    """List each follow-up round of each person: when it was due, sent and answered."""
    rows: list[Row] = [
        [
            ctx.who(c.participant_id),
            c.offset_days,
            c.status,
            checkin_status_label(c.status, ctx.tr),
            ctx.when(c.due_at),
            ctx.when(c.sent_at),
            ctx.when(c.answered_at),
            c.nudges,
        ]
        for c in found
    ]
    columns = ctx.columns(
        ("participant", N_("Participant")),
        ("day", N_("Days after the workshop")),
        ("status", N_("Status (code)")),
        ("status_label", N_("Status")),
        ("due_at", N_("Due")),
        ("sent_at", N_("Sent")),
        ("answered_at", N_("Answered at")),
        ("nudges", N_("Reminders sent")),
    )
    about = N_("Each check-in (follow-up round) of each person: when it was due, sent, answered.")
    return ctx.sheet("checkins", N_("Check-ins"), about, columns, rows)


async def progress(ctx: Context, plans: Sequence[PlanAction], found: Sequence[Checkin]) -> Sheet:
    """List each report on an action's progress, with the check-in round it came in."""
    round_of = {c.id: c.offset_days for c in found}
    titles = {a.id: a.title for a in plans}
    rows: list[Row] = [
        [
            ctx.who(u.participant_id),
            titles.get(u.action_id, ""),
            u.status,
            status_label(u.status, ctx.tr),
            u.note,
            u.evidence,
            month(u.target_month),
            round_of.get(u.checkin_id or ""),
            ctx.when(u.created_at),
        ]
        for u in await ctx.store.action_updates(cohort_id=ctx.cohort.id)
    ]
    columns = ctx.columns(
        ("participant", N_("Participant")),
        ("action", N_("Action")),
        ("status", N_("Status (code)")),
        ("status_label", N_("Status")),
        ("note", N_("Note")),
        ("evidence", N_("Evidence")),
        ("new_target", N_("New target month"), MONTH),
        ("checkin_day", N_("Days after the workshop")),
        ("at", N_("Reported at")),
    )
    about = N_("Each report on an action's progress, and the check-in it came in.")
    return ctx.sheet("progress", N_("Action progress"), about, columns, rows)


async def broadcasts(ctx: Context) -> Sheet:
    """List the facilitators' messages to the workshop, who they went to, how many got them."""
    rows: list[Row] = [
        [
            ctx.when(b.confirmed_at),
            b.text,
            b.audience,
            audience_label(b.audience, ctx.tr),
            b.recipients,
            b.skipped,
        ]
        for b in await ctx.store.broadcasts(ctx.cohort.id, limit=1000)
    ]
    columns = ctx.columns(
        ("sent_at", N_("Sent")),
        ("text", N_("Text")),
        ("audience", N_("Audience (code)")),
        ("audience_label", N_("Audience")),
        ("recipients", N_("Recipients")),
        ("skipped", N_("Skipped")),
    )
    about = N_("The facilitators' messages to the workshop, who they went to, and how many.")
    return ctx.sheet("broadcasts", N_("Broadcasts"), about, columns, rows)

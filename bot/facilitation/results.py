"""`/results FLOW CODE` and `/export CODE`: what a workshop produced, in the chat."""

from __future__ import annotations

from bot.conversation.call import Call
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.facilitation.access import facilitator_command
from bot.facilitation.averages import averages_chart, workshop_averages
from bot.facilitation.evaluation import (
    EVALUATION_FLOW,
    change_lines,
    confidence_change,
    evaluation_lines,
    evaluation_summary,
)
from bot.facilitation.export import export_cohort
from bot.facilitation.outputs import (
    CHALLENGES_FLOW,
    Proposal,
    challenge_senders,
    table_challenges,
    table_proposals,
)
from bot.facilitation.priorities import PRIORITIES_FLOW, priorities_text, priority_orders
from bot.facilitation.requests import audit, find_request, need_code, usage
from bot.followup.report import cohort_report, report_chart, report_text
from bot.rounds.round import standing
from flows.model import Flow
from flows.prioritization import render_ranking
from flows.scoring import MIN_GROUP_SIZE
from i18n import Translator
from storage import Cohort, Outbound

router = Router("results")


@facilitator_command(router, "results")
async def results(call: Call) -> None:
    """Show a flow's results for a workshop: averages, the ranking, or check-in progress."""
    work = call.work
    request = await find_request(call)
    flow_id = request.words[0] if request.words else ""
    cohort = request.cohort
    if flow_id not in call.registry or cohort is None:
        usage(work, "/results FLOW CODE")
        return
    flow = call.registry.get(flow_id).flow
    if flow.kind == "prioritization":
        await _round_results(call, flow, cohort)
    elif flow.kind == "checkin":
        await _checkin_results(call, cohort)
    elif flow.id == CHALLENGES_FLOW:
        await _table_challenges(call, flow, cohort)
    elif flow.id == PRIORITIES_FLOW:
        await _priorities(call, flow, cohort)
    elif flow.id == EVALUATION_FLOW:
        await _evaluation(call, flow, cohort)
    elif flow.params.get("before_after"):
        await _change(call, flow, cohort)
    else:
        await _averages(call, flow, cohort)


async def _round_results(call: Call, flow: Flow, cohort: Cohort) -> None:
    """Show the whole ranking with points, then each table's proposal."""
    work = call.work
    now = await standing(call.store, cohort.id, work.tr)
    lines = [
        work.tr.ngettext(
            "“{flow}” in {workshop}: {n} vote.",
            "“{flow}” in {workshop}: {n} votes.",
            now.voters,
        ).format(flow=work.tr.gettext(flow.title), workshop=cohort.name, n=now.voters),
        "",
        render_ranking(now.ranking, work.tr, limit=len(now.ranking)),
    ]
    proposals = await table_proposals(call.store, cohort.id, call.work.tr)
    if proposals:
        lines += ["", work.tr.gettext("The tables' proposals:")]
        lines += [proposal_text(p, work.tr) for p in proposals]
    work.text("\n".join(lines))


def proposal_text(proposal: Proposal, tr: Translator) -> str:
    """Write one table's proposal in a few lines."""
    table = (
        tr.gettext("Table {n}").format(n=proposal.table)
        if proposal.table is not None
        else tr.gettext("No table given")
    )
    return tr.gettext(
        "{number}. {table} — challenge: {challenge}\nWhat if it is not addressed: "
        "{consequences}\nProposal: {solution} (impact {impact}, effort {effort})"
    ).format(
        number=proposal.number,
        table=table,
        challenge=proposal.challenge or "—",
        consequences=proposal.consequences or "—",
        solution=proposal.solution,
        impact=proposal.impact,
        effort=proposal.effort,
    )


async def _table_challenges(call: Call, flow: Flow, cohort: Cohort) -> None:
    """Session 2: how many tables sent challenges, and each table's, in their words."""
    work, tr = call.work, call.work.tr
    groups = await table_challenges(call.store, cohort.id)
    people = await challenge_senders(call.store, cohort.id)
    lines = [
        tr.ngettext(
            "“{flow}” in {workshop}: {n} person sent challenges.",
            "“{flow}” in {workshop}: {n} people sent challenges.",
            people,
        ).format(flow=tr.gettext(flow.title), workshop=cohort.name, n=people)
    ]
    for group in groups:
        title = (
            tr.gettext("Table {n}").format(n=group.table)
            if group.table is not None
            else tr.gettext("No table given")
        )
        lines += ["", f"{title}:"] + [f"• {text}" for text in group.challenges]
    work.text("\n".join(lines))


async def _priorities(call: Call, flow: Flow, cohort: Cohort) -> None:
    """Session 4: the workshop's order of the areas (3-2-1 points), then each table's."""
    tr = call.work.tr
    overall, tables = await priority_orders(call.store, flow, cohort.id)
    header = tr.ngettext(
        "“{flow}” in {workshop}: {n} person ranked the areas.",
        "“{flow}” in {workshop}: {n} people ranked the areas.",
        overall.people,
    ).format(flow=tr.gettext(flow.title), workshop=cohort.name, n=overall.people)
    call.work.text("\n".join([header, "", *priorities_text(flow, overall, tables, tr)]))


def _finished(flow: Flow, cohort: Cohort, people: int, tr: Translator) -> str:
    return tr.ngettext(
        "“{flow}” in {workshop}: {n} person finished.",
        "“{flow}” in {workshop}: {n} people finished.",
        people,
    ).format(flow=tr.gettext(flow.title), workshop=cohort.name, n=people)


async def _evaluation(call: Call, flow: Flow, cohort: Cohort) -> None:
    """Show the evaluation: usefulness per session, recommendation, what people will apply."""
    tr = call.work.tr
    found = await evaluation_summary(call.store, cohort.id)
    header = _finished(flow, cohort, found.people, tr)
    call.work.text("\n".join([header, "", *evaluation_lines(found, tr)]))


async def _change(call: Call, flow: Flow, cohort: Cohort) -> None:
    """Show confidence before and after, from people who rated themselves twice (k ≥ 5)."""
    tr = call.work.tr
    found = await confidence_change(call.store, flow, cohort.id)
    header = _finished(flow, cohort, found.rated, tr)
    call.work.text("\n".join([header, "", *change_lines(found, tr)]))


async def _averages(call: Call, flow: Flow, cohort: Cohort) -> None:
    """Show the workshop's averages per dimension and a chart, only from 5 people on."""
    work = call.work
    title = work.tr.gettext(flow.title)
    averages = await workshop_averages(call.store, flow, cohort.id)
    header = work.tr.ngettext(
        "“{flow}” in {workshop}: {n} person finished.",
        "“{flow}” in {workshop}: {n} people finished.",
        averages.people,
    ).format(flow=title, workshop=cohort.name, n=averages.people)
    chart = averages_chart(averages, work.tr)
    if chart is None:
        work.text(
            header
            + "\n"
            + work.tr.gettext(
                "Averages appear from {n} people on, so that nobody's answers can be told."
            ).format(n=MIN_GROUP_SIZE)
        )
        return
    lines = [header, ""] + [
        f"• {work.tr.gettext(d.label)}: {work.tr.number(value)}" for d, value in averages.dimensions
    ]
    work.text("\n".join(lines))
    work.say(Outbound(title, chart=chart))


async def _checkin_results(call: Call, cohort: Cohort) -> None:
    """Response per round, where the actions stand (with a chart), the top blockers."""
    work = call.work
    report = await cohort_report(call.store, cohort)
    work.text(report_text(report, cohort, work.tr))
    chart = report_chart(report, work.tr)
    if chart is not None:
        work.say(Outbound(work.tr.gettext("Status of the actions"), chart=chart))


@facilitator_command(router, "export")
async def export(call: Call) -> None:
    """Send the workshop's data as an XLSX workbook and a zip of CSV files."""
    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "export")
        return
    if work.participant.channel not in call.conversation.document_channels:
        _no_files_here(work, cohort)
        return
    data = await export_cohort(call.store, call.registry, cohort)
    audit(work, "export", cohort=cohort.code, rows=data.rows)
    caption = work.tr.gettext("Data of “{workshop}”.").format(workshop=cohort.name)
    work.say(Outbound(caption, document=data.xlsx, document_name=f"minga-{cohort.code}.xlsx"))
    work.say(Outbound(caption, document=data.csv_zip, document_name=f"minga-{cohort.code}.zip"))


@facilitator_command(router, "report")
async def report(call: Call) -> None:
    """Send the workshop report as a PDF (the console saves it; WhatsApp gets a pointer)."""
    from bot.reporting.render import build_report  # only this command needs WeasyPrint

    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "report")
        return
    if work.participant.channel not in call.conversation.document_channels:
        work.text(
            work.tr.gettext(
                "Files cannot be sent here. Download the report from the workshop's page on "
                "the dashboard, or run minga report {code} on the server."
            ).format(code=cohort.code)
        )
        return
    made = await build_report(call.store, call.registry, cohort, work.tr.locale, work.now)
    audit(work, "report", cohort=cohort.code)
    caption = work.tr.gettext("Report of “{workshop}”.").format(workshop=cohort.name)
    work.say(Outbound(caption, document=made.pdf, document_name=f"{made.name}.pdf"))


def _no_files_here(work: Work, cohort: Cohort) -> None:
    work.text(
        work.tr.gettext(
            "Files cannot be sent here. Download the export from the dashboard, or run "
            "minga export {code} on the server."
        ).format(code=cohort.code)
    )

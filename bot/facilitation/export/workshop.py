"""The sheets about what the workshop produced together: averages, challenges, votes, proposals.

Figures come from the same functions as `/results` and the dashboard (`bot/facilitation/
averages.py`, `outputs.py`, the round's standing), so the file and the screen never disagree.
"""

from __future__ import annotations

from bot.facilitation.averages import workshop_averages
from bot.facilitation.export.table import Context, Row, Sheet
from bot.facilitation.outputs import table_challenges, table_proposals
from bot.rounds.round import standing
from flows.labels import option_label
from flows.prioritization import canonical
from flows.scoring import MIN_GROUP_SIZE
from i18n import N_
from storage import Challenge

_ROUND_FLOW = "prioritization"


async def averages(ctx: Context) -> Sheet:
    """Average each assessment per dimension, with how many people; none below k = 5."""
    tr = ctx.tr
    hidden = tr.gettext(
        "Averages appear from {n} people on, so that nobody's answers can be told."
    ).format(n=MIN_GROUP_SIZE)
    rows: list[Row] = []
    for flow in ctx.registry:
        if flow.kind != "assessment":
            continue
        found = await workshop_averages(ctx.store, flow, ctx.cohort.id)
        title = tr.gettext(flow.title)
        if found.people and not found.shown:
            rows.append([flow.id, title, None, None, found.people, None, hidden])
        rows += [
            [flow.id, title, d.id, tr.gettext(d.label), found.people, value, None]
            for d, value in found.dimensions
        ]
    columns = ctx.columns(
        ("flow", N_("Assessment (code)")),
        ("flow_title", N_("Assessment")),
        ("dimension", N_("Dimension (code)")),
        ("dimension_label", N_("Dimension")),
        ("people", N_("People")),
        ("average", N_("Average (0–100)")),
        ("note", N_("Note")),
    )
    about = N_(
        "The workshop's average per dimension of each assessment, from each person's latest "
        "result; only where at least {n} people finished it, so that nobody's answers can be told."
    )
    return ctx.sheet("averages", N_("Workshop averages"), about, columns, rows, n=MIN_GROUP_SIZE)


async def challenges(ctx: Context) -> Sheet:
    """List the challenges in shifting mindsets each table sent in session 2, repeats once."""
    rows: list[Row] = [
        [group.table, text, group.people]
        for group in await table_challenges(ctx.store, ctx.cohort.id)
        for text in group.challenges
    ]
    columns = ctx.columns(
        ("table", N_("Table")),
        ("challenge", N_("Challenge")),
        ("people", N_("People at the table who sent challenges")),
    )
    about = N_("The challenges in shifting mindsets each table sent (session 2), repeats once.")
    return ctx.sheet("challenges", N_("Session 2 challenges"), about, columns, rows)


async def ranking(ctx: Context) -> Sheet:
    """Rank the barriers by the votes, all of them."""
    now = await standing(ctx.store, ctx.cohort.id, ctx.tr)
    rows: list[Row] = [
        [place, item.challenge.label, item.points, item.firsts]
        for place, item in enumerate(now.ranking, start=1)
    ]
    columns = ctx.columns(
        ("place", N_("Place")),
        ("barrier", N_("Barrier")),
        ("points", N_("Points")),
        ("first_places", N_("Times chosen first")),
    )
    about = N_(
        "The barriers to implementation ranked by the votes: 3 points for a first choice, 2 for "
        "a second, 1 for a third."
    )
    return ctx.sheet("ranking", N_("Barrier ranking"), about, columns, rows)


async def votes(ctx: Context) -> Sheet:
    """List each vote: the voter's first, second and third choice, as the barriers' text."""
    by_id = {c.id: c for c in await ctx.store.challenges(ctx.cohort.id)}
    rows: list[Row] = []
    for vote in await ctx.store.votes(ctx.cohort.id):
        chosen = [_barrier(by_id, c) for c in vote.ranking[:3]]
        chosen += [None] * (3 - len(chosen))
        rows.append([ctx.who(vote.participant_id), *chosen, ctx.when(vote.created_at)])
    columns = ctx.columns(
        ("voter", N_("Voter")),
        ("first", N_("First choice")),
        ("second", N_("Second choice")),
        ("third", N_("Third choice")),
        ("at", N_("Voted at")),
    )
    about = N_(
        "Each person's vote: their first, second and third choice, by the barrier's text (a "
        "barrier merged into another counts as that one, as in the ranking)."
    )
    return ctx.sheet("votes", N_("Votes"), about, columns, rows)


def _barrier(by_id: dict[str, Challenge], challenge_id: str) -> str | None:
    target = canonical(by_id, challenge_id)
    return by_id[target].label if target is not None else None


async def proposals(ctx: Context) -> Sheet:
    """List each table's proposal (session 6), numbered like the impact/effort chart's points."""
    tr, registry = ctx.tr, ctx.registry
    rows: list[Row] = [
        [
            p.number,
            p.table,
            p.challenge,
            p.consequences,
            p.solution,
            p.impact,
            option_label(registry, _ROUND_FLOW, "impact", p.impact, tr),
            p.effort,
            option_label(registry, _ROUND_FLOW, "effort", p.effort, tr),
        ]
        for p in await table_proposals(ctx.store, ctx.cohort.id, ctx.tr)
    ]
    columns = ctx.columns(
        ("number", N_("Number on the chart")),
        ("table", N_("Table")),
        ("challenge", N_("Challenge")),
        ("consequences", N_("Consequences of not addressing it")),
        ("proposal", N_("Proposal")),
        ("impact", N_("Impact (1–5)")),
        ("impact_label", N_("Impact")),
        ("effort", N_("Effort (1–5)")),
        ("effort_label", N_("Effort")),
    )
    about = N_(
        "Each table's proposal (session 6): the challenge it chose, the consequences of not "
        "addressing it, the solution, its impact and effort, numbered like the impact and effort "
        "chart."
    )
    return ctx.sheet("proposals", N_("Table proposals"), about, columns, rows)

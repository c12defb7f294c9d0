"""A workshop's data as a CSV zip and an XLSX workbook (`/export`, `minga export CODE`).

One sheet (or CSV file) per kind of record, after a first sheet that says what each holds.
People appear by an opaque id and the profile they gave; phone numbers and chat ids are never
exported. Every code has its label in the workshop's language beside it; cells that a
spreadsheet would read as a formula (a participant may type "=…") are written as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.facilitation.export import people, workshop
from bot.facilitation.export.files import csv_zip, workbook
from bot.facilitation.export.table import Context, Row, Sheet
from flows.registry import FlowRegistry
from i18n import N_, translator
from storage import Cohort, Store


@dataclass(frozen=True, slots=True)
class Export:
    """The same tables as a zip of CSV files and as an XLSX workbook."""

    csv_zip: bytes
    xlsx: bytes
    rows: dict[str, int]


async def collect(store: Store, registry: FlowRegistry, cohort: Cohort) -> list[Sheet]:
    """Read everything a facilitator may export about one workshop, a sheet per record kind."""
    members = await store.audience(cohort.id)
    ctx = Context(
        store, registry, cohort, translator(cohort.locale), {p.id: p.id[:8] for p, _ in members}
    )
    # Every member's plan in one read, in member then plan order (it also names actions below).
    plans = await store.cohort_actions(cohort.id)
    checkins = await store.checkins(cohort_id=cohort.id)
    sheets = [
        people.members(ctx, members),
        await people.answers(ctx, members),
        await people.results(ctx),
        await workshop.averages(ctx),
        await workshop.challenges(ctx),
        await workshop.ranking(ctx),
        await workshop.votes(ctx),
        await workshop.proposals(ctx),
        people.actions(ctx, plans),
        people.checkins(ctx, checkins),
        await people.progress(ctx, plans, checkins),
        await people.broadcasts(ctx),
    ]
    return [contents(ctx, sheets), *sheets]


def contents(ctx: Context, sheets: Sequence[Sheet]) -> Sheet:
    """Write the first sheet: what each sheet holds, its rows, and its CSV file's name."""
    rows: list[Row] = [[s.title, s.about, len(s.rows), f"{s.name}.csv"] for s in sheets]
    columns = ctx.columns(
        ("sheet", N_("Sheet")),
        ("about", N_("What it holds")),
        ("rows", N_("Rows")),
        ("csv_file", N_("File in the CSV zip")),
    )
    note = ctx.tr.gettext(
        "Data of “{workshop}” ({code}). Times are in {zone}. People appear by an opaque id, "
        "never by phone number."
    ).format(workshop=ctx.cohort.name, code=ctx.cohort.code, zone=str(ctx.zone))
    about = ctx.tr.gettext("What each sheet holds.")
    return Sheet("readme", ctx.tr.gettext("Contents"), about, columns, rows, note)


def render(sheets: Sequence[Sheet]) -> Export:
    """Write the sheets as CSV files in a zip and as one XLSX workbook."""
    counts = {s.name: len(s.rows) for s in sheets if s.name != "readme"}
    return Export(csv_zip(sheets), workbook(sheets), counts)


async def export_cohort(store: Store, registry: FlowRegistry, cohort: Cohort) -> Export:
    """Collect and render one workshop's export."""
    return render(await collect(store, registry, cohort))


__all__ = ["Export", "collect", "export_cohort", "render"]

"""A workshop's data as a CSV zip and an XLSX workbook (`/export`, `minga export CODE`).

One sheet (or CSV file) per kind of record. People appear by an opaque id and the profile they
gave; phone numbers and chat ids are never exported. Cells that a spreadsheet would read as a
formula (a participant may type "=…") are written as text.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.rounds.round import standing
from flows.registry import FlowRegistry
from storage import Checkin, Cohort, Membership, Participant, PlanAction, Store

Sheet = tuple[list[str], list[list[Any]]]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Export:
    """The same tables as a zip of CSV files and as an XLSX workbook."""

    csv_zip: bytes
    xlsx: bytes
    rows: dict[str, int]


def safe(value: Any) -> Any:
    """Make a cell inert: text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


async def collect(store: Store, registry: FlowRegistry, cohort: Cohort) -> dict[str, Sheet]:
    """Read everything a facilitator may export about one workshop, a sheet per record kind."""
    members = await store.audience(cohort.id)
    ids = {p.id: p.id[:8] for p, _ in members}
    # Every member's plan in one read, in member then plan order (it also names actions below).
    plans = await store.cohort_actions(cohort.id)
    checkins = await store.checkins(cohort_id=cohort.id)
    return {
        "members": _members(members, ids),
        "answers": await _answers(store, members, ids),
        "results": await _results(store, registry, cohort, ids),
        "actions": _actions(plans, ids),
        "ranking": await _ranking(store, cohort),
        "broadcasts": await _broadcasts(store, cohort),
        "checkins": _checkins(checkins, ids),
        "progress": await _progress(store, cohort, plans, checkins, ids),
    }


def _members(members: Sequence[tuple[Participant, Membership]], ids: dict[str, str]) -> Sheet:
    header = [
        "participant",
        "name",
        "municipality",
        "country",
        "role",
        "channel",
        "table",
        "joined_at",
        "consent",
        "opted_out",
    ]
    rows = [
        [
            ids[p.id],
            p.name,
            p.municipality,
            p.country,
            p.role,
            p.channel,
            m.table_no,
            m.joined_at.isoformat(),
            p.consent,
            p.opted_out,
        ]
        for p, m in members
    ]
    return header, rows


async def _answers(
    store: Store, members: Sequence[tuple[Participant, Membership]], ids: dict[str, str]
) -> Sheet:
    rows: list[list[Any]] = []
    for person, _ in members:
        rows += [
            [ids[person.id], a.flow_id, a.step_id, a.raw, json.dumps(a.value), _when(a.created_at)]
            for a in await store.answers(person.id)
        ]
    return ["participant", "flow", "step", "answer", "value", "at"], rows


async def _results(
    store: Store, registry: FlowRegistry, cohort: Cohort, ids: dict[str, str]
) -> Sheet:
    rows: list[list[Any]] = []
    for flow in registry:
        if flow.kind != "assessment":
            continue
        for r in await store.cohort_results(cohort.id, flow.id):
            rows += [
                [ids.get(r.participant_id, "?"), flow.id, dimension, value, _when(r.completed_at)]
                for dimension, value in sorted(r.scores.get("dimensions", {}).items())
            ]
    return ["participant", "flow", "dimension", "score", "completed_at"], rows


def _actions(plans: Sequence[PlanAction], ids: dict[str, str]) -> Sheet:
    header = [
        "participant",
        "position",
        "action",
        "sdg",
        "office",
        "first_step",
        "target_month",
        "indicator",
        "status",
    ]
    rows = [
        [
            ids[act.participant_id],
            act.position,
            act.title,
            act.sdg,
            act.office,
            act.first_step,
            act.target_month,
            act.indicator,
            act.status,
        ]
        for act in plans
    ]
    return header, rows


async def _ranking(store: Store, cohort: Cohort) -> Sheet:
    now = await standing(store, cohort.id)
    rows: list[list[Any]] = [
        [place, item.challenge.text, item.points, item.firsts]
        for place, item in enumerate(now.ranking, start=1)
    ]
    return ["place", "challenge", "points", "first_places"], rows


async def _broadcasts(store: Store, cohort: Cohort) -> Sheet:
    rows: list[list[Any]] = [
        [_when(b.confirmed_at), b.text, json.dumps(b.audience), b.recipients, b.skipped]
        for b in await store.broadcasts(cohort.id, limit=1000)
    ]
    return ["sent_at", "text", "audience", "recipients", "skipped"], rows


def _checkins(checkins: Sequence[Checkin], ids: dict[str, str]) -> Sheet:
    header = ["participant", "day", "status", "due_at", "sent_at", "answered_at", "nudges"]
    rows: list[list[Any]] = [
        [
            ids.get(c.participant_id, "?"),
            c.offset_days,
            c.status,
            c.due_at.isoformat(),
            _when(c.sent_at),
            _when(c.answered_at),
            c.nudges,
        ]
        for c in checkins
    ]
    return header, rows


async def _progress(
    store: Store,
    cohort: Cohort,
    plans: Sequence[PlanAction],
    checkins: Sequence[Checkin],
    ids: dict[str, str],
) -> Sheet:
    header = [
        "participant",
        "action",
        "status",
        "note",
        "evidence",
        "new_target",
        "checkin_day",
        "at",
    ]
    round_of = {c.id: c.offset_days for c in checkins}
    titles = {a.id: a.title for a in plans}
    rows: list[list[Any]] = [
        [
            ids.get(u.participant_id, "?"),
            titles.get(u.action_id, ""),
            u.status,
            u.note,
            u.evidence,
            u.target_month,
            round_of.get(u.checkin_id or "", ""),
            u.created_at.isoformat(),
        ]
        for u in await store.action_updates(cohort_id=cohort.id)
    ]
    return header, rows


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def render(sheets: dict[str, Sheet]) -> Export:
    """Write the sheets as CSV files in a zip and as one XLSX workbook."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, (header, rows) in sheets.items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows([safe(v) for v in row] for row in rows)
            # A BOM so that spreadsheet programs read the accents as UTF-8.
            zipped.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    from openpyxl import Workbook  # imported here: only exports need it (and it is large)

    book = Workbook(write_only=True)
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append([safe(v) for v in row])
    workbook = io.BytesIO()
    book.save(workbook)
    counts = {name: len(rows) for name, (_, rows) in sheets.items()}
    return Export(archive.getvalue(), workbook.getvalue(), counts)


async def export_cohort(store: Store, registry: FlowRegistry, cohort: Cohort) -> Export:
    """Collect and render one workshop's export."""
    return render(await collect(store, registry, cohort))

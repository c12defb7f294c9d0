"""The export a person can read, checked sheet by sheet on the 30-person workshop of workshop.py.

Expected figures come from the fixture's constants (worked out by hand there); new headers and
sheet titles are compared through the workshop's translator, so the tests hold before and after
the catalogs are regenerated.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.facilitation.export import Export, export_cohort
from i18n import translator
from storage import AssessmentResult, Changes, Cohort, Membership, Participant
from tests.support import Harness, harness
from tests.workshop import (
    BALLOTS,
    BARRIERS,
    COLLABORATIVE_AVERAGE,
    EXPERIMENTAL_AVERAGE,
    FEW,
    MINDSETS,
    PEOPLE,
    PLANNERS,
    PROPOSALS,
    RANKING,
    Workshop,
    seed_workshop,
)

tr = translator("es")
SHEETS = [
    "Contents",
    "Members",
    "Answers",
    "Assessment results",
    "Workshop averages",
    "Session 2 challenges",
    "Barrier ranking",
    "Votes",
    "Table proposals",
    "Action plans",
    "Check-ins",
    "Action progress",
    "Broadcasts",
]


@pytest.fixture
async def seeded(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Harness, Workshop]]:
    async with harness(tmp_path / "e.db", url=database_url) as running:
        yield running, await seed_workshop(running.app.store, running.clock.now())


async def _export(h: Harness, cohort: Cohort) -> tuple[Export, dict[str, list[list[Any]]]]:
    data = await export_cohort(h.app.store, h.app.registry, cohort)
    book = load_workbook(io.BytesIO(data.xlsx))
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    return data, sheets


def _table(sheets: dict[str, list[list[Any]]], title: str) -> list[dict[str, Any]]:
    """A sheet's rows as dicts keyed by the (translated) header."""
    header, *rows = sheets[tr.gettext(title)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def _h(title: str) -> str:
    return tr.gettext(title)


async def test_every_sheet_has_a_bold_frozen_filtered_header(
    seeded: tuple[Harness, Workshop],
) -> None:
    h, workshop = seeded
    data = await export_cohort(h.app.store, h.app.registry, workshop.cohort)
    book = load_workbook(io.BytesIO(data.xlsx))
    assert book.sheetnames == [tr.gettext(s) for s in SHEETS]
    for sheet in book.worksheets:
        assert isinstance(sheet, Worksheet)
        header = 2 if sheet.title == tr.gettext("Contents") else 1
        assert sheet.freeze_panes == f"A{header + 1}", sheet.title
        assert (
            sheet.auto_filter.ref
            == f"A{header}:{sheet.cell(header, sheet.max_column).column_letter}{sheet.max_row}"
        )
        assert all(c.font.b for c in sheet[header]), sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[header]]
        assert all(8 <= w <= 60 for w in widths), (sheet.title, widths)
    # The first sheet says what each other sheet holds and how many rows it has.
    contents = {row[0]: row for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert list(contents) == [tr.gettext(s) for s in SHEETS[1:]]
    assert contents[tr.gettext("Members")][2] == PEOPLE
    assert contents[tr.gettext("Votes")][2:] == (len(BALLOTS), "votes.csv")
    assert all(row[1] for row in contents.values())
    assert "TALLER30" in str(book.worksheets[0]["A1"].value)


async def test_codes_stand_beside_their_labels_and_times_are_dates(
    seeded: tuple[Harness, Workshop],
) -> None:
    h, workshop = seeded
    _, sheets = await _export(h, workshop.cohort)
    members = _table(sheets, "Members")
    assert len(members) == PEOPLE
    first = next(m for m in members if m[_h("Participant")] == workshop.people[0].id[:8])
    assert (first[_h("Country (code)")], first[_h("Country")]) == ("MX", "México")
    assert first[_h("Role (code)")] == "elected"
    assert (
        first[_h("Role")]
        == tr.gettext("Mayor or elected official")
        == "Alcaldesa o alcalde, u otra autoridad electa"
    )
    assert isinstance(first[_h("Joined")], datetime)
    assert {m[_h("Country")] for m in members} == {"México", "Perú", "Ecuador"}
    actions = _table(sheets, "Action plans")
    assert len(actions) == PLANNERS
    odd = next(a for a in actions if a[_h("Participant")] == workshop.people[3].id[:8])
    assert (odd[_h("SDG (number)")], odd[_h("SDG")]) == (
        16,
        "Paz, justicia e instituciones sólidas",
    )
    assert odd[_h("Target month")] == datetime(2027, 3, 1)
    assert odd[_h("Status (code)")] == "substantial"
    assert odd[_h("Status")] == "Avance sustancial"
    answers = _table(sheets, "Answers")
    assert {a[_h("Activity")] for a in answers} == {
        tr.gettext("Top three challenges in shifting mindsets")
    }
    assert all(isinstance(a[_h("Answered at")], datetime) for a in answers)
    results = _table(sheets, "Assessment results")
    assert {r[_h("Dimension")] for r in results} >= {"Colaborativa", "Experimental"}
    checkins = _table(sheets, "Check-ins")
    assert len(checkins) == PLANNERS
    answered = [c for c in checkins if c[_h("Status (code)")] == "answered"]
    assert len(answered) == 6
    assert {c[_h("Status")] for c in answered} == {tr.gettext("The person answered")}
    assert isinstance(checkins[0][_h("Due")], datetime)
    progress = _table(sheets, "Action progress")
    assert [p[_h("Status")] for p in progress].count("Completada") == 2
    assert isinstance(progress[0][_h("Reported at")], datetime)
    # No phone number or chat id anywhere.
    shown = {str(v) for rows in sheets.values() for row in rows for v in row if v is not None}
    addresses = {p.address for p in workshop.people}
    assert not any(a in s for a in addresses for s in shown)


async def test_averages_only_from_five_people(seeded: tuple[Harness, Workshop]) -> None:
    h, workshop = seeded
    # The fixture scores digital_government on a dimension the flow does not have; a later
    # result on a real one makes sure a planted average of 3 people would show.
    later = h.clock.now() + timedelta(minutes=1)
    await h.app.store.commit(
        Changes(
            results=[
                AssessmentResult(uuid.uuid4().hex, p.id, "digital_government", workshop.cohort.id,
                                 {"dimensions": {"individual": 60.0}, "groups": {}}, later)
                for p in workshop.people[:FEW]
            ]
        )
    )  # fmt: skip
    _, sheets = await _export(h, workshop.cohort)
    averages = _table(sheets, "Workshop averages")
    found = {(r[_h("Assessment (code)")], r[_h("Dimension (code)")]): r for r in averages}
    assert found[("mindsets", "collaborative")][_h("Average (0–100)")] == COLLABORATIVE_AVERAGE
    assert found[("mindsets", "experimental")][_h("Average (0–100)")] == EXPERIMENTAL_AVERAGE
    assert found[("mindsets", "collaborative")][_h("People")] == MINDSETS
    assert found[("mindsets", "collaborative")][_h("Dimension")] == "Colaborativa"
    few = [r for r in averages if r[_h("Assessment (code)")] == "digital_government"]
    assert len(few) == 1  # one row that says why, and no average
    assert few[0][_h("People")] == FEW
    assert few[0][_h("Average (0–100)")] is None
    assert few[0][_h("Dimension (code)")] is None
    assert "5" in few[0][_h("Note")]


async def test_ranking_votes_proposals_and_challenges(seeded: tuple[Harness, Workshop]) -> None:
    h, workshop = seeded
    _, sheets = await _export(h, workshop.cohort)
    ranking = _table(sheets, "Barrier ranking")
    assert [(r[_h("Barrier")], r[_h("Points")]) for r in ranking] == [
        (BARRIERS[key], points) for key, points in RANKING
    ]
    votes = _table(sheets, "Votes")
    assert len(votes) == len(BALLOTS)
    choices = [
        (v[_h("First choice")], v[_h("Second choice")], v[_h("Third choice")]) for v in votes
    ]
    assert sorted(choices) == sorted(tuple(BARRIERS[k] for k in ballot) for ballot in BALLOTS)
    assert all(len(v[_h("Voter")]) == 8 for v in votes)  # an opaque id
    assert isinstance(votes[0][_h("Voted at")], datetime)
    proposals = _table(sheets, "Table proposals")
    assert [
        (p[_h("Number on the chart")], p[_h("Table")], p[_h("Challenge")], p[_h("Proposal")])
        for p in proposals
    ] == [(n, t, BARRIERS[f], s) for n, (t, f, _, s, _, _) in enumerate(PROPOSALS, start=1)]
    assert (proposals[0][_h("Impact (1–5)")], proposals[0][_h("Impact")]) == (4, "Grande")
    assert (proposals[0][_h("Effort (1–5)")], proposals[0][_h("Effort")]) == (2, "Poco")
    challenges = _table(sheets, "Session 2 challenges")
    assert [(c[_h("Table")], c[_h("Challenge")]) for c in challenges][:2] == [
        (1, "Miedo al error en la administración"),
        (1, "Trabajo en silos"),
    ]
    assert len(challenges) == 5  # table 3's repeat counted once


async def test_csv_keeps_codes_and_labels_in_separate_columns(
    seeded: tuple[Harness, Workshop],
) -> None:
    h, workshop = seeded
    data = await export_cohort(h.app.store, h.app.registry, workshop.cohort)
    with zipfile.ZipFile(io.BytesIO(data.csv_zip)) as zipped:
        assert "readme.csv" in zipped.namelist()
        tables = {
            name[:-4]: list(csv.DictReader(io.StringIO(zipped.read(name).decode("utf-8-sig"))))
            for name in zipped.namelist()
        }
    member = tables["members"][0]
    assert (member["country"], member["country_label"]) == ("MX", "México")
    assert (member["role"], member["role_label"]) == (
        "elected",
        "Alcaldesa o alcalde, u otra autoridad electa",
    )
    assert datetime.fromisoformat(member["joined_at"]).tzinfo is not None
    action = next(a for a in tables["actions"] if a["participant"] == workshop.people[3].id[:8])
    assert (action["sdg"], action["sdg_label"]) == ("16", "Paz, justicia e instituciones sólidas")
    assert action["target_month"] == "2027-03"
    assert (action["status"], action["status_label"]) == ("substantial", "Avance sustancial")
    assert sum(v["first"] == BARRIERS["A"] for v in tables["votes"]) == 8
    averages = {(a["flow"], a["dimension"]): a["average"] for a in tables["averages"]}
    assert averages[("mindsets", "collaborative")] == str(COLLABORATIVE_AVERAGE)
    assert averages[("digital_government", "")] == ""
    assert data.rows["proposals"] == len(PROPOSALS)


# A name for every character a spreadsheet would take as the start of a formula.
FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]


async def test_any_stored_text_survives_and_formulas_stay_text(tmp_path: Path) -> None:
    async with harness(tmp_path / "x.db") as h:
        now = h.clock.now()
        cohort = Cohort(uuid.uuid4().hex, "RARO", "Raro", "es", now, timezone="America/Lima")
        await h.app.store.create_cohort(cohort)
        names = [*FORMULAS, "Ana\x00\x1b[31mRoja\x07", "Jos\x85é\x9f", "x\ufffey\uffff", "del\x7f"]
        for n, name in enumerate(names):
            person = Participant(
                uuid.uuid4().hex, "telegram", str(n), "es", now, name=name,
                municipality=f"\x01Muni\x1f {n}", country="PE", role="mayor?", consent=True,
            )  # fmt: skip
            changes = Changes(
                participant=person, memberships=[Membership(person.id, cohort.id, now)]
            )
            async with h.app.store.conversation(person.key, None) as session:
                await session.commit(changes)
        data, sheets = await _export(h, cohort)
    members = _table(sheets, "Members")
    shown = [m[_h("Name")] for m in members]
    assert shown[:6] == ["'" + f for f in FORMULAS[:5]] + ["'\ncmd"]  # CR reads back as LF
    assert shown[6:] == ["Ana[31mRoja", "Jos\x85é\x9f", "xy", "del\x7f"]
    assert {m[_h("Municipality")] for m in members} == {f"Muni {n}" for n in range(len(names))}
    assert members[0][_h("Role")] is None  # an unknown role has no label, and no error
    # Lima is five hours behind UTC: the cell holds the workshop's local time.
    assert members[0][_h("Joined")] == (now - timedelta(hours=5)).replace(tzinfo=None)
    with zipfile.ZipFile(io.BytesIO(data.csv_zip)) as zipped:
        rows = list(csv.reader(io.StringIO(zipped.read("members.csv").decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:7]] == ["'" + f for f in FORMULAS]
    assert rows[7][1] == "Ana[31mRoja"
    assert rows[1][9].endswith("-05:00")


def test_a_month_that_is_not_a_month_stays_text() -> None:
    from bot.facilitation.export.table import month

    assert month("2027-03") == date(2027, 3, 1)
    assert month("2027-13") == "2027-13"
    assert month("pronto") == "pronto"
    assert month(None) is None


def test_sheet_titles_fit_excel_and_an_unknown_zone_reads_as_utc() -> None:
    from bot.facilitation.export.files import _tab
    from bot.facilitation.export.table import Context

    assert _tab("Resultados: año [1/2]?" + "x" * 40) == "Resultados  año  1 2  xxxxxxxxx"
    cohort = Cohort("c", "C", "C", "es", datetime(2026, 1, 1), timezone="Nowhere/City")
    ctx = Context(None, None, cohort, tr)  # type: ignore[arg-type]  # only the zone is read
    assert str(ctx.zone) == "UTC"

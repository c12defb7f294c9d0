"""A workshop of 30 people written straight into a store, with figures a person can check by hand.

Used by the export, report and table-output tests. Every number below is chosen so the expected
averages, rankings and counts can be worked out on paper (see the constants).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import (
    ActionProgress,
    Answer,
    AssessmentResult,
    Challenge,
    Changes,
    Checkin,
    Cohort,
    Membership,
    Participant,
    PlanAction,
    Run,
    Solution,
    Store,
    Vote,
)

CODE = "TALLER30"
PEOPLE = 30
# Members: ten each from Mexico, Peru and Ecuador; tables 1–5 by six; the first 20 on Telegram.
COUNTRIES = ["MX"] * 10 + ["PE"] * 10 + ["EC"] * 10
ROLES = ["elected", "senior", "technical", "planning", "other"]
# The "mindsets" assessment: 12 people. Person n scores collaborative 50 + 5n (n = 0..11) and
# experimental 80 for everyone: averages 77.5 (50 + 5 × 5.5) and 80.0.
MINDSETS = 12
COLLABORATIVE_AVERAGE = 77.5
EXPERIMENTAL_AVERAGE = 80.0
# Person 0 took it twice: 30 the first time, then 50 (the latest counts in averages).
FIRST_TRY = 30.0
# The "digital_government" assessment: only 3 people, so no average may ever be shown.
FEW = 3
# Session 2: tables 1–3 send their challenges (table 3 repeats one, counted once).
SESSION2 = {
    1: ["Miedo al error en la administración", "Trabajo en silos"],
    2: ["Falta de incentivos para innovar"],
    3: ["Trabajo en silos", "Poca formación digital", "trabajo en silos"],
}
# Session 6: five barriers and 30 ballots. By hand: A 42 points (8 firsts), D 42 (5 firsts),
# B 38 (6 firsts, submitted before C), C 38 (6 firsts), E 20.
BARRIERS = {
    "A": "Falta de presupuesto",
    "B": "Resistencia al cambio",
    "C": "Poca conectividad rural",
    "D": "Rotación de personal",
    "E": "Normas desactualizadas",
}
BALLOTS = (
    [["A", "B", "C"]] * 6
    + [["A", "C", "B"]] * 2
    + [["B", "A", "D"]] * 6
    + [["C", "D", "A"]] * 6
    + [["D", "C", "E"]] * 5
    + [["E", "D", "B"]] * 4
    + [["E", "B", "D"]] * 1
)
RANKING = [("A", 42), ("D", 42), ("B", 38), ("C", 38), ("E", 20)]
PROPOSALS = [  # table, focus barrier, consequences, solution, impact, effort
    (
        1,
        "A",
        "Las obras quedan a medias",
        "Convenio con el gobierno estatal para cofinanciar",
        4,
        2,
    ),
    (2, "D", "Se pierde lo aprendido", "Manual de procesos y tutorías entre pares", 3, 1),
    (3, "A", "No se cumplen las metas", "Presupuesto participativo con prioridades ODS", 5, 4),
]
# Action plans: people 0–9 each plan one action, SDG 11 for even people and 16 for odd ones.
PLANNERS = 10
# One check-in round (day 30): people 0–9 were asked; 0–5 answered: 0–1 completed, 2–3
# substantial progress, 4 blocked ("Falta de presupuesto"), 5 blocked ("Cambio de gestión").
CHECKIN_DAY = 30


@dataclass(frozen=True, slots=True)
class Workshop:
    """What the fixture wrote: the workshop and its members, in order."""

    cohort: Cohort
    people: list[Participant]


def _scores(collaborative: float, experimental: float) -> dict[str, object]:
    return {
        "dimensions": {"collaborative": collaborative, "experimental": experimental},
        "groups": {},
    }


async def seed_workshop(store: Store, now: datetime, people_count: int = PEOPLE) -> Workshop:
    """Write the 30-person workshop into an empty store (either backend).

    A larger `people_count` (benchmarks) repeats the pattern: the first 30 are as documented.
    """
    cohort = Cohort(uuid.uuid4().hex, CODE, "Taller de 30", "es", now, ends=now.date())
    await store.create_cohort(cohort)
    people = [
        Participant(
            uuid.uuid4().hex,
            "telegram" if n < 20 else "whatsapp",
            str(50_000 + n) if n < 20 else f"+521550000{n:03d}",
            "es",
            now,
            name=f"Persona {n}",
            municipality=f"Municipio {n}",
            country=COUNTRIES[n % PEOPLE],
            role=ROLES[n % len(ROLES)],
            consent=True,
            consent_at=now,
            onboarded=True,
        )
        for n in range(people_count)
    ]
    for n, person in enumerate(people):
        changes = Changes(
            participant=person,
            memberships=[Membership(person.id, cohort.id, now, table_no=1 + n // 6)],
        )
        changes.results += _results(person, n % PEOPLE, cohort, now)
        changes.answers += _session2(person, n % PEOPLE, now)
        changes.actions += _actions(person, n % PEOPLE, now)
        # Answers and actions name the run they came from; results name theirs too.
        changes.runs += [_run(person, run_id, now) for run_id in _run_ids(changes)]
        async with store.conversation(person.key, None) as session:
            await session.commit(changes)
    await _round(store, cohort, people, now)
    await _checkins(store, cohort, people, now)
    return Workshop(cohort, people)


def _run_ids(changes: Changes) -> set[str]:
    return (
        {a.run_id for a in changes.answers}
        | {a.run_id for a in changes.actions}
        | {r.run_id for r in changes.results}
    )


def _run(person: Participant, run_id: str, now: datetime) -> Run:
    return Run(run_id, person.id, "onboarding", 1, "end", "completed", now, now, {}, now)


def _results(person: Participant, n: int, cohort: Cohort, now: datetime) -> list[AssessmentResult]:
    found = []
    if n < MINDSETS:
        if n == 0:
            found.append(
                AssessmentResult(uuid.uuid4().hex, person.id, "mindsets", cohort.id,
                                 _scores(FIRST_TRY, EXPERIMENTAL_AVERAGE), now - timedelta(days=1))
            )  # fmt: skip
        found.append(
            AssessmentResult(uuid.uuid4().hex, person.id, "mindsets", cohort.id,
                             _scores(50 + 5 * n, EXPERIMENTAL_AVERAGE), now)
        )  # fmt: skip
    if n < FEW:
        found.append(
            AssessmentResult(uuid.uuid4().hex, person.id, "digital_government", cohort.id,
                             {"dimensions": {"individual": 75.0}, "groups": {}}, now)
        )  # fmt: skip
    return found


def _session2(person: Participant, n: int, now: datetime) -> list[Answer]:
    table = 1 + n // 6
    if n % 6 != 0 or table not in SESSION2:  # one person per table sends the table's list
        return []
    run = uuid.uuid4().hex
    return [
        Answer(run, person.id, "mindset_challenges", f"challenge_{k}", text, text, now)
        for k, text in enumerate(SESSION2[table], start=1)
    ]


def _actions(person: Participant, n: int, now: datetime) -> list[PlanAction]:
    if n >= PLANNERS:
        return []
    run = uuid.uuid4().hex
    return [
        PlanAction(
            id=f"{run}-0",
            participant_id=person.id,
            run_id=run,
            position=0,
            title=f"Acción {n}",
            sdg=11 if n % 2 == 0 else 16,
            office="Secretaría",
            first_step="Primer paso",
            target_month="2027-03",
            indicator="Indicador",
            created_at=now,
            updated_at=now,
        )
    ]


async def _round(store: Store, cohort: Cohort, people: list[Participant], now: datetime) -> None:
    ids = {key: uuid.uuid4().hex[:8] for key in BARRIERS}
    challenges = [
        Challenge(ids[key], cohort.id, text, now + timedelta(seconds=n), people[n].id)
        for n, (key, text) in enumerate(BARRIERS.items())
    ]
    votes = [
        Vote(cohort.id, people[n].id, tuple(ids[k] for k in ballot), now)
        for n, ballot in enumerate(BALLOTS)
    ]
    solutions = [
        Solution(uuid.uuid4().hex, cohort.id, people[6 * (table - 1)].id, table, ids[focus],
                 consequences, text, impact, effort, now + timedelta(seconds=table))
        for table, focus, consequences, text, impact, effort in PROPOSALS
    ]  # fmt: skip
    await store.commit(Changes(challenges=challenges, votes=votes, solutions=solutions))
    await store.set_round_phase(cohort.id, "closed", now)


async def _checkins(store: Store, cohort: Cohort, people: list[Participant], now: datetime) -> None:
    statuses = ["completed", "completed", "substantial", "substantial", "blocked", "blocked"]
    notes = {4: "Falta de presupuesto", 5: "Cambio de gestión"}
    checkins, progress = [], []
    for index, person in enumerate(people):
        n = index % PEOPLE
        if n >= PLANNERS:
            continue
        answered = n < len(statuses)
        checkin = Checkin(
            id=uuid.uuid4().hex,
            participant_id=person.id,
            cohort_id=cohort.id,
            offset_days=CHECKIN_DAY,
            due_at=now,
            status="answered" if answered else "unanswered",
            sent_at=now,
            answered_at=now if answered else None,
        )
        checkins.append(checkin)
        if answered:
            actions = await store.actions(person.id)
            progress.append(
                ActionProgress(actions[0].id, person.id, statuses[n], now, checkin.id,
                               note=notes.get(n))
            )  # fmt: skip
    planned = [c.with_changes(status="planned", sent_at=None, answered_at=None) for c in checkins]
    await store.save_checkin_plan(cohort, planned)
    await store.commit(Changes(checkins=checkins, progress=progress))

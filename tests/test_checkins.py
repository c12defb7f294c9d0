"""Check-ins: planned per workshop, walked action by action, nudged, recorded in the roadmap."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.cli.main import main
from bot.config import Settings
from bot.facilitation.export import export_cohort
from bot.followup.checkins import plan_cohort
from bot.followup.send_window import SchedulePolicy
from bot.web.app import create_app
from storage import Changes, Cohort, ParticipantKey, PlanAction
from tests.fakes.telegram_api import serve_asgi
from tests.support import CHANNEL, FakeClock, Harness, Person, harness

ENDS = date(2026, 3, 6)  # a Friday; the harness clock starts on Monday 2 March 2026


async def with_plan(h: Harness, person: Person, *titles: str, target: str = "2026-04") -> str:
    """Give an onboarded person an action plan straight in the store."""
    p = await h.app.store.participant(ParticipantKey(CHANNEL, person.address))
    assert p is not None
    now = h.clock.now()
    actions = [
        PlanAction(
            f"{p.id}-{n}", p.id, "plan", n, title, 11, "Obras", "Paso", target, "Ind", now, now
        )
        for n, title in enumerate(titles)
    ]
    async with h.app.store.conversation(p.key, None) as session:
        await session.commit(Changes(actions=actions))
    return p.id


async def workshop(
    h: Harness, days: tuple[int, ...] | None = None, tz: str | None = None
) -> Cohort:
    cohort = replace(await h.create_cohort(), ends=ENDS, checkin_days=days, timezone=tz)
    await h.app.store.save_checkin_plan(cohort, [])
    return cohort


async def due_now(h: Harness) -> None:
    await h.app.scheduler.checkins_once()
    await h.app.sender.drain()


async def statuses(h: Harness) -> list[tuple[int, str, int]]:
    return [
        (int(d), str(s), int(n))
        for d, s, n in await h.rows(
            "SELECT offset_days, status, nudges FROM checkins ORDER BY offset_days"
        )
    ]


async def test_a_checkin_walks_each_action_and_updates_the_roadmap(h: Harness) -> None:
    cohort = await workshop(h, days=(14,))
    ana = h.person()
    await ana.onboard("ODS2026")
    await with_plan(h, ana, "Ventanilla única", "Presupuesto participativo")
    policy = SchedulePolicy()
    assert await plan_cohort(h.app.store, cohort, policy) == 1
    await due_now(h)
    assert h.sender.take("ana") == []  # not due yet
    # 20 March, 10:00 in Ecuador (her country) is 15:00 UTC.
    h.clock.current = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
    await due_now(h)
    (message,) = h.sender.take("ana")
    assert "Hola Ana" in message.text
    assert "Acción 1 de 2: “Ventanilla única”" in message.text
    assert [c.label for c in message.choices] == [
        "No iniciada",
        "Iniciada",
        "Avance sustancial",
        "Completada",
        "Bloqueada",
        "Abandonada",
    ]
    assert await statuses(h) == [(14, "sent", 0)]
    ana.last = [message]
    assert "¿Qué pasó desde la última vez?" in await ana.send(choice=ana.choice_id("Completada"))
    assert "enlace" in await ana.send("Ya funciona en línea")
    assert "Envíe un enlace web" in await ana.send("no tengo 🙂")
    reply = await ana.send("municipio.gob.ec/ventanilla")
    assert "Acción 2 de 2: “Presupuesto participativo”" in reply
    assert "¿Qué lo está bloqueando?" in await ana.send("Bloqueada")
    # Its target (April 2026) has not passed yet, so no new month is asked.
    assert "surgido una nueva acción" in await ana.send("Falta el acuerdo del concejo")
    assert "¿Cuál es la nueva acción?" in await ana.send("sí")
    await ana.send("Gobierno abierto")
    await ana.send("ODS 16")
    assert "primer paso" in await ana.send("Secretaría General")
    await ana.send("Publicar el tablero de datos")
    assert "¿Quiere agregar otra acción nueva?" in await ana.send("junio 2026")
    done = await ana.send("no")
    assert "¡Gracias, Ana! Su hoja de ruta está al día." in done
    assert "Estado: Completada" in done
    assert "Estado: Bloqueada" in done
    assert "3. Gobierno abierto" in done
    assert "1 completada, 1 bloqueada, 1 acción nueva" in done
    assert await statuses(h) == [(14, "answered", 0)]
    roadmap = await ana.send("/roadmap")
    assert roadmap.count("Estado:") == 3
    # Bug: an action added in a check-in showed an empty "Primer paso: ".
    assert "Primer paso: Publicar el tablero de datos" in roadmap
    assert "Primer paso: \n" not in roadmap
    p = await h.app.store.participant(ParticipantKey(CHANNEL, "ana"))
    assert p is not None
    updates = await h.app.store.action_updates(participant_id=p.id)
    assert [(u.status, u.note, u.evidence) for u in updates] == [
        ("completed", "Ya funciona en línea", "https://municipio.gob.ec/ventanilla"),
        ("blocked", "Falta el acuerdo del concejo", None),
    ]
    # Nothing more comes but the round's digest: no nudge for an answered check-in.
    h.clock.advance(days=30)
    await due_now(h)
    later = [m.text for m in h.sender.take("ana")]
    for _ in range(72):  # the digest waits for working hours in her time zone
        if later:
            break
        h.clock.advance(hours=1)
        await due_now(h)
        later = [m.text for m in h.sender.take("ana")]
    assert len(later) == 1
    assert "Cómo avanzan las acciones de «Taller ODS» (seguimiento del día 14)" in later[0]


async def join(h: Harness, address: str, country: str, name: str) -> Person:
    """Onboard a person from a country into the workshop ODS2026."""
    person = h.person(address)
    await person.open()
    for answer in ("1", "sí", name, "Cuenca", country, "3", "ODS2026"):
        await person.send(answer)
    return person


ZONES = {"México": ZoneInfo("America/Mexico_City"), "Brasil": ZoneInfo("America/Sao_Paulo")}
START, NUDGE, LAST = "Es momento de un breve seguimiento", "sigue esperando", "último recordatorio"
DIGEST = "Cómo avanzan las acciones"


def inside_window(at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    return local.weekday() < 5 and 9 <= local.hour < 19


async def test_two_hundred_days_of_checkins_for_fifty_people_in_two_time_zones(
    h: Harness,
) -> None:
    await workshop(h)  # the default plan: 14, 30, 90 and 180 days after 6 March
    people: dict[str, tuple[Person, str, str]] = {}
    for n in range(50):
        country = "México" if n % 2 else "Brasil"
        # Every fifth person opts out; the others answer at once, after a nudge, or never.
        kind = ("stopped", "silent", "late", "prompt", "prompt")[n % 5]
        person = await join(h, f"p{n}", country, f"P{n}")
        await with_plan(h, person, f"Acción {n}", target="2027-06")
        if kind == "stopped":
            await person.send("/stop")
        people[person.address] = (person, country, kind)
    h.sender.take_all()
    started: dict[str, list[tuple[datetime, str]]] = {a: [] for a in people}
    digests = dict.fromkeys(people, 0)
    end = h.clock.now() + timedelta(days=200)
    while h.clock.now() < end:
        h.clock.advance(minutes=53)  # odd steps: the scheduler wakes at no particular minute
        await due_now(h)
        for address, messages in h.sender.take_all().items():
            person, country, kind = people[address]
            for message in messages:
                text = message.text
                assert inside_window(h.clock.now(), ZONES[country]), (address, h.clock.now())
                if DIGEST in text:  # a round is over: how the workshop's actions are going
                    digests[address] += 1
                    continue
                what = START if START in text else NUDGE if NUDGE in text else LAST
                assert what in text, text
                started[address].append((h.clock.now(), what))
                assert inside_window(h.clock.now(), ZONES[country]), (address, h.clock.now())
                if (kind == "prompt" and what == START) or (kind == "late" and what == NUDGE):
                    for answer in ("2", "-", "-", "no"):
                        await person.send(answer)
    for address, (_, _, kind) in people.items():
        events = started[address]
        kinds = [what for _, what in events]
        if kind == "stopped":
            assert events == []
            assert digests[address] == 0
            continue
        assert digests[address] == 4, (address, kind)  # one per round
        assert kinds.count(START) == 4, (address, kinds)
        expected = {"prompt": [START], "late": [START, NUDGE], "silent": [START, NUDGE, LAST]}
        assert kinds == expected[kind] * 4, (address, kinds)
        for (a, first), (b, second) in pairwise(events):
            if (first, second) == (START, NUDGE):
                assert timedelta(days=3) <= b - a < timedelta(days=6)  # + a weekend at most
            if (first, second) == (NUDGE, LAST):
                assert timedelta(days=4) <= b - a < timedelta(days=7)
    rows = await h.rows(
        "SELECT p.address, k.status, COUNT(*) FROM checkins k "
        "JOIN participants p ON p.id = k.participant_id GROUP BY p.address, k.status"
    )
    by_kind = {
        "stopped": "skipped",
        "silent": "unanswered",
        "late": "answered",
        "prompt": "answered",
    }
    assert sorted(rows) == sorted((a, by_kind[k], 4) for a, (_, _, k) in people.items())


async def test_the_facilitator_sees_response_statuses_and_blockers(
    tmp_path: Path, database_url: str
) -> None:
    db = tmp_path / "report.db"
    async with harness(db, FakeClock(), facilitators=("fac",), url=database_url) as h:
        await workshop(h, days=(14,))
        people = [await join(h, f"p{n}", "Ecuador", f"P{n}") for n in range(6)]
        for person in people:
            await with_plan(h, person, f"Acción de {person.address}")
        await people[5].send("/stop")
        fac = h.person("fac")
        await fac.onboard("ODS2026", name="Facilitadora")
        answers = {
            "p0": ("4", "Listo", "-", "no"),
            "p1": ("5", "Falta presupuesto", "no"),
            "p2": ("5", "falta presupuesto.", "no"),
        }
        h.sender.take_all()
        end = datetime(2026, 4, 10, tzinfo=UTC)
        while h.clock.now() < end:
            h.clock.advance(hours=1)
            await due_now(h)
            for address, messages in h.sender.take_all().items():
                if any(START in m.text for m in messages):
                    for text in answers.pop(address, ()):
                        await people[int(address[1:])].send(text)
        report = await fac.send("/results checkin ODS2026")
        assert "Seguimientos de Taller ODS:" in report
        # Five got it (the sixth opted out; the facilitator is not asked), three answered, two
        # stayed silent through two nudges.
        assert "• Día 14: respondieron 3 de 5 (60" in report
        assert "2 no respondieron." in report
        assert "Cómo están ahora las 6 acciones:" in report
        assert "• Bloqueada: 2" in report
        assert "• Completada: 1" in report
        assert "Falta presupuesto (2)" in report  # the same words, counted together
        assert any(m.image_png for m in fac.last)  # the chart
        assert "comando es solo para" in await people[0].send("/results checkin ODS2026")
        cohort = await h.app.store.cohort_by_code("ODS2026")
        assert cohort is not None
        data = await export_cohort(h.app.store, h.app.registry, cohort)
        assert data.rows["checkins"] == 7  # six members and the facilitator
        assert data.rows["progress"] == 3
    settings = Settings(dashboard_token="t0k-long-enough-for-the-dashboard")
    auth = {"Authorization": "Bearer t0k-long-enough-for-the-dashboard"}
    async with (
        serve_asgi(create_app(settings, database_url), lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=20) as http,
    ):
        page = (await http.get("/dashboard/ODS2026", headers=auth)).text
        assert "Tasa de respuesta" in page
        assert '<td>Día 14</td><td class="num">7</td><td class="num">5</td>' in page
        assert "Falta presupuesto (2)" in page
        chart = await http.get("/dashboard/ODS2026/checkins.png", headers=auth)
        assert chart.headers["content-type"] == "image/png"
        form = {"ends": "2026-03-06", "days": "14, 90"}
        refused = await http.post("/dashboard/ODS2026/checkins", data=form)
        assert refused.status_code == 401
        bad = await http.post("/dashboard/ODS2026/checkins", data={"days": "treinta"}, headers=auth)
        assert bad.status_code == 400
        assert "días enteros" in bad.text
        saved = await http.post("/dashboard/ODS2026/checkins", data=form, headers=auth)
        assert saved.status_code == 303
        page = (await http.get("/dashboard/ODS2026", headers=auth)).text
        assert '<td>Día 90</td><td class="num">7</td><td class="num">0</td>' in page


async def test_a_new_plan_moves_rounds_not_started_and_keeps_the_rest(h: Harness) -> None:
    cohort = await workshop(h)
    ana = await join(h, "ana", "Ecuador", "Ana")
    await with_plan(h, ana, "Ventanilla única")
    await due_now(h)  # the scheduler plans new members itself
    assert [(d, s) for d, s, _ in await statuses(h)] == [
        (14, "planned"),
        (30, "planned"),
        (90, "planned"),
        (180, "planned"),
    ]
    h.clock.current = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
    await due_now(h)
    policy = SchedulePolicy()
    changed = replace(cohort, checkin_days=(14, 60))
    await plan_cohort(h.app.store, changed, policy)
    assert [(d, s) for d, s, _ in await statuses(h)] == [
        (14, "sent"),  # already under way: kept
        (30, "cancelled"),
        (60, "planned"),
        (90, "cancelled"),
        (180, "cancelled"),
    ]


async def test_stop_in_the_middle_of_a_checkin_ends_its_nudges(h: Harness) -> None:
    await workshop(h, days=(14,))
    ana = await join(h, "ana", "Ecuador", "Ana")
    await with_plan(h, ana, "Ventanilla única")
    h.clock.current = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
    await due_now(h)
    ana.last = h.sender.take("ana")
    # A photo, and a button of a question already gone, change nothing and re-ask.
    assert "Acción 1 de 1" in await ana.send(kind="media")
    assert "pregunta anterior" in await ana.send(choice="zzzz1.3")
    assert "Acción 1 de 1" in ana.last[0].text
    await ana.send("/stop")
    for _ in range(20):
        h.clock.advance(days=1)
        await due_now(h)
    assert h.sender.take("ana") == []
    assert await statuses(h) == [(14, "skipped", 0)]


def test_the_checkin_plan_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.db")
    assert main(["cohort", "create", "--db", db, "--name", "Taller", "--code", "LIMA1"]) == 0
    assert main(["cohort", "show", "--db", db, "LIMA1"]) == 0
    assert "check-ins: none until the workshop has an end date" in capsys.readouterr().out
    assert main(["cohort", "checkins", "--db", db, "LIMA1"]) == 0
    assert "el taller todavía no tiene fecha de cierre" in capsys.readouterr().out
    args = ["cohort", "checkins", "--db", db, "LIMA1", "--at", "30,90,180", "--ends", "2026-03-06"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "LIMA1: 0 check-ins planned" in out  # nobody joined yet
    assert "• Día 30: planificado para 0 personas." in out
    assert "• Día 180" in out
    assert main(["cohort", "checkins", "--db", db, "LIMA1", "--at", "treinta"]) == 2
    assert "whole days" in capsys.readouterr().err
    made = ["cohort", "create", "--db", db, "--name", "Otro", "--code", "QUITO", "--ends"]
    assert main([*made, "2026-05-29", "--checkins", "60,365"]) == 0
    assert main(["cohort", "show", "--db", db, "QUITO"]) == 0
    assert "check-ins: +60 days, +365 days" in capsys.readouterr().out

"""Facilitator commands in the chat: who may use them, broadcasts, launch, results, status."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.facilitation.export import export_cohort
from i18n import translator
from storage import ParticipantKey
from tests.support import Harness, Person, harness


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    async with harness(tmp_path / "f.db", facilitators=["fac"], url=database_url) as running:
        await running.create_cohort("ODS2026", "Taller ODS")
        yield running


async def _members(h: Harness, count: int) -> list[Person]:
    people = []
    for n in range(count):
        person = h.person(f"p{n}")
        await person.onboard("ODS2026", name=f"Persona {n}")
        people.append(person)
    return people


async def _rows(h: Harness, sql: str) -> list[tuple[object, ...]]:
    return await h.rows(sql)


async def test_a_participant_gets_a_polite_no_and_nothing_happens(h: Harness) -> None:
    ana = (await _members(h, 1))[0]
    for command in ("/broadcast ODS2026", "/launch principles ODS2026", "/status ODS2026"):
        reply = await ana.send(command)
        assert "solo para quienes facilitan el taller" in reply
    assert await _rows(h, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert await _rows(h, "SELECT COUNT(*) FROM audit_log") == [(0,)]


async def test_a_broadcast_reaches_each_member_once_and_skips_the_opted_out(h: Harness) -> None:
    people = await _members(h, 5)
    await people[3].send("/stop")
    await h.app.store.set_reachable(ParticipantKey("test", "p4"), reachable=False)
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    asked = await fac.send("/broadcast ODS2026")
    assert "Escriba el mensaje para 6 participantes de “Taller ODS” (todos)" in asked
    confirm = await fac.send("Mañana empezamos a las 9:00.")
    assert "¿Enviar esto a 6 participantes?" in confirm
    done = await fac.send(choice=fac.choice_id("Sí, enviar"))
    assert "En cola para 4 participantes. 2 omitidos" in done
    await h.app.sender.drain()
    got = {p: h.sender.take(p) for p in ("p0", "p1", "p2", "p3", "p4")}
    texts = {p: [m.text for m in messages] for p, messages in got.items()}
    # The facilitator is a member too: after the confirmation comes the broadcast.
    texts["fac"] = [m.text for m in fac.last if not m.text.startswith("En cola")]
    for address in ("p0", "p1", "p2", "fac"):
        assert texts[address] == ["Mañana empezamos a las 9:00."], address
    assert texts["p3"] == []
    assert texts["p4"] == []
    # Confirming again (a redelivery, a double tap) queues nothing more.
    await fac.send("sí")
    await h.app.sender.drain()
    assert all(h.sender.take(p) == [] for p in ("p0", "p1", "p2"))
    (entry,) = await h.app.store.audit_log()
    assert entry.actor == "test:fac"
    assert entry.action == "broadcast"
    assert entry.detail["recipients"] == 4
    status = await fac.send("/status ODS2026")
    assert "Taller ODS: 6 participantes" in status
    assert "4 enviados, 0 en espera, 0 con error, 2 omitidos" in status


async def test_status_quotes_a_broadcast_cut_between_words(h: Harness) -> None:
    """Issue 18: /status cut broadcasts mid-word ("Traigan su plan de ac")."""
    await _members(h, 1)
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    await fac.send("/broadcast ODS2026")
    await fac.send("Traigan su plan de acción impreso para la sesión de mañana, por favor.")
    await fac.send(choice=fac.choice_id("Sí, enviar"))
    await h.app.sender.drain()
    status = await fac.send("/status ODS2026")
    assert "Difusión “Traigan su plan de acción impreso para…”: 2 enviados" in status
    assert "plan de ac”" not in status


async def test_a_broadcast_to_those_who_have_not_finished_a_flow(h: Harness) -> None:
    people = await _members(h, 2)
    await people[0].send("Cambio de mentalidad para los ODS")
    for _ in range(12):
        reply = await people[0].send("3")
        if "Sus resultados" in reply:
            break
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    asked = await fac.send("/broadcast ODS2026 pendiente mindsets over 2h")
    assert "para 2 participantes" in asked  # p1 and the facilitator
    await fac.send("Les falta la autoevaluación.")
    await fac.send("sí")
    rows = await _rows(
        h, "SELECT address, not_before FROM outbox WHERE dedupe_key LIKE 'broadcast:%'"
    )
    assert sorted(address for address, _ in rows) == ["fac", "p1"]
    times = sorted(str(t) for _, t in rows)
    assert times[0] != times[1]  # spread over the two hours, not all at once


async def test_cancel_and_bad_input_while_writing(h: Harness) -> None:
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    await fac.send("/broadcast ODS2026")
    assert "hasta 1000 caracteres" in await fac.send("x" * 1001)
    assert "Cancelado" in await fac.send("/cancel")
    assert await _rows(h, "SELECT status FROM broadcasts") == [("cancelled",)]
    assert "No entendí a quién" in await fac.send("/broadcast ODS2026 planeta Marte")


async def test_launch_starts_the_flow_for_every_member(h: Harness) -> None:
    await _members(h, 3)
    fac = h.person("fac")
    await fac.onboard(name="Facilitadora")
    reply = await fac.send("/launch mindsets ODS2026")
    assert "Comenzando “Cambio de mentalidad para los ODS” para 3 participantes" in reply
    assert await h.app.scheduler.run_once() == 3
    assert await h.app.scheduler.run_once() == 0  # each member started once
    await h.app.sender.drain()
    for address in ("p0", "p1", "p2"):
        messages = h.sender.take(address)
        assert len(messages[-1].choices) == 5, address  # the first statement, on a scale


async def test_results_wait_for_five_then_show_averages(h: Harness) -> None:
    people = await _members(h, 5)
    fac = h.person("fac")
    await fac.onboard(name="Facilitadora")
    for n, person in enumerate(people):
        await person.send("Cambio de mentalidad para los ODS")
        for _ in range(12):
            if "Sus resultados" in await person.send(str(1 + n % 5)):
                break
        if n == 3:
            early = await fac.send("/results mindsets ODS2026")
            assert "4 personas terminaron" in early
            assert "a partir de 5 personas" in early
    reply = await fac.send("/results mindsets ODS2026")
    assert "5 personas terminaron" in reply
    assert "• " in reply
    assert any(m.image_png for m in fac.last)


async def test_export_holds_the_workshop_and_no_phone_numbers(h: Harness) -> None:
    people = await _members(h, 2)
    await people[0].send("/start ODS2026")
    evil = h.person("+5215512345678")
    await evil.onboard("ODS2026", name="=HYPERLINK(1)")
    cohort = await h.app.store.cohort_by_code("ODS2026")
    assert cohort is not None
    data = await export_cohort(h.app.store, h.app.registry, cohort)
    assert data.rows["members"] == 3
    with zipfile.ZipFile(io.BytesIO(data.csv_zip)) as zipped:
        members = zipped.read("members.csv").decode("utf-8-sig")
        assert set(zipped.namelist()) >= {"members.csv", "answers.csv", "ranking.csv"}
    assert "Persona 0" in members
    assert "'=HYPERLINK(1)" in members  # a formula arrives as text
    assert "5215512345678" not in members
    book = load_workbook(io.BytesIO(data.xlsx), read_only=True)
    tr = translator("es")
    assert book.sheetnames[:3] == [tr.gettext(t) for t in ("Contents", "Members", "Answers")]
    members_sheet = book[tr.gettext("Members")]
    names = [row[1] for row in members_sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in names
    # On a channel that cannot carry files the facilitator is pointed elsewhere.
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    assert "minga export ODS2026" in await fac.send("/export ODS2026")
    # Nothing was exported, so nothing is logged.
    assert not [e for e in await h.app.store.audit_log() if e.action == "export"]


async def test_an_invite_makes_a_co_facilitator_once_after_confirmation(h: Harness) -> None:
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    given = await fac.send("/invite ODS2026")
    code = next(w for w in given.split() if w.startswith("F") and len(w) == 12)
    bea = h.person("bea")
    await bea.onboard(name="Bea")
    assert "solo para quienes facilitan" in await bea.send("/status ODS2026")
    offer = await bea.send(f"/facilitate {code.lower()}")
    assert "Le invitan a cofacilitar “Taller ODS”" in offer
    assert "cofacilita “Taller ODS”" in await bea.send(choice=bea.choice_id("Sí, acepto"))
    assert "Taller ODS: 2 participantes" in await bea.send("/status")  # and she joined it
    carl = h.person("carl")
    await carl.onboard(name="Carl")
    assert "no es válido" in await carl.send(f"/facilitate {code} sí")
    assert "solo para quienes facilitan" in await carl.send("/status ODS2026")
    actions = [e.action for e in await h.app.store.audit_log()]
    assert actions[:2] == ["facilitator added", "invite"]


async def _invited(h: Harness, fac: Person, workshop: str, name: str) -> Person:
    """Someone who joined `workshop`'s facilitation through an invite and its button."""
    given = await fac.send(f"/invite {workshop}")
    code = next(w for w in given.split() if w.startswith("F") and len(w) == 12)
    person = h.person(name.lower())
    await person.onboard(name=name)
    await person.send(f"/facilitate {code}")
    await person.send(choice=person.choice_id("Sí, acepto"))
    return person


async def test_an_invite_button_works_for_one_person_only(h: Harness) -> None:
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    given = await fac.send("/invite ODS2026")
    code = next(w for w in given.split() if w.startswith("F") and len(w) == 12)
    bea, carl = h.person("bea"), h.person("carl")
    await bea.onboard(name="Bea")
    await carl.onboard(name="Carl")
    await bea.send(f"/facilitate {code}")
    await carl.send(f"/facilitate {code}")  # both were shown the offer and its button
    assert "cofacilita “Taller ODS”" in await bea.send(choice=bea.choice_id("Sí, acepto"))
    assert "no es válido" in await carl.send(choice=carl.choice_id("Sí, acepto"))
    assert "solo para quienes facilitan" in await carl.send("/status ODS2026")
    assert await _rows(h, "SELECT COUNT(*) FROM participants WHERE facilitator = 1") == [(1,)]


async def test_an_invite_expires_after_48_hours(h: Harness) -> None:
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    given = await fac.send("/invite ODS2026")
    code = next(w for w in given.split() if w.startswith("F") and len(w) == 12)
    h.clock.advance(hours=49)
    bea = h.person("bea")
    await bea.onboard(name="Bea")
    assert "venció" in await bea.send(f"/facilitate {code} sí")
    assert "solo para quienes facilitan" in await bea.send("/status ODS2026")


async def test_wrong_invite_codes_are_limited_per_person(h: Harness) -> None:
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    given = await fac.send("/invite ODS2026")
    code = next(w for w in given.split() if w.startswith("F") and len(w) == 12)
    eve = h.person("eve")
    await eve.onboard(name="Eve")
    for n in range(5):
        assert "no es válido" in await eve.send(f"/facilitate FWRONG{n}")
    # The sixth try is refused before any lookup, even with the right code.
    assert "demasiados códigos" in await eve.send(f"/facilitate {code} sí")
    assert "demasiados códigos" in await eve.send("/start NOPE")
    h.clock.advance(hours=1)
    assert "cofacilita “Taller ODS”" in await eve.send(f"/facilitate {code} sí")


async def test_wrong_workshop_codes_are_limited_in_onboarding_too(h: Harness) -> None:
    ana = h.person("ana")
    await ana.open()
    for text in ("1", "sí", "Ana", "Cuenca", "Ecuador", "3"):
        await ana.send(text)
    for n in range(5):
        assert "No encontré ningún taller con el código" in await ana.send(f"MAL{n}")
    reply = await ana.send("ODS2026")  # right, but the allowance is spent
    assert "demasiados códigos" in reply
    assert await _rows(h, "SELECT COUNT(*) FROM memberships") == [(0,)]
    h.clock.advance(hours=1)
    assert "Todo listo, Ana" in await ana.send("ODS2026")
    assert await _rows(h, "SELECT COUNT(*) FROM memberships") == [(1,)]


async def test_a_co_facilitator_acts_only_on_the_workshops_they_were_invited_to(
    h: Harness,
) -> None:
    await h.create_cohort("OTRO2026", "Otro taller")
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    bea = await _invited(h, fac, "ODS2026", "Bea")
    for command in ("/status OTRO2026", "/broadcast OTRO2026", "/launch principles OTRO2026"):
        assert "solo puede cofacilitar los talleres" in (await bea.send(command)).lower()
    assert await _rows(h, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    # Her own workshop, by code or by default, works.
    assert "Taller ODS: " in await bea.send("/status ODS2026")
    assert "Taller ODS: " in await bea.send("/status")
    # A facilitator listed in MINGA_FACILITATORS acts on every workshop.
    assert "Otro taller: " in await fac.send("/status OTRO2026")
    assert "Taller ODS: " in await fac.send("/status ODS2026")


async def test_a_participant_picks_their_table(h: Harness) -> None:
    ana = (await _members(h, 1))[0]
    assert "mesa 4" in await ana.send("/table 4")
    assert "número de su mesa" in await ana.send("/table cuatro")
    (membership,) = await h.app.store.memberships(await ana_id(h, "p0"))
    assert membership.table_no == 4
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    assert "para 1 participante de" in await fac.send("/broadcast ODS2026 mesa 4")


async def ana_id(h: Harness, address: str) -> str:
    person = await h.app.store.participant(ParticipantKey("test", address))
    assert person is not None
    return person.id


async def test_a_launch_reaches_a_facilitator_who_is_writing_a_broadcast(h: Harness) -> None:
    fac = h.person("fac")
    await fac.onboard("ODS2026", name="Facilitadora")
    await fac.send("/broadcast ODS2026")  # a draft waits for its text
    await fac.send("/launch mindsets ODS2026")
    assert await h.app.scheduler.run_once() == 1
    await h.app.sender.drain()
    (start,) = h.sender.take("fac")
    assert len(start.choices) == 5  # the flow started; the launch was not taken for the text
    assert await _rows(h, "SELECT status FROM broadcasts") == [("draft",)]

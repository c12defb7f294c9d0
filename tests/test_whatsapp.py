"""WhatsApp through Twilio, end to end: signed webhooks into `minga serve`, replies through the
real twilio client to a fake Twilio REST server, the 24-hour window, templates and statuses."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.config import Settings
from bot.followup.checkins import plan_cohort
from bot.followup.reminders import remind_once
from bot.followup.send_window import SchedulePolicy
from bot.web.app import create_app
from storage import (
    PRIORITY_BULK,
    Changes,
    Cohort,
    NewOutbound,
    Outbound,
    ParticipantKey,
    PlanAction,
)
from tests.fakes.telegram_api import serve_asgi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, serve_twilio
from tests.support import FakeClock

PUBLIC = "https://minga.example.org"
ANA = "+5491155550001"  # Argentina: Spanish


@dataclass
class WhatsApp:
    fake: FakeTwilio
    http: httpx.AsyncClient
    clock: FakeClock
    web: Any
    sids: itertools.count[int]

    async def post(self, path: str, params: dict[str, str], signed: bool = True) -> httpx.Response:
        headers = {}
        if signed:
            validator = RequestValidator(AUTH_TOKEN)
            headers["X-Twilio-Signature"] = validator.compute_signature(PUBLIC + path, params)
        return await self.http.post(path, data=params, headers=headers)

    async def says(self, number: str, body: str = "", sid: str | None = None, **extra: str) -> str:
        sid = sid or f"SMin{next(self.sids):030d}"
        params = {
            "MessageSid": sid,
            "From": f"whatsapp:{number}",
            "To": "whatsapp:+14155238886",
            "Body": body,
            "NumMedia": "0",
            "ProfileName": "Ana",
            "WaId": number.lstrip("+"),
            **extra,
        }
        response = await self.post("/whatsapp/webhook", params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        return sid

    async def exchange(self, number: str, body: str = "", **extra: str) -> str:
        seen = len(self.fake.to(number))
        await self.says(number, body, **extra)
        return (await self.fake.message_for(number, seen))["Body"]

    async def status(self, sid: str, status: str, error: str | None = None) -> httpx.Response:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
        if error is not None:
            params["ErrorCode"] = error
        return await self.post("/whatsapp/status", params)

    async def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        store = self.web.state.app.store
        return [tuple(row) for row in await store._fetchall(sql, params)]

    async def onboard(self, number: str) -> str:
        await self.exchange(number, "Hola")
        await self.exchange(number, "1")  # Español
        await self.exchange(number, "sí")
        await self.exchange(number, "Ana")
        await self.exchange(number, "Rosario")
        await self.exchange(number, "Argentina")
        await self.exchange(number, "3")
        reply = await self.exchange(number, "1")  # no workshop code
        await self.settled()
        return reply

    async def settled(self) -> None:
        """Wait until the outbox has sent everything due and recorded it."""
        for _ in range(200):
            busy = await self.query(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') "
                "OR (status = 'sent' AND external_id IS NULL)"
            )
            if busy == [(0,)]:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the outbox did not settle")


@asynccontextmanager
async def serve_whatsapp(database_url: str, **settings: Any) -> AsyncIterator[WhatsApp]:
    """Run `minga serve`'s app for WhatsApp against a fake Twilio, with these settings."""
    clock = FakeClock()
    async with serve_twilio() as (fake, api):
        configured = Settings(
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            whatsapp_from="whatsapp:+14155238886",
            twilio_api_url=api,
            public_url=PUBLIC,
            **{"burst_messages": 0, **settings},  # a script answers at machine speed
        )
        web = create_app(configured, database_url, clock=clock)
        async with (
            serve_asgi(web, lifespan="on") as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            yield WhatsApp(fake, http, clock, web, itertools.count(1))


@pytest.fixture
async def wa(database_url: str) -> AsyncIterator[WhatsApp]:
    async with serve_whatsapp(
        database_url,
        whatsapp_template_broadcast="HXbroadcast",
        whatsapp_template_flow="HXflow",
        whatsapp_template_checkin="HXcheckin",
    ) as whatsapp:
        yield whatsapp


async def test_onboarding_and_an_assessment_in_spanish(wa: WhatsApp) -> None:
    first = await wa.exchange(ANA, "Hola")
    assert "Soy Minga" in first
    assert "1. Español" in first
    assert "Responda con el número de su opción." in first
    await wa.exchange(ANA, "Español")  # the label works as well as the number
    await wa.exchange(ANA, "sí")
    await wa.exchange(ANA, "Ana")
    await wa.exchange(ANA, "Rosario")
    await wa.exchange(ANA, "Argentina")
    await wa.exchange(ANA, "3")
    menu = await wa.exchange(ANA, "1")
    assert "Cambio de mentalidad" in menu
    question = await wa.exchange(ANA, "Cambio de mentalidad para los ODS")
    while "Sus resultados" not in question:
        assert "5. " in question, question
        question = await wa.exchange(ANA, "4")
    # The results chart goes as an image Twilio fetches from minga serve's /media/ URL.
    await wa.settled()
    (chart,) = [m for m in wa.fake.to(ANA) if "MediaUrl" in m]
    assert chart["MediaUrl"].startswith(f"{PUBLIC}/media/")
    image = await wa.http.get(chart["MediaUrl"].removeprefix(PUBLIC))
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert (await wa.http.get("/media/not-a-token.png")).status_code == 404
    consent = await wa.query("SELECT consent, consent_wording FROM participants")
    assert consent == [(1, "onboarding@1#consent:es")]
    # Every reply went through the REST API with a status callback, never as inline TwiML.
    assert all(m["StatusCallback"] == f"{PUBLIC}/whatsapp/status" for m in wa.fake.sent)


@pytest.mark.parametrize("signature", [None, "wrong"])
async def test_a_bad_or_missing_signature_is_refused(wa: WhatsApp, signature: str | None) -> None:
    params = {"MessageSid": "SMbad", "From": f"whatsapp:{ANA}", "Body": "Hola"}
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = await wa.http.post("/whatsapp/webhook", data=params, headers=headers)
    assert response.status_code == 403
    status = await wa.http.post("/whatsapp/status", data={"MessageSid": "SM1"}, headers=headers)
    assert status.status_code == 403
    await wa.settled()
    assert await wa.query("SELECT COUNT(*) FROM participants") == [(0,)]
    assert wa.fake.sent == []


async def test_the_signature_covers_the_public_url_not_the_proxy_hop(wa: WhatsApp) -> None:
    # Signed for another URL (what the app sees behind a TLS proxy): refused.
    params = {"MessageSid": "SMx", "From": f"whatsapp:{ANA}", "Body": "Hola"}
    wrong = RequestValidator(AUTH_TOKEN).compute_signature(
        str(wa.http.base_url) + "/whatsapp/webhook", params
    )
    response = await wa.http.post(
        "/whatsapp/webhook", data=params, headers={"X-Twilio-Signature": wrong}
    )
    assert response.status_code == 403


async def test_a_redelivered_message_sid_is_handled_once(wa: WhatsApp) -> None:
    sid = await wa.says(ANA, "Hola")
    await wa.fake.message_for(ANA, 0)
    await wa.says(ANA, "Hola", sid=sid)
    await wa.settled()  # a second reply would be queued by now: wait until it went out
    assert len(wa.fake.to(ANA)) == 1


async def test_media_is_answered_with_a_polite_reprompt(wa: WhatsApp) -> None:
    await wa.exchange(ANA, "Hola")
    reply = await wa.exchange(ANA, "", NumMedia="1", MediaContentType0="audio/ogg")
    assert "solo puedo leer texto" in reply.lower()
    assert "1. Español" in reply  # the question again
    assert await wa.query("SELECT COUNT(*) FROM answers") == [(0,)]


async def test_baja_opts_out_like_stop(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    await wa.exchange(ANA, "BAJA")
    assert await wa.query("SELECT opted_out FROM participants") == [(1,)]


async def _broadcast(wa: WhatsApp, text: str) -> None:
    store = wa.web.state.app.store
    await store.enqueue(
        [NewOutbound("whatsapp", ANA, None, Outbound(text, purpose="broadcast"), PRIORITY_BULK)]
    )
    wa.web.state.app.sender.wake()


async def test_outside_the_window_a_broadcast_goes_as_its_template(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    seen = len(wa.fake.to(ANA))
    wa.clock.advance(hours=25)
    await _broadcast(wa, "Mañana empieza la sesión 3.")
    template = await wa.fake.message_for(ANA, seen)
    assert template["ContentSid"] == "HXbroadcast"
    assert "Body" not in template
    await wa.settled()
    assert await wa.query("SELECT status FROM outbox WHERE payload LIKE '%sesión 3%'") == [
        ("held",)
    ]
    # Their quick reply reopens the window and brings the real content.
    await wa.says(ANA, "Continuar", ButtonPayload="minga.continue", ButtonText="Continuar")
    content = await wa.fake.message_for(ANA, seen + 1)
    assert content["Body"] == "Mañana empieza la sesión 3."
    await wa.settled()
    assert len(wa.fake.to(ANA)) == seen + 2  # the quick reply itself gets no other answer


async def test_inside_the_window_a_broadcast_is_plain_text(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    seen = len(wa.fake.to(ANA))
    wa.clock.advance(hours=2)
    await _broadcast(wa, "Recuerden traer el plan.")
    assert (await wa.fake.message_for(ANA, seen))["Body"] == "Recuerden traer el plan."


async def test_no_business_initiated_message_without_opt_in(wa: WhatsApp) -> None:
    await wa.exchange(ANA, "Hola")  # never agreed to anything
    await _broadcast(wa, "Novedades")
    await wa.settled()  # the sender has decided; a fixed sleep raced a slow PostgreSQL in CI
    assert all("Novedades" not in m.get("Body", "") for m in wa.fake.sent)
    assert await wa.query("SELECT status, error FROM outbox WHERE payload LIKE '%Novedades%'") == [
        ("failed", "no WhatsApp opt-in: Minga may not write first")
    ]


async def test_63016_at_send_time_switches_to_the_template(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    seen = len(wa.fake.to(ANA))
    wa.fake.errors[f"whatsapp:{ANA}"] = [(400, 63016)]
    await _broadcast(wa, "Hoy votamos.")
    template = await wa.fake.message_for(ANA, seen)
    assert template["ContentSid"] == "HXbroadcast"


async def test_63016_in_a_status_callback_resends_as_the_template(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    seen = len(wa.fake.to(ANA))
    await _broadcast(wa, "Hoy votamos.")
    sent = await wa.fake.message_for(ANA, seen)
    assert sent["Body"] == "Hoy votamos."
    await wa.settled()
    assert (await wa.status(sent["sid"], "undelivered", "63016")).status_code == 204
    template = await wa.fake.message_for(ANA, seen + 1)
    assert template["ContentSid"] == "HXbroadcast"


async def test_21610_marks_the_participant_unreachable(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    wa.fake.errors[f"whatsapp:{ANA}"] = [(400, 21610)]
    await _broadcast(wa, "Hoy votamos.")
    for _ in range(50):
        if await wa.query("SELECT unreachable FROM participants") == [(1,)]:
            break
        await asyncio.sleep(0.05)
    assert await wa.query("SELECT unreachable FROM participants") == [(1,)]


async def test_a_500_is_retried(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    seen = len(wa.fake.to(ANA))
    wa.fake.errors[f"whatsapp:{ANA}"] = [(500, 20500)]
    await _broadcast(wa, "Hoy votamos.")
    retrying = "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 1"
    for _ in range(200):  # until the first try's 500 is recorded against its row
        if await wa.query(retrying) == [(1,)]:
            break
        await asyncio.sleep(0.02)
    assert len(wa.fake.to(ANA)) == seen
    wa.clock.advance(seconds=5)  # past the backoff
    wa.web.state.app.sender.wake()
    assert (await wa.fake.message_for(ANA, seen))["Body"] == "Hoy votamos."


async def test_status_callbacks_record_the_delivery_state(wa: WhatsApp) -> None:
    await wa.exchange(ANA, "Hola")
    sid = wa.fake.to(ANA)[0]["sid"]
    await wa.settled()  # the outbox records the sid right after Twilio accepts the message
    assert (await wa.status(sid, "delivered")).status_code == 204
    assert await wa.query("SELECT delivery_status, delivery_error FROM outbox") == [
        ("delivered", None)
    ]
    assert (await wa.status(sid, "failed", "30008")).status_code == 204
    assert await wa.query("SELECT delivery_status, delivery_error FROM outbox") == [
        ("failed", "30008")
    ]
    # A MessageSid that is not ours is ignored.
    assert (await wa.status("SMunknown", "delivered")).status_code == 204


async def test_one_reminder_before_the_window_closes_mid_flow(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    question = await wa.exchange(ANA, "Cambio de mentalidad para los ODS")
    question = await wa.exchange(ANA, "4")
    await wa.settled()
    app = wa.web.state.app
    wa.clock.advance(hours=22)
    assert await remind_once(app, "whatsapp") == 0  # not yet
    wa.clock.advance(hours=1, minutes=5)
    seen = len(wa.fake.to(ANA))
    assert await remind_once(app, "whatsapp") == 1
    app.sender.wake()
    reminder = (await wa.fake.message_for(ANA, seen))["Body"]
    assert "Ana, dejó una actividad a medias" in reminder
    assert question.split("\n")[0] in reminder  # the very question they stopped at
    await wa.settled()
    await remind_once(app, "whatsapp")  # a second pass in the same silence adds nothing
    app.sender.wake()
    await wa.settled()
    assert len(wa.fake.to(ANA)) == seen + 1
    # Their answer carries on from there.
    assert "Sus resultados" not in await wa.exchange(ANA, "4")
    assert (await wa.query("SELECT COUNT(*) FROM answers WHERE step_id NOT IN ('language')"))[0][
        0
    ] > 0


async def test_no_reminder_when_not_in_a_flow_or_after_the_window(wa: WhatsApp) -> None:
    await wa.onboard(ANA)  # onboarded, at the menu: nothing half-way
    app = wa.web.state.app
    wa.clock.advance(hours=23, minutes=10)
    assert await remind_once(app, "whatsapp") == 0


async def test_no_reminder_mid_flow_once_the_window_has_closed(wa: WhatsApp) -> None:
    await wa.onboard(ANA)
    await wa.exchange(ANA, "Cambio de mentalidad para los ODS")
    await wa.exchange(ANA, "4")  # half-way through the assessment
    await wa.settled()
    wa.clock.advance(hours=24, minutes=10)  # 23 h was the moment; it passed unseen
    assert await wa.web.state.app.store.window_closing(
        "whatsapp", since=wa.clock.now() - timedelta(hours=48), until=wa.clock.now()
    ), "she is still mid-flow, only the window has closed"
    assert await remind_once(wa.web.state.app, "whatsapp") == 0


async def _checkin_due(wa: WhatsApp) -> None:
    """Ana, in a workshop that ended on 6 March, has one action and a check-in at day 14."""
    app = wa.web.state.app
    store = app.store
    cohort = Cohort("c1", "ODS2026", "Taller ODS", "es", wa.clock.now(), ends=date(2026, 3, 6))
    await store.create_cohort(cohort)
    await wa.onboard(ANA)
    await wa.exchange(ANA, "/start ODS2026")
    person = await store.participant(ParticipantKey("whatsapp", ANA))
    assert person is not None
    now = wa.clock.now()
    action = PlanAction("a1", person.id, "r", 0, "Ventanilla única", 11, "Obras", "Paso",
                        "2026-09", "Ind", now, now)  # fmt: skip
    async with store.conversation(person.key, None) as session:
        await session.commit(Changes(actions=[action]))
    policy = SchedulePolicy()
    await plan_cohort(store, replace(cohort, checkin_days=(14,)), policy)
    await wa.settled()


async def test_a_checkin_outside_the_window_starts_with_its_template(wa: WhatsApp) -> None:
    app = wa.web.state.app
    await _checkin_due(wa)
    seen = len(wa.fake.to(ANA))
    # 20 March, 10:30 in Buenos Aires: two weeks after her last message, far outside the window.
    wa.clock.current = datetime(2026, 3, 20, 13, 30, tzinfo=UTC)
    assert await app.scheduler.checkins_once() == 1
    app.sender.wake()
    template = await wa.fake.message_for(ANA, seen)
    assert template["ContentSid"] == "HXcheckin"
    assert "Body" not in template
    await wa.settled()
    # Her tap on the template's quick reply ("Empezar") brings the check-in itself.
    await wa.says(ANA, "Empezar", ButtonPayload="minga.continue", ButtonText="Empezar")
    question = (await wa.fake.message_for(ANA, seen + 1))["Body"]
    assert "Acción 1 de 1: “Ventanilla única”" in question
    assert "4. Completada" in question
    assert "¿Qué pasó" in await wa.exchange(ANA, "4")
    assert "enlace" in await wa.exchange(ANA, "Ya atiende en línea")
    assert "nueva acción" in await wa.exchange(ANA, "omitir")
    summary = await wa.exchange(ANA, "no")
    assert "Estado: Completada" in summary
    assert "Estado: Completada" in await wa.exchange(ANA, "/roadmap")
    assert await wa.query("SELECT status FROM checkins") == [("answered",)]
    assert await wa.query("SELECT status FROM actions") == [("completed",)]


async def test_a_nudge_replaces_the_checkin_still_waiting_for_a_tap(wa: WhatsApp) -> None:
    app = wa.web.state.app
    await _checkin_due(wa)
    await app.store.enqueue(
        [
            NewOutbound(
                "whatsapp", ANA, None, Outbound("Sesión 3", purpose="broadcast"), PRIORITY_BULK
            )
        ]
    )
    wa.clock.current = datetime(2026, 3, 20, 13, 30, tzinfo=UTC)
    await app.scheduler.checkins_once()
    app.sender.wake()
    await wa.settled()
    # No tap. Three days later (Monday, 10:30 in Buenos Aires) the nudge, as a template again.
    seen = len(wa.fake.to(ANA))
    wa.clock.current = datetime(2026, 3, 23, 13, 30, tzinfo=UTC)
    await app.scheduler.checkins_once()
    app.sender.wake()
    assert (await wa.fake.message_for(ANA, seen))["ContentSid"] == "HXcheckin"
    await wa.settled()
    held = await wa.query(
        "SELECT status, COUNT(*) FROM outbox WHERE status IN ('held', 'superseded') "
        "GROUP BY status ORDER BY status"
    )
    assert held == [("held", 2), ("superseded", 1)]  # the broadcast and the nudge wait
    await wa.says(ANA, "Empezar", ButtonPayload="minga.continue", ButtonText="Empezar")
    await wa.settled()
    bodies = [m.get("Body", "") for m in wa.fake.to(ANA)[seen + 1 :]]
    assert sum("Acción 1 de 1" in b for b in bodies) == 1  # the question once, with the nudge
    assert any("sigue esperando" in b for b in bodies)
    assert "Sesión 3" in bodies

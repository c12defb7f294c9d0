"""A WhatsApp bot as a developer would write it in an afternoon: Starlette, the twilio client,
state in a dict, each reply sent in a fire-and-forget task.

    python bench/peers/whatsapp_bot.py --port 8100 --api http://127.0.0.1:9000

Same questions as Minga's onboarding and the bench's 20-statement assessment, numbered options,
the Twilio signature checked. Nothing is durable: a restart forgets every conversation, and a
reply whose task dies is never sent (or, retried by hand, sent twice). That is the point of
comparing: what does Minga's one-transaction-per-message cost next to this?
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

PUBLIC = "https://minga.bench.invalid"
FROM = "whatsapp:+14155238886"
ITEMS = 20
LIKERT = ["Muy en desacuerdo", "En desacuerdo", "Ni de acuerdo ni en desacuerdo", "De acuerdo",
          "Muy de acuerdo"]  # fmt: skip

# (question, options or None for free text)
QUESTIONS: list[tuple[str, list[str] | None]] = [
    ("¿En qué idioma prefiere conversar?", ["Español", "Português", "English"]),
    ("Privacidad: guardamos sus respuestas para el taller. ¿Acepta?", ["Sí", "No"]),
    ("¿Cómo se llama?", None),
    ("¿En qué municipio trabaja?", None),
    ("¿En qué país?", None),
    ("¿Cuál es su rol?", ["Alcaldesa o alcalde", "Concejal", "Otro"]),
    ("¿Tiene un código de taller?", ["No tengo código", "Sí"]),
    ("¿Qué actividad quiere hacer?", ["Benchmark"]),
    *((f"Statement {n}", LIKERT) for n in range(1, ITEMS + 1)),
]


class Rebased(AsyncTwilioHttpClient):  # type: ignore[misc]
    """twilio has no base-URL setting: send its requests to the fake instead."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = urlsplit(base)

    async def request(self, method: str, url: str, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return await super().request(method, url, **kwargs)


def render(step: int) -> str:
    text, options = QUESTIONS[step]
    if options is None:
        return text
    return text + "\n" + "\n".join(f"{n}. {o}" for n, o in enumerate(options, start=1))


def chosen(body: str, options: list[str]) -> bool:
    """Accept an option's number or its text, as people type either."""
    if body.isdigit():
        return 1 <= int(body) <= len(options)
    return body.casefold() in {o.casefold() for o in options}


def build(api: str, account_sid: str, auth_token: str) -> Starlette:
    clients: list[Client] = []  # made at start-up: twilio's async client needs the loop
    validator = RequestValidator(auth_token)
    state: dict[str, dict[str, Any]] = {}
    tasks: set[asyncio.Task[Any]] = set()

    def send(to: str, body: str) -> None:
        create = clients[0].messages.create_async(from_=FROM, to=to, body=body)
        task = asyncio.create_task(create)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def webhook(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(PUBLIC + request.url.path, form, signature):
            return Response(status_code=403)
        sender, body = form.get("From", ""), form.get("Body", "").strip()
        person = state.get(sender)
        if person is None:
            state[sender] = {"step": 0, "answers": []}
            send(sender, "¡Hola! Soy un bot.\n" + render(0))
            return Response("<Response/>", media_type="text/xml")
        step = person["step"]
        _, options = QUESTIONS[step]
        if options is not None and not chosen(body, options):
            send(sender, "Responda con el número de su opción.\n" + render(step))
            return Response("<Response/>", media_type="text/xml")
        person["answers"].append(body)
        person["step"] = step + 1
        if person["step"] < len(QUESTIONS):
            send(sender, render(person["step"]))
        else:
            scores = [int(a) for a in person["answers"][-ITEMS:]]
            send(sender, f"Sus resultados de Benchmark: {sum(scores) / len(scores):.1f} de 5")
            state.pop(sender)
        return Response("<Response/>", media_type="text/xml")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        clients.append(Client(account_sid, auth_token, http_client=Rebased(api)))
        yield

    return Starlette(
        routes=[Route("/whatsapp/webhook", webhook, methods=["POST"])], lifespan=lifespan
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", required=True, help="the (fake) Twilio API's base URL")
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    args = parser.parse_args()
    app = build(args.api, args.account_sid, args.auth_token)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")

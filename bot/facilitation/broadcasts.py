"""Broadcasts: `/broadcast`, the text the facilitator writes next, "send to 83?", and `/cancel`.

A broadcast is a record resolved once, at confirmation: its messages are outbox rows keyed by
(broadcast, participant) and written in the same transaction, so a crash, a restart or a
repeated "yes" never sends anyone the same broadcast twice nor skips anyone.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from bot.conversation.call import Call
from bot.conversation.filters import facilitator, kind
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import audit, find_request, need_code
from flows.questions.choices import yes_or_no
from flows.registry import FlowRegistry
from i18n import Translator, fold
from storage import PRIORITY_BULK, Broadcast, Choice, NewOutbound, Outbound, Participant, Store

YES, NO = "bc.yes", "bc.no"
MAX_BROADCAST = 1000
_DURATION = re.compile(r"^(\d{1,3})\s*(h|hr|hrs|hora|horas|hour|hours|m|min|mins|minutos?)$")
_TABLE = {"table", "mesa"}
_COUNTRY = {"country", "pais"}
_PENDING = {"pending", "pendiente", "pendente"}
_OVER = {"over", "durante"}

router = Router("broadcasts")
drafts = Router("broadcast drafts")


def audience_label(audience: dict[str, Any], tr: Translator) -> str:
    """Describe who a broadcast goes to, in the reader's language."""
    if "table" in audience:
        return tr.gettext("table {n}").format(n=audience["table"])
    if "country" in audience:
        return tr.gettext("from {country}").format(country=audience["country"])
    if "pending" in audience:
        return tr.gettext("who have not finished {flow}").format(flow=audience["pending"])
    return tr.gettext("everyone")


def matches(
    audience: dict[str, Any], person: Participant, table: int | None, done: set[str]
) -> bool:
    """Tell whether a member falls in a broadcast's audience."""
    if "table" in audience and table != audience["table"]:
        return False
    if "country" in audience and fold(person.country or "") != fold(audience["country"]):
        return False
    return not ("pending" in audience and person.id in done)


@facilitator_command(router, "broadcast")
async def broadcast(call: Call) -> None:
    """Open a draft for an audience of a workshop; the next message is its text."""
    work = call.work
    request = await find_request(call)
    cohort = request.cohort
    if cohort is None:
        need_code(work, "broadcast")
        return
    audience, spread = parse_audience(request.words, call.registry)
    if audience is None:
        work.text(
            work.tr.gettext(
                "I did not understand who should get it. Examples: /broadcast {code}, "
                "/broadcast {code} table 3, /broadcast {code} country Perú, "
                "/broadcast {code} pending principles, and add “over 2h” to spread it."
            ).format(code=cohort.code)
        )
        return
    draft = Broadcast(
        uuid.uuid4().hex,
        cohort.id,
        work.participant.id,
        audience,
        "draft",
        work.now,
        spread_seconds=spread,
    )
    count = len(await recipients(call.store, draft))
    work.changes.broadcasts.append(draft)
    work.text(
        work.tr.ngettext(
            "Write the message for {n} participant of “{workshop}” ({who}). /cancel stops.",
            "Write the message for {n} participants of “{workshop}” ({who}). /cancel stops.",
            count,
        ).format(n=count, workshop=cohort.name, who=audience_label(audience, work.tr))
    )


@facilitator_command(router, "cancel")
async def cancel(call: Call) -> None:
    """Drop the broadcast being written."""
    work = call.work
    draft = await call.store.broadcast_draft(work.participant.id)
    if draft is None:
        work.text(work.tr.gettext("There is nothing to cancel."))
        return
    work.changes.broadcasts.append(draft.with_changes(status="cancelled"))
    work.text(work.tr.gettext("Cancelled: nothing was sent."))


async def _open_draft(call: Call) -> bool:
    draft = await call.store.broadcast_draft(call.work.participant.id)
    call.work.notes["draft"] = draft
    return draft is not None


# What a facilitator sends while writing a broadcast (not Minga's own starts); the store is
# asked only for facilitators, after the cheap filters.
@drafts.message(facilitator, kind("text", "choice", "media"), _open_draft)
async def draft_answer(call: Call) -> None:
    """Take the facilitator's next message while a broadcast is being written."""
    work = call.work
    draft = work.notes["draft"]
    assert isinstance(draft, Broadcast)
    text, choice = call.inbound.text, call.inbound.choice
    if draft.status == "draft":
        await _take_text(call, draft, text)
        return
    answer = {YES: True, NO: False}.get(choice or "", yes_or_no(text or "", work.tr))
    if answer is True:
        await _queue(call.store, draft, work)
    elif answer is False:
        work.changes.broadcasts.append(draft.with_changes(status="cancelled"))
        work.text(work.tr.gettext("Cancelled: nothing was sent."))
    else:
        work.text(work.tr.gettext("Please answer yes to send the message, or no to cancel it."))


async def _take_text(call: Call, draft: Broadcast, text: str | None) -> None:
    """Keep the broadcast's text and ask to confirm, with the number of recipients."""
    work = call.work
    body = (text or "").strip()
    if not body or len(body) > MAX_BROADCAST:
        work.text(
            work.tr.ngettext(
                "Please write the message as text, up to {n} character, or /cancel.",
                "Please write the message as text, up to {n} characters, or /cancel.",
                MAX_BROADCAST,
            ).format(n=MAX_BROADCAST)
        )
        return
    count = len(await recipients(call.store, draft))
    work.changes.broadcasts.append(draft.with_changes(text=body, status="confirm"))
    question = work.tr.ngettext(
        "Send this to {n} participant?", "Send this to {n} participants?", count
    ).format(n=count)
    yes, no = work.tr.gettext("Yes, send it"), work.tr.gettext("No, cancel")
    work.say(Outbound(f"{question}\n\n{body}", (Choice(YES, yes), Choice(NO, no))))


async def _queue(store: Store, draft: Broadcast, work: Work) -> None:
    """Resolve the audience now and queue one keyed outbox row per recipient."""
    members = await recipients(store, draft)
    reachable = [p for p in members if p.open_to_messages]
    skipped = len(members) - len(reachable)
    step = draft.spread_seconds / max(1, len(reachable))
    work.changes.outbox.extend(
        NewOutbound(
            p.channel,
            p.address,
            p.id,
            Outbound(draft.text or "", purpose="broadcast", locale=p.locale),
            PRIORITY_BULK,
            dedupe_key=f"broadcast:{draft.id}:{p.id}",
            not_before=work.now + timedelta(seconds=n * step) if step else None,
        )
        for n, p in enumerate(reachable)
    )
    work.changes.broadcasts.append(
        draft.with_changes(
            status="queued",
            recipients=len(reachable),
            skipped=skipped,
            confirmed_at=work.now,
        )
    )
    audit(work, "broadcast", broadcast=draft.id, recipients=len(reachable))
    done = work.tr.ngettext(
        "Queued for {n} participant.", "Queued for {n} participants.", len(reachable)
    ).format(n=len(reachable))
    if skipped:
        done += " " + work.tr.ngettext(
            "{n} skipped (opted out or unreachable).",
            "{n} skipped (opted out or unreachable).",
            skipped,
        ).format(n=skipped)
    progress = work.tr.gettext("/status shows the progress.")
    work.text(f"{done} {progress}")


async def recipients(store: Store, draft: Broadcast) -> list[Participant]:
    """Return the members of the broadcast's workshop who fall in its audience."""
    done = (await store.completed(draft.cohort_id)).get(draft.audience.get("pending", ""), set())
    return [
        p
        for p, membership in await store.audience(draft.cohort_id)
        if matches(draft.audience, p, membership.table_no, done)
    ]


def parse_audience(words: list[str], registry: FlowRegistry) -> tuple[dict[str, Any] | None, int]:
    """Read "table 3", "country Perú", "pending FLOW" and "over 2h"; None when unreadable."""
    audience: dict[str, Any] = {}
    spread = 0
    rest = list(words)
    while rest:
        key = fold(rest.pop(0))
        if key in _OVER and rest:
            found = _DURATION.match(fold(rest.pop(0)))
            if found is None:
                return None, 0
            amount, unit = int(found.group(1)), found.group(2)
            spread = amount * (3600 if unit.startswith("h") else 60)
        elif key in _TABLE and rest and rest[0].isdecimal():
            audience["table"] = int(rest.pop(0))
        elif key in _COUNTRY and rest:
            audience["country"] = rest.pop(0)
        elif key in _PENDING and rest and rest[0] in registry:
            audience["pending"] = rest.pop(0)
        else:
            return None, 0
    return audience, spread

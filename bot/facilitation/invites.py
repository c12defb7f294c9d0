"""Co-facilitators: `/invite CODE` makes a one-time code; `/facilitate CODE` and a yes use it."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

from bot.conversation.call import Call
from bot.conversation.filters import choice_is, choice_starts, command
from bot.conversation.limits import guesses_left, guesses_spent, wrong_guess
from bot.conversation.router import Router
from bot.conversation.work import Work
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import audit, find_request, need_code
from flows.questions.choices import yes_or_no
from storage import Choice, Invite, Membership, Outbound, Store

ACCEPT = "fac.yes:"  # + the invite code, on the button that confirms becoming a facilitator
DECLINE = "fac.no"
_INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread (0/O, 1/I)
# 11 letters of 32: 55 bits, with five wrong tries an hour per person, and 48 hours to use it.
INVITE_LENGTH = 11
INVITE_LIFETIME = timedelta(hours=48)

router = Router("invites")


@facilitator_command(router, "invite")
async def invite(call: Call) -> None:
    """Make a one-time code a co-facilitator of this workshop can use."""
    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "invite")
        return
    code = "F" + "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    work.changes.invites.append(Invite(code, cohort.id, work.participant.id, work.now))
    audit(work, "invite", cohort=cohort.code)
    work.text(
        work.tr.gettext(
            "Give this to your co-facilitator: they write /facilitate {code} to me and "
            "confirm. It works once, within 48 hours."
        ).format(code=code)
    )


@router.message(command("facilitate"))
async def facilitate(call: Call) -> None:
    """Offer, or with "yes" complete, becoming a facilitator through an invite code."""
    work = call.work
    words = call.command.argument.split() if call.command else []
    found = await _usable_invite(call.store, words[0] if words else "", work)
    if found is None:
        return
    cohort = await call.store.cohort_by_id(found.cohort_id)
    if cohort is None:
        return
    if len(words) > 1 and yes_or_no(words[1], work.tr):
        await _accept(call.store, found.code, work)
        return
    question = work.tr.gettext(
        "You are invited to co-facilitate “{workshop}”: you will be able to send broadcasts, "
        "start activities, see the results and export the data. Do you accept?"
    ).format(workshop=cohort.name)
    yes, no = work.tr.gettext("Yes, I accept"), work.tr.gettext("No, thanks")
    work.say(Outbound(question, (Choice(ACCEPT + found.code, yes), Choice(DECLINE, no))))


async def _usable_invite(store: Store, code: str, work: Work) -> Invite | None:
    """Return the invite if it can still be used; else say why, counting a wrong code."""
    if not guesses_left(work):
        work.text(guesses_spent(work.tr))
        return None
    found = await store.invite(code) if code else None
    if found is not None and found.used_by is None:
        if work.now - found.created_at <= INVITE_LIFETIME:
            return found
        work.text(
            work.tr.gettext(
                "That invite code has expired (they last 48 hours). Ask the facilitator who "
                "gave it to you for a new one."
            )
        )
        return None
    wrong_guess(work)
    work.text(work.tr.gettext("That invite code is not valid (or was already used)."))
    return None


@router.message(choice_starts(ACCEPT))
async def accept(call: Call) -> None:
    """Accept the invitation (its "yes" button)."""
    code = (call.inbound.choice or "").removeprefix(ACCEPT)
    await _accept(call.store, code, call.work)


@router.message(choice_is(DECLINE))
async def decline(call: Call) -> None:
    """Decline the invitation (its "no" button): nothing changes."""
    call.conversation.carry_on(call.work, call.gettext("All right: nothing changed."))


async def _accept(store: Store, code: str, work: Work) -> None:
    """Make the person a facilitator (and a member) of the invite's workshop, once."""
    found = await _usable_invite(store, code, work)
    if found is None:
        return
    cohort = await store.cohort_by_id(found.cohort_id)
    p = work.participant
    work.participant = p.with_changes(facilitator=True)
    work.changes.invites.append(replace(found, used_by=p.id, used_at=work.now))
    work.changes.memberships.append(Membership(p.id, found.cohort_id, work.now))
    audit(work, "facilitator added", cohort=cohort.code if cohort else "?")
    work.text(
        work.tr.gettext(
            "Done: you co-facilitate “{workshop}”. /help lists what you can do."
        ).format(workshop=cohort.name if cohort else "")
    )

"""What a participant's ordinary message does: answer the activity, get started, pick from the menu.

These handlers come last in the order: whatever no command or feature took is a reply to the
pending question, the start of onboarding, or a choice from the menu.
"""

from __future__ import annotations

from bot.conversation.call import Call
from bot.conversation.conversation import ONBOARDING
from bot.conversation.filters import declined, in_activity, kind, not_onboarded
from bot.conversation.router import Router
from bot.conversation.work import Work
from flows.turn import ActionRequested
from storage import Membership

SEND_QUESTION = "send_question"
QUESTION_LENGTH = 280

router = Router("replies")


def _free_text(text: str | None) -> bool:
    """Tell whether a message reads like something said, not a menu pick (a number, "ok")."""
    words = (text or "").split()
    return "?" in (text or "") or (len(words) >= 2 and any(c.isalpha() for c in text or ""))


@router.message(kind("resume"))
async def release_held(call: Call) -> None:
    """Do nothing more for a template's "continue": what was held for them goes out."""


@router.message(kind("media"))
async def media(call: Call) -> None:
    """Ask for text instead of a photo, a voice note or a sticker."""
    notice = call.gettext("I can only read text. Please answer by writing, or with the buttons.")
    call.conversation.carry_on(call.work, notice)


@router.message(kind("open"))
async def greet(call: Call) -> None:
    """Welcome a console session back where it was, or get the person started."""
    work, conversation = call.work, call.conversation
    p = work.participant
    if work.is_new():
        conversation.start(ONBOARDING, work)
    elif p.consent is False:
        work.text(
            work.tr.gettext(
                "Hello again. You chose not to take part; write /start if you changed your mind."
            )
        )
    elif (active := work.active()) is not None:
        welcome = work.tr.gettext("Welcome back, {name}! Let's continue where you left off.")
        conversation.prompt(active, work, welcome.format(name=p.name or ""))
    elif p.onboarded:
        conversation.show_menu(work, work.tr.gettext("Welcome back, {name}!").format(name=p.name))
    else:
        conversation.start(ONBOARDING, work)


@router.message(declined)
async def not_taking_part(call: Call) -> None:
    """Store nothing for someone who declined; say how to change their mind."""
    call.say(
        call.gettext(
            "You chose not to take part, so I am not storing anything. If you change your "
            "mind, write /start."
        )
    )


@router.message(in_activity)
async def answer(call: Call) -> None:
    """Take the reply to the pending question."""
    active = call.work.active()
    assert active is not None  # the filter said so
    await call.conversation.answer(active, call.work, call.inbound.text, call.inbound.choice)


@router.message(not_onboarded)
async def get_started(call: Call) -> None:
    """Anything from someone who has not finished onboarding starts (or restarts) it."""
    call.conversation.start(ONBOARDING, call.work)


@router.message()
async def menu_choice(call: Call) -> None:
    """Start or continue the activity picked from the menu; anything else shows the menu."""
    work, conversation = call.work, call.conversation
    inbound = call.inbound
    flow = conversation.menu.pick(work.tr, inbound.text, inbound.choice, work.paused())
    if (
        flow is None
        and _free_text(inbound.text)
        and await call.store.memberships(work.participant.id)
    ):
        # Not a dead end: it may be a question for the people running the workshop.
        text = " ".join((inbound.text or "").split())[:QUESTION_LENGTH]
        conversation.start(SEND_QUESTION, work, {"text": text})
        return
    if flow is None:
        notice = work.tr.gettext("I did not understand that. Please choose from the menu.")
        if inbound.choice is not None:
            notice = work.tr.gettext("That menu has changed. Here is the current one.")
        conversation.show_menu(work, notice)
        return
    await conversation.open_flow(call, flow)


@router.action("finish_onboarding")
def finish_onboarding(event: ActionRequested, work: Work) -> None:
    """Onboarding is done: the menu opens to them."""
    work.participant = work.participant.with_changes(onboarded=True)


@router.action("erase")
def erase(event: ActionRequested, work: Work) -> None:
    """They confirmed /delete: everything about them goes in this message's commit."""
    work.erase = True


@router.settler
async def record_table(call: Call) -> None:
    """Store the table a person gave in onboarding on their latest membership."""
    work = call.work
    if work.table_no is None:
        return
    memberships = await call.store.memberships(work.participant.id)
    if memberships:
        latest = memberships[-1]
        work.changes.memberships.append(
            Membership(latest.participant_id, latest.cohort_id, latest.joined_at, work.table_no)
        )

"""Every handler of an inbound message, in the order they are tried: the first that matches runs.

Adding a feature adds its module and one line here; the dispatcher does not change. Settlers
(work after routing that needs the store) run in this order too: the round's ranking,
assessment results (and the menu after them), a finished check-in, the table given in onboarding.
"""

from __future__ import annotations

from bot.conversation.router import Router
from bot.facilitation import access, broadcasts, invites, launches, results, status
from bot.followup import handlers as checkins
from bot.followup import reminders
from bot.live import answers as live_answers
from bot.live import changes as live_changes
from bot.live import commands as live_commands
from bot.live import delivery as live_delivery
from bot.participants import commands, plan, replies, retention
from bot.results import assessment
from bot.rounds import commands as round_commands
from bot.rounds import flow as round_flow


def build_router() -> Router:
    """Return the router of one process, with every feature's handlers in their order."""
    router = Router("minga")
    router.include(
        # Flow hooks only, no message handlers: what a step's action does, how the round opens
        # from the menu, what follows an assessment. Their settlers go first.
        round_flow.router,
        plan.router,
        assessment.router,
        live_answers.router,
        # Commands: a facilitator command from anyone else gets a polite no and does nothing;
        # then the facilitators' own; then invites, which anyone may use.
        access.router,
        broadcasts.router,
        launches.router,
        results.router,
        status.router,
        round_commands.router,
        live_commands.router,
        invites.router,
        commands.router,  # the participants' commands, and "I do not know /xyz"
        # A facilitator writing a broadcast: their next message is its text or their yes/no.
        broadcasts.drafts,
        # Minga's own starts: a launch, a check-in coming due, retention, a reminder.
        launches.starts,
        live_delivery.router,
        checkins.router,
        retention.router,
        reminders.router,
        # A tap on the buttons of a question to the room already answered: a changed answer.
        live_changes.router,
        # Whatever is left: media, a console greeting, an answer, onboarding, the menu.
        replies.router,
    )
    return router

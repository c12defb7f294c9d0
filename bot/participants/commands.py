"""The commands every participant has (/start, /menu, /help, /stop, /mydata, /delete, …)."""

from __future__ import annotations

from bot.conversation.call import Call
from bot.conversation.conversation import ONBOARDING
from bot.conversation.filters import any_command, command
from bot.conversation.limits import guesses_left, guesses_spent, wrong_guess
from bot.conversation.router import Router
from bot.followup.progress import CHECKIN, checkin_preset, roadmap_text
from bot.participants.plan import plan_details
from i18n import Translator
from storage import Cohort, Membership, Outbound

LANGUAGE = "language"
ERASE = "erase"

router = Router("participant commands")


@router.message(command("start"))
async def start(call: Call) -> None:
    """Start again, join a workshop by its code, and turn messages back on after /stop."""
    work, conversation = call.work, call.conversation
    p = work.participant
    notices: list[str] = []
    if p.opted_out:
        p = work.participant = p.with_changes(opted_out=False)
        notices.append(work.tr.gettext("You will receive workshop messages again."))
    argument = call.command.argument if call.command else ""
    cohort = None
    if argument and not guesses_left(work):
        notices.append(guesses_spent(work.tr))
    elif argument:
        cohort = await call.store.cohort_by_code(argument.split()[0])
        if cohort is None:
            wrong_guess(work)
            notices.append(
                work.tr.gettext("I could not find a workshop with the code {code}.").format(
                    code=argument.split()[0][:32].upper()
                )
            )
    preset = {"cohort": cohort_value(cohort)} if cohort else None
    active = work.active()
    if p.consent is not True:
        if p.consent is False:
            work.participant = p.with_changes(consent=None, consent_at=None)
        if active is not None and active.flow_id == ONBOARDING and p.consent is None:
            if preset:
                active = active.with_changes(
                    data={**active.data, "vars": {**active.data["vars"], **preset}}
                )
                work.save(active)
            conversation.prompt(active, work, "\n\n".join(notices) or None)
        else:
            for line in notices:
                work.text(line)
            conversation.start(ONBOARDING, work, preset)
        return
    if cohort is not None:
        work.changes.memberships.append(Membership(p.id, cohort.id, work.now))
        notices.append(
            work.tr.gettext("You joined the workshop “{name}”.").format(name=cohort.name)
        )
        if active is not None and active.flow_id == ONBOARDING:
            active = active.with_changes(
                data={**active.data, "vars": {**active.data["vars"], **(preset or {})}}
            )
            work.save(active)
    notice = "\n\n".join(notices) or None
    if active is not None:
        conversation.prompt(active, work, notice)
    elif p.onboarded:
        conversation.show_menu(work, notice)
    else:
        conversation.start(ONBOARDING, work, preset)


@router.message(command("menu"))
async def menu(call: Call) -> None:
    """Show the menu, pausing the activity under way (it shows as "continue")."""
    work, conversation = call.work, call.conversation
    if not work.participant.onboarded:
        conversation.carry_on(work, work.tr.gettext("Let's finish getting started first."))
        if work.active() is None:
            conversation.start(ONBOARDING, work)
        return
    active = work.active()
    if active is not None:
        work.save(active.with_changes(status="paused", updated_at=work.now))
    conversation.show_menu(work)


@router.message(command("help"))
async def help_(call: Call) -> None:
    """List the commands, and the facilitators' to facilitators."""
    call.conversation.carry_on(call.work, help_text(call))


def help_text(call: Call) -> str:
    """Write the commands a person can use, in their language."""
    tr = call.work.tr
    lines = [participant_help(tr), tr.gettext("/table N – say which table you sit at")]
    if call.facilitator:
        lines.append(
            tr.gettext(
                "For facilitators: /broadcast, /launch, /results, /status, /export, "
                "/voting, /phase, /invite, /ask, /close, /reveal, /show, /report — each followed "
                "by the workshop code."
            )
        )
    return "\n".join(lines)


def participant_help(tr: Translator) -> str:
    """Write the participant's commands."""
    return tr.gettext(
        "Commands you can use at any time:\n"
        "/menu – see the activities\n"
        "/resume – continue where you left off\n"
        "/language – change the language\n"
        "/mydata – see what we store about you\n"
        "/delete – delete your data\n"
        "/roadmap – see your action plan\n"
        "/progress – report how one of your actions is going\n"
        "/stop – stop receiving workshop messages\n"
        "/start – start again or join a workshop with its code\n"
        "Write “back” to return to the previous question."
    )


@router.message(command("language"))
async def language(call: Call) -> None:
    """Change the language, then go back to what was under way."""
    call.conversation.start(LANGUAGE, call.work, resume=call.work.active())


@router.message(command("resume"))
async def resume(call: Call) -> None:
    """Ask the pending question again, or continue the latest paused activity."""
    work, conversation = call.work, call.conversation
    active = work.active()
    if active is not None:
        conversation.prompt(active, work)
        return
    paused = work.paused()
    if paused:
        conversation.resume(paused[0], work)
    elif work.participant.onboarded:
        conversation.show_menu(work, work.tr.gettext("There is nothing to continue right now."))
    else:
        conversation.start(ONBOARDING, work)


@router.message(command("stop"))
async def stop(call: Call) -> None:
    """Opt out of every broadcast and check-in."""
    work = call.work
    work.participant = work.participant.with_changes(opted_out=True)
    work.text(
        work.tr.gettext(
            "Done: you will not receive workshop messages or check-ins any more. You can still "
            "write to me whenever you like, and /start turns them back on."
        )
    )


@router.message(command("mydata"))
async def mydata(call: Call) -> None:
    """Show everything stored about the person (and send it as a document where files go)."""
    from bot.participants.mydata import describe  # only this rare command needs the report

    work, conversation = call.work, call.conversation
    if work.is_new():
        work.text(work.tr.gettext("I have no data about you."))
        return
    record = await call.store.participant_record(work.participant.id)
    cohorts = {
        m.cohort_id: await call.store.cohort_by_id(m.cohort_id) for m in record["memberships"]
    }
    everything = describe(work.participant, record, cohorts, call.registry, work.tr, None)
    if work.participant.channel not in conversation.document_channels:
        work.text(everything)  # every answer: the channel splits a long text as it must
    else:
        work.text(describe(work.participant, record, cohorts, call.registry, work.tr))
        work.say(
            Outbound(
                work.tr.gettext("Everything, in one document you can keep."),
                document=everything.encode("utf-8"),
                document_name="minga-mydata.txt",
            )
        )
    if (active := work.active()) is not None:
        conversation.prompt(active, work)


@router.message(command("table"))
async def table(call: Call) -> None:
    """Pick one's table (group) in the latest workshop joined: /table 4."""
    work = call.work
    memberships = [] if work.is_new() else await call.store.memberships(work.participant.id)
    number = call.command.argument.strip() if call.command else ""
    if not memberships:
        notice = work.tr.gettext("Join a workshop first: /start followed by its code.")
    elif not number.isdecimal() or not 1 <= int(number) <= 999:
        notice = work.tr.gettext("Write your table number after the command, like /table 4.")
    else:
        latest = memberships[-1]
        work.changes.memberships.append(
            Membership(work.participant.id, latest.cohort_id, latest.joined_at, int(number))
        )
        notice = work.tr.gettext("You are at table {n}.").format(n=int(number))
    call.conversation.carry_on(work, notice)


@router.message(command("roadmap"))
async def roadmap(call: Call) -> None:
    """Show the action plan with each action's latest status."""
    work = call.work
    actions = [] if work.is_new() else await call.store.actions(work.participant.id)
    if not actions:
        notice = _no_plan_yet(work.tr)
    else:
        details = await plan_details(call.store, work.participant.id)
        notice = "\n\n".join(
            [work.tr.gettext("Your action plan:"), roadmap_text(actions, work.tr, details)]
        )
    call.conversation.carry_on(work, notice)


@router.message(command("progress"))
async def progress(call: Call) -> None:
    """Report on one action outside the schedule."""
    work, conversation = call.work, call.conversation
    actions = [] if work.is_new() else await call.store.actions(work.participant.id)
    if not actions:
        conversation.carry_on(work, _no_plan_yet(work.tr))
        return
    conversation.start(CHECKIN, work, checkin_preset(actions, "one"), resume=work.active())


@router.message(command("delete"))
async def delete(call: Call) -> None:
    """Ask to confirm, then erase everything about the person."""
    work = call.work
    if work.is_new():
        work.text(work.tr.gettext("I have no data about you."))
        return
    call.conversation.start(ERASE, work, resume=work.active())


@router.message(any_command)
async def unknown(call: Call) -> None:
    """Say the command is unknown, and list the ones there are."""
    name = call.command.name if call.command else ""
    notice = call.work.tr.gettext("I do not know the command /{name}.").format(name=name[:32])
    call.conversation.carry_on(call.work, f"{notice}\n\n{help_text(call)}")


def _no_plan_yet(tr: Translator) -> str:
    return tr.gettext(
        "You have no action plan yet. Choose “My action plan” in the /menu to build one."
    )


def cohort_value(cohort: Cohort) -> dict[str, str]:
    """Return a workshop as the onboarding flow's `cohort` variable holds it."""
    return {"id": cohort.id, "code": cohort.code, "name": cohort.name}

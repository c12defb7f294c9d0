"""`/status CODE`: members by channel, completions per activity, each broadcast's progress."""

from __future__ import annotations

from collections import Counter

from bot.channels.text import clip
from bot.conversation.call import Call
from bot.conversation.router import Router
from bot.facilitation.access import facilitator_command
from bot.facilitation.requests import find_request, need_code
from i18n import Translator
from storage import Broadcast

router = Router("status")
QUOTED = 40  # characters of a broadcast quoted in the status, cut between words


@facilitator_command(router, "status")
async def status(call: Call) -> None:
    """Show where a workshop stands."""
    work = call.work
    cohort = (await find_request(call)).cohort
    if cohort is None:
        need_code(work, "status")
        return
    store, tr = call.store, work.tr
    members = await store.audience(cohort.id)
    channels = Counter(p.channel for p, _ in members)
    lines = [
        tr.ngettext("{workshop}: {n} member", "{workshop}: {n} members", len(members)).format(
            workshop=cohort.name, n=len(members)
        )
        + " ("
        + ", ".join(f"{name} {count}" for name, count in sorted(channels.items()))
        + ")",
        "",
        tr.gettext("Finished:"),
    ]
    done = await store.completed(cohort.id)
    for flow in call.registry.menu_flows():
        lines.append(f"• {tr.gettext(flow.title)}: {len(done.get(flow.id, ()))}")
    for broadcast in await store.broadcasts(cohort.id):
        progress = await store.broadcast_progress(broadcast.id)
        lines += ["", _broadcast_line(broadcast, progress, tr)]
    work.text("\n".join(lines))


def _broadcast_line(broadcast: Broadcast, progress: dict[str, int], tr: Translator) -> str:
    waiting = progress.get("pending", 0) + progress.get("sending", 0) + progress.get("held", 0)
    counts = progress_text(
        tr, progress.get("sent", 0), waiting, progress.get("failed", 0), broadcast.skipped
    )
    return tr.gettext("Broadcast “{text}”: {progress}.").format(
        text=clip(broadcast.text or "", QUOTED), progress=counts
    )


def progress_text(tr: Translator, sent: int, waiting: int, failed: int, skipped: int) -> str:
    """Say how far a broadcast got: "4 sent, 1 waiting, 0 failed, 2 skipped", each in its form."""
    parts = (
        tr.ngettext("{n} sent", "{n} sent", sent),
        tr.ngettext("{n} waiting", "{n} waiting", waiting),
        tr.ngettext("{n} failed", "{n} failed", failed),
        tr.ngettext("{n} skipped", "{n} skipped", skipped),
    )
    counts = (sent, waiting, failed, skipped)
    return ", ".join(part.format(n=n) for part, n in zip(parts, counts, strict=True))

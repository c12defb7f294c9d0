"""`minga cohort show` and `minga cohort poster`: a workshop at a glance, and its join poster."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from bot.config import Settings
from bot.drawing.poster import Poster, make_poster, telegram_link, whatsapp_link
from bot.followup.checkins import plan_days
from i18n import translator
from storage import Cohort, Store


async def describe_cohort(store: Store, cohort: Cohort) -> str:
    """Describe a workshop: its settings and who joined, by channel, country and table."""
    members = await store.audience(cohort.id)
    when = " – ".join(str(d) for d in (cohort.starts, cohort.ends) if d is not None)
    lines = [
        f"{cohort.name} ({cohort.code})",
        f"language {cohort.locale}"
        + (f", {when}" if when else "")
        + (f", {cohort.timezone}" if cohort.timezone else ""),
        f"{len(members)} members",
        "check-ins: "
        + (
            ", ".join(f"+{d} days" for d in plan_days(cohort)) or "none"
            if cohort.ends
            else "none until the workshop has an end date (minga cohort checkins CODE --ends …)"
        ),
    ]
    for title, counts in (
        ("by channel", Counter(p.channel for p, _ in members)),
        ("by country", Counter(p.country or "?" for p, _ in members)),
        ("by table", Counter(str(m.table_no or "-") for _, m in members)),
    ):
        if counts:
            lines.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return "\n".join(lines)


def poster_for(cohort: Cohort, settings: Settings) -> Poster | None:
    """Draw a workshop's poster with the links the settings allow; None if there are none."""
    tr = translator(cohort.locale)
    tg, wa = settings.telegram_bot_username, settings.whatsapp_from
    if not tg and not wa:
        return None
    return make_poster(
        cohort,
        tr,
        telegram_link(tg, cohort.code) if tg else None,
        whatsapp_link(wa, cohort.code, tr) if wa else None,
    )


def write_poster(cohort: Cohort, settings: Settings, folder: Path) -> int:
    """Write poster-CODE.png and .pdf for the configured channels; return the exit status."""
    poster = poster_for(cohort, settings)
    if poster is None:
        print(
            "minga: set MINGA_TELEGRAM_BOT_USERNAME, MINGA_WHATSAPP_FROM or both for the poster",
            file=sys.stderr,
        )
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, data in (("png", poster.png), ("pdf", poster.pdf)):
        path = folder / f"poster-{cohort.code}.{suffix}"
        path.write_bytes(data)
        print(f"wrote {path}")
    return 0

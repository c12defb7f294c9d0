"""`minga cohort create|list|show|checkins|poster`: workshops from the command line."""

from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cli.groups import Subparsers, fail
from bot.config import Settings
from bot.facilitation.cohorts import describe_cohort, write_poster
from bot.followup.checkins import parse_days, plan_cohort, plan_days
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from i18n import translator
from storage import Cohort, DuplicateError, Store, open_store


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga cohort …`."""
    cohort = sub.add_parser("cohort", help="manage workshops")
    cohort.set_defaults(run=lambda args, settings, url: run(_cohort(args, url, settings)))
    cohort_sub = cohort.add_subparsers(dest="cohort_command", required=True)
    create = cohort_sub.add_parser("create", parents=[common], help="create a workshop")
    create.add_argument("--name", required=True)
    create.add_argument("--code", required=True)
    create.add_argument("--locale", default=None)
    create.add_argument("--starts", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    create.add_argument("--ends", type=date.fromisoformat, help="last day, YYYY-MM-DD")
    create.add_argument("--timezone", default=None, help="e.g. America/Mexico_City")
    create.add_argument(
        "--checkins", default=None, help="days after --ends, e.g. 30,90,180; default 14,30,90,180"
    )
    cohort_sub.add_parser("list", parents=[common], help="list workshops")
    show = cohort_sub.add_parser("show", parents=[common], help="a workshop and its members")
    show.add_argument("code")
    checkins = cohort_sub.add_parser(
        "checkins", parents=[common], help="show or change a workshop's check-in plan"
    )
    checkins.add_argument("code")
    checkins.add_argument(
        "--at", help="days after the workshop's end, e.g. 30,90,180 (or none); default 14,30,90,180"
    )
    checkins.add_argument("--ends", type=date.fromisoformat, help="the workshop's last day")
    poster = cohort_sub.add_parser(
        "poster", parents=[common], help="printable join poster (PNG and PDF) with QR codes"
    )
    poster.add_argument("code")
    poster.add_argument("--out", type=Path, default=Path("."), help="folder to write to")


async def _cohort(args: argparse.Namespace, url: str, settings: Settings) -> int:
    store = await open_store(url, SystemClock().now)
    try:
        if args.cohort_command == "create":
            return await _create(store, args, settings)
        if args.cohort_command == "list":
            for cohort, members in await store.list_cohorts():
                print(f"{cohort.code:<16} {members:>5} members  {cohort.name}")
            return 0
        found = await store.cohort_by_code(args.code)
        if found is None:
            return fail(f"no workshop with code {args.code!r}")
        if args.cohort_command == "show":
            print(await describe_cohort(store, found))
            return 0
        if args.cohort_command == "checkins":
            return await _checkins(store, found, args, settings)
        return write_poster(found, settings, args.out)
    finally:
        await store.close()


async def _create(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    if args.timezone is not None:
        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return fail(f"unknown time zone {args.timezone!r}", 2)
    try:
        days = parse_days(args.checkins) if args.checkins is not None else None
    except ValueError as exc:
        return fail(str(exc), 2)
    cohort = Cohort(
        uuid.uuid4().hex,
        args.code.strip(),
        args.name.strip(),
        args.locale or settings.locale,
        SystemClock().now(),
        starts=args.starts,
        ends=args.ends,
        timezone=args.timezone,
        checkin_days=days,
    )
    try:
        await store.create_cohort(cohort)
    except DuplicateError:
        return fail(f"a workshop with code {cohort.code!r} exists")
    print(f"created workshop {cohort.name!r} with code {cohort.code}")
    for warning in date_warnings(cohort, cohort.created_at.date()):
        print(f"minga: warning: {warning}", file=sys.stderr)
    return 0


def date_warnings(cohort: Cohort, today: date) -> list[str]:
    """Say what looks wrong with a workshop's dates: an end already past, or before the start.

    A past end is allowed (a workshop entered afterwards), but its check-ins that fall before
    today are too late to send and end up missed, which is worth knowing at creation.
    """
    warnings = []
    if cohort.ends is not None and cohort.starts is not None and cohort.ends < cohort.starts:
        warnings.append(f"the end date {cohort.ends} is before the start date {cohort.starts}")
    if cohort.ends is not None and cohort.ends < today:
        warnings.append(f"the end date {cohort.ends} has already passed; is the year right?")
        late = [d for d in plan_days(cohort) if cohort.ends + timedelta(days=d) < today]
        if late:
            days = ", ".join(f"+{d}" for d in late)
            warnings.append(f"check-ins on days {days} are already due and will not be sent")
    return warnings


async def _checkins(
    store: Store, cohort: Cohort, args: argparse.Namespace, settings: Settings
) -> int:
    from bot.followup.report import cohort_report, report_text

    if args.at is not None or args.ends is not None:
        try:
            days = parse_days(args.at) if args.at is not None else cohort.checkin_days
        except ValueError as exc:
            return fail(str(exc), 2)
        cohort = replace(cohort, checkin_days=days, ends=args.ends or cohort.ends)
        planned = await plan_cohort(store, cohort, settings.schedule_policy())
        print(f"{cohort.code}: {planned} check-ins planned")
        if args.ends is not None:
            for warning in date_warnings(cohort, SystemClock().now().date()):
                print(f"minga: warning: {warning}", file=sys.stderr)
    if cohort.ends is None:
        fail(f"{cohort.code} has no end date; set it with --ends YYYY-MM-DD")
    print(report_text(await cohort_report(store, cohort), cohort, translator(cohort.locale)))
    return 0

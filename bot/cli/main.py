"""The `minga` command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import ConfigError, Settings, database_url
from bot.facilitation.cohorts import describe_cohort, write_poster
from bot.followup.checkins import parse_days, plan_cohort
from bot.plumbing.clock import SystemClock
from bot.plumbing.logs import configure_logging
from bot.plumbing.loop import run
from flows.draw import to_dot, to_mermaid, to_svg
from flows.errors import FlowErrors
from flows.loader import load_flow_file
from flows.machine import CompiledFlow
from flows.registry import FlowRegistry, library_path
from i18n import CatalogError, translator
from storage import Cohort, DuplicateError, ParticipantKey, Store, open_store


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand and its options."""
    db_help = "database URL or SQLite file (default: MINGA_DATABASE_URL)"
    parser = argparse.ArgumentParser(prog="minga", description="Minga workshop bot")
    parser.add_argument("--db", help=db_help)
    # Accept --db after the subcommand too, without overriding one given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser(
        "chat", parents=[common], help="talk to the bot in this terminal (console channel)"
    )
    chat.add_argument("--as", dest="name", default=None, help="which participant you are")
    chat.add_argument("--lang", default=None, help="language offered first: es, pt or en")
    chat.add_argument(
        "--facilitator", action="store_true", help="may use facilitator commands (/broadcast …)"
    )

    sub.add_parser("migrate", parents=[common], help="apply database migrations")
    sub.add_parser("poll", parents=[common], help="run the Telegram channel by long polling")
    telegram = sub.add_parser("telegram", help="Telegram setup")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    telegram_sub.add_parser("set-webhook", help="register MINGA_PUBLIC_URL/telegram/webhook")
    telegram_sub.add_parser("set-commands", help="publish the command menu in es, pt and en")
    whatsapp = sub.add_parser("whatsapp", help="WhatsApp setup")
    whatsapp_sub = whatsapp.add_subparsers(dest="whatsapp_command", required=True)
    templates = whatsapp_sub.add_parser(
        "templates", help="print the button and list templates to create in Twilio's Content API"
    )
    templates.add_argument("--language", default="es")
    serve = sub.add_parser("serve", parents=[common], help="HTTP: webhooks and health")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    send = sub.add_parser(
        "send", parents=[common], help="only send queued messages (minga serve starts this itself)"
    )
    # How minga serve runs it: stop when the parent's end of stdin closes, ignore Ctrl-C.
    send.add_argument("--child", action="store_true", help=argparse.SUPPRESS)

    flows = sub.add_parser("flows", help="validate, draw and test flows")
    flow_sub = flows.add_subparsers(dest="flows_command", required=True)
    validate = flow_sub.add_parser("validate", help="check flow files (default: the library)")
    validate.add_argument("files", nargs="*", type=Path)
    draw = flow_sub.add_parser("draw", help="write a diagram of a flow's state machine")
    draw.add_argument("flow", help="a flow id from the library, or a flow file")
    draw.add_argument("--format", choices=("dot", "svg", "mermaid"), default="dot")
    draw.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    test = flow_sub.add_parser("test", help="run scripted conversations")
    test.add_argument("scripts", nargs="*", type=Path)

    cohort = sub.add_parser("cohort", help="manage workshops")
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

    export = sub.add_parser(
        "export", parents=[common], help="a workshop's data as CSV (zip) and XLSX"
    )
    export.add_argument("code")
    export.add_argument("--out", type=Path, default=Path("."), help="folder to write to")

    backup = sub.add_parser(
        "backup", parents=[common], help="a consistent copy of the SQLite database, while it runs"
    )
    backup.add_argument("path", type=Path, help="the file to write (it must not exist)")
    retention = sub.add_parser(
        "retention",
        parents=[common],
        help="erase the people of workshops that ended more than N months ago",
    )
    retention.add_argument("--months", type=int, help="default: MINGA_RETENTION_MONTHS")
    db = sub.add_parser("db", help="move data between databases")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser("copy", help="copy everything into an empty database")
    copy.add_argument("--from", dest="source", required=True, help="e.g. sqlite:///minga.db")
    copy.add_argument("--to", dest="target", required=True, help="e.g. postgresql://…")

    rounds = sub.add_parser("prioritization", help="a workshop's challenge prioritization round")
    round_sub = rounds.add_subparsers(dest="round_command", required=True)
    phase = round_sub.add_parser(
        "phase", parents=[common], help="move the round to its next phase and tell every member"
    )
    phase.add_argument("code")
    phase.add_argument("phase", choices=("voting", "discussing", "closed"))
    show = round_sub.add_parser("show", parents=[common], help="challenges, ranking, proposals")
    show.add_argument("code")
    show.add_argument("--chart", type=Path, help="write the impact/effort chart (PNG) here")
    hide = round_sub.add_parser("hide", parents=[common], help="hide an off-topic challenge")
    hide.add_argument("code")
    hide.add_argument("challenge")
    merge = round_sub.add_parser("merge", parents=[common], help="merge a duplicate challenge")
    merge.add_argument("code")
    merge.add_argument("challenge")
    merge.add_argument("--into", required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"minga: invalid settings: {exc}", file=sys.stderr)
        return 2
    url = database_url(
        getattr(args, "chat_db", None)
        or getattr(args, "migrate_db", None)
        or args.db
        or settings.database_url
    )
    try:
        match args.command:
            case "chat":
                from bot.cli.chat import run_chat

                name = args.name or getpass.getuser()
                return run(
                    run_chat(
                        url,
                        name,
                        language=args.lang,
                        default_locale=settings.locale,
                        flows_dir=settings.flows_dir,
                        facilitators=settings.facilitator_keys()
                        | ({ParticipantKey("console", name)} if args.facilitator else set()),
                    )
                )
            case "migrate":
                return run(_migrate(url))
            case "serve":
                import uvicorn

                from bot.web.app import create_app

                configure_logging()
                # No access log: a line per webhook call is noise at a workshop's pace, and
                # errors are logged anyway.
                uvicorn.run(
                    create_app(settings, url, sender_process=settings.sender == "process"),
                    host=args.host,
                    port=args.port,
                    log_level="info",
                    access_log=False,
                    log_config=None,  # ours: one handler, phone numbers and tokens masked
                )
                return 0
            case "send":
                from bot.sending.process import run_sender

                configure_logging()
                return run(run_sender(settings, url, child=args.child))
            case "telegram":
                from bot.cli.telegram import set_commands, set_webhook

                if args.telegram_command == "set-webhook":
                    print(f"webhook set to {run(set_webhook(settings))}")
                else:
                    print(f"commands set for: {', '.join(run(set_commands(settings)))}")
                return 0
            case "whatsapp":
                from bot.channels.whatsapp_interactive import definitions

                print(json.dumps(definitions(args.language), indent=2, ensure_ascii=False))
                return 0
            case "poll":
                from bot.cli.poll import run_poll

                configure_logging()
                return run(run_poll(settings, url))
            case "flows":
                return _flows(args)
            case "cohort":
                return run(_cohort(args, url, settings))
            case "export":
                return run(_export(args, url, settings))
            case "prioritization":
                return run(_prioritization(args, url, settings))
            case "backup":
                if args.path.exists():
                    print(f"minga: {args.path} exists; back up to a new file", file=sys.stderr)
                    return 1
                return run(_backup(url, args.path))
            case "retention":
                months = args.months if args.months is not None else settings.retention_months
                if months is None or months < 1:
                    print("minga: give --months N or set MINGA_RETENTION_MONTHS", file=sys.stderr)
                    return 2
                return run(_retention(url, months, settings))
            case "db":
                return run(_copy(database_url(args.source), database_url(args.target)))
    except (ConfigError, CatalogError) as exc:
        print(f"minga: {exc}", file=sys.stderr)
        return 2
    except FlowErrors as exc:  # a broken file in MINGA_FLOWS_DIR: say which, not a traceback
        print(f"minga: the flows cannot start:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


async def _retention(url: str, months: int, settings: Settings) -> int:
    from bot.app import open_app
    from bot.participants.retention import apply_retention

    async with open_app(url, {}, flows_dir=settings.flows_dir) as app:
        erased = await apply_retention(app, months)
    print(f"erased {erased} people of workshops that ended more than {months} months ago")
    return 0


async def _backup(url: str, path: Path) -> int:
    from storage.sqlite import SQLiteStore

    if not url.startswith("sqlite:"):
        print(
            "minga: back up PostgreSQL with pg_dump (see deploy/RUNBOOK.md, Backups)",
            file=sys.stderr,
        )
        return 2
    store = await open_store(url, SystemClock().now, migrate=False)
    try:
        assert isinstance(store, SQLiteStore)
        await store.backup(str(path))
    finally:
        await store.close()
    print(f"backed up {url} to {path}")
    return 0


async def _copy(source_url: str, target_url: str) -> int:
    from storage.copy import CopyError, copy_store
    from storage.sql_store import SQLStore

    clock = SystemClock()
    source = await open_store(source_url, clock.now)
    try:
        target = await open_store(target_url, clock.now)
        try:
            assert isinstance(source, SQLStore)
            assert isinstance(target, SQLStore)
            copied = await copy_store(source, target)
        except CopyError as exc:
            print(f"minga: {exc}", file=sys.stderr)
            return 1
        finally:
            await target.close()
    finally:
        await source.close()
    print(", ".join(f"{table} {n}" for table, n in copied.items() if n) or "nothing to copy")
    return 0


async def _migrate(url: str) -> int:
    clock = SystemClock()
    store = await open_store(url, clock.now, migrate=False)
    try:
        applied = await store.migrate()
        version = await store.schema_version()
    finally:
        await store.close()
    shown = ", ".join(map(str, applied)) or "none"
    print(f"migrations applied: {shown}; schema version {version}")
    return 0


def _flows(args: argparse.Namespace) -> int:
    match args.flows_command:
        case "validate":
            files = args.files or sorted(library_path().glob("*.yaml"))
            try:
                registry = FlowRegistry.load(files)
            except FlowErrors as exc:
                for error in exc.errors:
                    print(error, file=sys.stderr)
                print(f"{len(exc.errors)} problem(s) found", file=sys.stderr)
                return 1
            for flow in registry:
                print(
                    f"ok  {flow.id} v{flow.version} ({flow.kind}, {len(flow.steps)} steps)"
                    f"  {flow.source}"
                )
            return 0
        case "draw":
            return _draw(args)
        case "test":
            return run(_test(args.scripts))
    return 2


def _draw(args: argparse.Namespace) -> int:
    candidate = Path(args.flow)
    try:
        if candidate.suffix in (".yaml", ".yml") and candidate.exists():
            compiled = CompiledFlow(load_flow_file(candidate))
        else:
            compiled = FlowRegistry.load().get(args.flow)
    except FlowErrors as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyError:
        print(f"minga: no flow {args.flow!r} in the library", file=sys.stderr)
        return 1
    data: bytes
    if args.format == "svg":
        svg = to_svg(compiled)
        if svg is None:
            print("minga: Graphviz 'dot' is not installed; use --format dot", file=sys.stderr)
            return 1
        data = svg
    else:
        data = (to_dot(compiled) if args.format == "dot" else to_mermaid(compiled)).encode()
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.write(data.decode())
    return 0


async def _test(paths: list[Path]) -> int:
    from bot.cli.flowtest import run_script, shipped_scripts

    scripts = paths or shipped_scripts()
    failed = 0
    for path in scripts:
        result = await run_script(path)
        status = "ok  " if result.ok else "FAIL"
        print(f"{status} {path} ({result.exchanges} exchanges)")
        for failure in result.failures:
            print("     " + failure.replace("\n", "\n     "))
        failed += not result.ok
    print(f"{len(scripts) - failed} passed, {failed} failed")
    return 1 if failed else 0


async def _export(args: argparse.Namespace, url: str, settings: Settings) -> int:
    from bot.facilitation.export import export_cohort

    store = await open_store(url, SystemClock().now)
    try:
        cohort = await store.cohort_by_code(args.code)
        if cohort is None:
            print(f"minga: no workshop with code {args.code!r}", file=sys.stderr)
            return 1
        data = await export_cohort(
            store, FlowRegistry.load(extra_folder=settings.flows_dir), cohort
        )
    finally:
        await store.close()
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix, blob in (("xlsx", data.xlsx), ("zip", data.csv_zip)):
        path = args.out / f"minga-{cohort.code}.{suffix}"
        path.write_bytes(blob)
        print(f"wrote {path}")
    print(", ".join(f"{name} {count}" for name, count in data.rows.items()))
    return 0


async def _cohort(args: argparse.Namespace, url: str, settings: Settings) -> int:
    clock = SystemClock()
    store = await open_store(url, clock.now)
    try:
        if args.cohort_command == "create":
            if args.timezone is not None:
                try:
                    ZoneInfo(args.timezone)
                except (ZoneInfoNotFoundError, ValueError):
                    print(f"minga: unknown time zone {args.timezone!r}", file=sys.stderr)
                    return 2
            try:
                days = parse_days(args.checkins) if args.checkins is not None else None
            except ValueError as exc:
                print(f"minga: {exc}", file=sys.stderr)
                return 2
            cohort = Cohort(
                uuid.uuid4().hex,
                args.code.strip(),
                args.name.strip(),
                args.locale or settings.locale,
                clock.now(),
                starts=args.starts,
                ends=args.ends,
                timezone=args.timezone,
                checkin_days=days,
            )
            try:
                await store.create_cohort(cohort)
            except DuplicateError:
                print(f"minga: a workshop with code {cohort.code!r} exists", file=sys.stderr)
                return 1
            print(f"created workshop {cohort.name!r} with code {cohort.code}")
        elif args.cohort_command == "list":
            for cohort, members in await store.list_cohorts():
                print(f"{cohort.code:<16} {members:>5} members  {cohort.name}")
        else:
            found = await store.cohort_by_code(args.code)
            if found is None:
                print(f"minga: no workshop with code {args.code!r}", file=sys.stderr)
                return 1
            if args.cohort_command == "show":
                print(await describe_cohort(store, found))
            elif args.cohort_command == "checkins":
                return await _checkins(store, found, args, settings)
            else:
                return write_poster(found, settings, args.out)
    finally:
        await store.close()
    return 0


async def _checkins(
    store: Store, cohort: Cohort, args: argparse.Namespace, settings: Settings
) -> int:
    from bot.followup.report import cohort_report, report_text

    if args.at is not None or args.ends is not None:
        try:
            days = parse_days(args.at) if args.at is not None else cohort.checkin_days
        except ValueError as exc:
            print(f"minga: {exc}", file=sys.stderr)
            return 2
        cohort = replace(cohort, checkin_days=days, ends=args.ends or cohort.ends)
        planned = await plan_cohort(store, cohort, settings.schedule_policy())
        print(f"{cohort.code}: {planned} check-ins planned")
    if cohort.ends is None:
        print(
            f"minga: {cohort.code} has no end date; set it with --ends YYYY-MM-DD", file=sys.stderr
        )
    print(report_text(await cohort_report(store, cohort), cohort, translator(cohort.locale)))
    return 0


async def _prioritization(args: argparse.Namespace, url: str, settings: Settings) -> int:
    from bot.drawing.charts import impact_effort_chart
    from bot.rounds.round import RoundError, move_phase, summary

    clock = SystemClock()
    store = await open_store(url, clock.now)
    try:
        cohort = await store.cohort_by_code(args.code)
        if cohort is None:
            print(f"minga: no workshop with code {args.code!r}", file=sys.stderr)
            return 1
        tr = translator(cohort.locale)
        match args.round_command:
            case "phase":
                try:
                    change = await move_phase(store, cohort, args.phase, clock)
                except RoundError as exc:
                    print(f"minga: {exc}", file=sys.stderr)
                    return 1
                print(
                    f"{cohort.code}: {change.before} → {change.after}; "
                    f"{change.announced} members told"
                )
            case "show":
                print(await summary(store, cohort, tr))
                if args.chart:
                    from bot.rounds.results import matrix_labels

                    points = [
                        (s.text, s.impact, s.effort) for s in await store.solutions(cohort.id)
                    ]
                    args.chart.write_bytes(impact_effort_chart(points, matrix_labels(tr)))
            case "hide" | "merge":
                ids = {c.id for c in await store.challenges(cohort.id)}
                target = getattr(args, "into", None)
                if args.challenge not in ids or (target is not None and target not in ids):
                    print("minga: no such challenge in this workshop", file=sys.stderr)
                    return 1
                await store.moderate_challenge(
                    args.challenge,
                    hidden=True if args.round_command == "hide" else None,
                    merged_into=target,
                )
                print(f"{args.challenge}: {args.round_command} done")
    finally:
        await store.close()
    return 0

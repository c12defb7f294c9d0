"""`minga flows import FORM.xlsx [--cohort CODE]` and `minga flows export FLOW --format xlsform`.

Import stores an XLSForm in the database as its flow's next version (every worker serves it);
export writes any flow, the shipped ones included, as a form with every language's labels.
What a person reads is said in MINGA_LOCALE.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.groups import Subparsers, fail
from bot.config import Settings
from bot.plumbing.clock import SystemClock
from bot.plumbing.loop import run
from flows.errors import FlowErrors, FormError
from flows.model import Flow
from flows.registry import FlowRegistry
from flows.stored import StoredFlows
from i18n import Translator, translator
from storage import open_store


def register(flow_sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga flows import` and `minga flows export`."""
    imported = flow_sub.add_parser(
        "import", parents=[common], help="store an XLSForm (.xlsx) as a flow, as its next version"
    )
    imported.add_argument("form", type=Path)
    imported.add_argument("--cohort", help="the workshop whose form it is (its code)")
    imported.set_defaults(run=lambda args, settings, url: run(_import(args, settings, url)))
    exported = flow_sub.add_parser(
        "export", parents=[common], help="write a flow as an XLSForm with every language"
    )
    exported.add_argument("flow", help="a flow id (shipped, in MINGA_FLOWS_DIR or uploaded)")
    exported.add_argument("--format", choices=("xlsform",), default="xlsform")
    exported.add_argument("-o", "--output", type=Path, help="file to write (default: FLOW.xlsx)")
    exported.set_defaults(run=lambda args, settings, url: run(_export(args, settings, url)))


def print_problems(errors: FlowErrors, tr: Translator) -> None:
    """Print each problem of a form with where it is and what to do, in the reader's language."""
    from flows.xlsform import describe, where

    for error in errors.errors:
        if not isinstance(error, FormError):
            print(error, file=sys.stderr)  # a YAML file's problem: written in English only
            continue
        place = where(error, tr)
        said = f"{place}: {describe(error, tr)}" if place else describe(error, tr)
        print(f"{error.source}: {said}", file=sys.stderr)


async def _import(args: argparse.Namespace, settings: Settings, url: str) -> int:
    tr = translator(settings.locale)
    try:
        raw = args.form.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return fail(
            tr.gettext("cannot read {file}: {reason}").format(file=args.form, reason=reason)
        )
    clock = SystemClock()
    store = await open_store(url, clock.now)
    try:
        cohort = await store.cohort_by_code(args.cohort) if args.cohort else None
        if args.cohort and cohort is None:
            return fail(tr.gettext("no workshop with the code {code}").format(code=args.cohort))
        forms = StoredFlows(store, FlowRegistry.load(extra_folder=settings.flows_dir))
        await forms.refresh(force=True)
        try:
            flow = await forms.add(raw, args.form.name, cohort.id if cohort else None, clock.now())
        except FlowErrors as exc:
            print_problems(exc, tr)
            return 1
    finally:
        await store.close()
    print(_stored(flow, tr, cohort.code if cohort else "CODE"))
    return 0


def _stored(flow: Flow, tr: Translator, code: str) -> str:
    questions = sum(1 for s in flow.steps.values() if s.is_question)
    return tr.ngettext(
        "Stored “{title}” as {flow} version {version}, {n} question. "
        "Launch it with /launch {flow} {code}",
        "Stored “{title}” as {flow} version {version}, {n} questions. "
        "Launch it with /launch {flow} {code}",
        questions,
    ).format(title=tr.gettext(flow.title), flow=flow.id, version=flow.version, n=questions,
             code=code)  # fmt: skip


async def _export(args: argparse.Namespace, settings: Settings, url: str) -> int:
    from flows.xlsform.writer import write_xlsform

    tr = translator(settings.locale)
    registry = FlowRegistry.load(extra_folder=settings.flows_dir)
    if args.flow not in registry:
        store = await open_store(url, SystemClock().now)
        try:
            await StoredFlows(store, registry).refresh(force=True)
        finally:
            await store.close()
    if args.flow not in registry:
        return fail(tr.gettext("no flow {flow}: see minga flows validate").format(flow=args.flow))
    flow = registry.get(args.flow).flow
    output = args.output or Path(f"{flow.id}.xlsx")
    output.write_bytes(write_xlsform(flow))
    print(tr.gettext("Wrote {file}: “{title}”, version {version}.").format(
        file=output, title=tr.gettext(flow.title), version=flow.version))  # fmt: skip
    return 0

"""`minga flows validate|draw|test`: check, draw and try flow files without code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import forms
from bot.cli.groups import Subparsers, fail
from bot.config import Settings
from bot.plumbing.loop import run
from flows.draw import to_dot, to_mermaid, to_svg
from flows.errors import FlowErrors
from flows.loader import load_flow_file
from flows.machine import CompiledFlow
from flows.registry import FlowRegistry, library_path
from i18n import translator


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add `minga flows …`."""
    flows = sub.add_parser("flows", help="validate, draw and test flows")
    flow_sub = flows.add_subparsers(dest="flows_command", required=True)
    validate = flow_sub.add_parser(
        "validate", help="check flow files, YAML or XLSForm (default: the library)"
    )
    validate.add_argument("files", nargs="*", type=Path)
    validate.set_defaults(run=_validate)
    draw = flow_sub.add_parser("draw", help="write a diagram of a flow's state machine")
    draw.add_argument("flow", help="a flow id from the library, or a flow file")
    draw.add_argument("--format", choices=("dot", "svg", "mermaid"), default="dot")
    draw.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    draw.set_defaults(run=_draw)
    test = flow_sub.add_parser("test", help="run scripted conversations")
    test.add_argument("scripts", nargs="*", type=Path)
    test.set_defaults(run=lambda args, settings, url: run(_test(args.scripts)))
    forms.register(flow_sub, common)


def _validate(args: argparse.Namespace, settings: Settings, url: str) -> int:
    files = args.files or sorted(library_path().glob("*.yaml"))
    try:
        registry = FlowRegistry.load(files)
    except FlowErrors as exc:
        forms.print_problems(exc, translator(settings.locale))  # a form's, in the reader's words
        print(f"{len(exc.errors)} problem(s) found", file=sys.stderr)
        return 1
    for flow in registry:
        print(
            f"ok  {flow.id} v{flow.version} ({flow.kind}, {len(flow.steps)} steps)  {flow.source}"
        )
    return 0


def _draw(args: argparse.Namespace, settings: Settings, url: str) -> int:
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
        return fail(f"no flow {args.flow!r} in the library")
    data: bytes
    if args.format == "svg":
        svg = to_svg(compiled)
        if svg is None:
            return fail("Graphviz 'dot' is not installed; use --format dot")
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

"""Diagrams of a compiled flow: Graphviz DOT (SVG when Graphviz is installed) or Mermaid."""

from __future__ import annotations

import shutil
import subprocess

from flows.machine import CompiledFlow
from flows.model import END


def _label(compiled: CompiledFlow, state: str) -> str:
    if state == END:
        return "end"
    step = compiled.flow.step(state)
    kind = step.type or "say"
    return f"{state}\\n({kind})"


def to_dot(compiled: CompiledFlow) -> str:
    """Return the machine as a Graphviz digraph; `back` edges are dashed."""
    lines = [f'digraph "{compiled.flow.id}" {{', "  rankdir=TB;", "  node [shape=box];"]
    for state in [*compiled.flow.steps, END]:
        shape = "doublecircle" if state == END else "box"
        lines.append(f'  "{state}" [label="{_label(compiled, state)}", shape={shape}];')
    for source, event, dest in compiled.transitions():
        style = ", style=dashed, color=gray" if event == "back" else ""
        lines.append(f'  "{source}" -> "{dest}" [label="{event}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(compiled: CompiledFlow) -> str:
    """Return the machine as a Mermaid state diagram, leaving out `back` edges."""
    lines = ["stateDiagram-v2", f"  [*] --> {compiled.flow.start}"]
    for source, event, dest in compiled.transitions():
        if event != "back":
            target = "[*]" if dest == END else dest
            lines.append(f"  {source} --> {target}: {event}")
    return "\n".join(lines) + "\n"


def to_svg(compiled: CompiledFlow) -> bytes | None:
    """Render SVG with Graphviz's `dot`, or return None when it is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    result = subprocess.run(
        [dot, "-Tsvg"], input=to_dot(compiled).encode(), capture_output=True, check=True
    )
    return result.stdout

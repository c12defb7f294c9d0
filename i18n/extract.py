"""A babel extractor that collects the texts of flow YAML files into the gettext catalogs.

Registered as the `minga_flows` extraction method through the project's entry points.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

# The keys of a flow file whose values a person reads.
FLOW_TEXT_KEYS = frozenset(
    {"title", "description", "say", "ask", "label", "hint", "invalid", "suggestion", "learn"}
)

Extracted = tuple[int, str | None, str, list[str]]


def extract_flow_yaml(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Yield `(line, funcname, message, comments)` for every text of a flow file."""
    node = yaml.compose(fileobj.read().decode("utf-8"))
    if node is not None:
        yield from _walk(node, context="")


def _walk(node: yaml.Node, context: str) -> Iterator[Extracted]:
    if isinstance(node, yaml.MappingNode):
        step_id = next(
            (v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)),
            None,
        )
        here = f"{context}/{step_id}" if step_id else context
        for key, value in node.value:
            if key.value in FLOW_TEXT_KEYS and isinstance(value, yaml.ScalarNode) and value.value:
                comment = f"flow {here.lstrip('/') or 'file'}: {key.value}"
                yield value.start_mark.line + 1, None, value.value, [comment]
            else:
                yield from _walk(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, context)


def flow_texts(document: Any) -> Iterator[str]:
    """Yield every text of an already-parsed flow document (for the translation check)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in FLOW_TEXT_KEYS and isinstance(value, str) and value:
                yield value
            else:
                yield from flow_texts(value)
    elif isinstance(document, list):
        for item in document:
            yield from flow_texts(item)

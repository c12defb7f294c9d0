"""Every class of broken flow is refused with a message naming the file and the step."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.errors import FlowErrors
from flows.loader import MAX_FLOW_BYTES, load_flow_file, load_flow_text
from flows.registry import FlowRegistry, library_path

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: …'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_flow_is_refused_with_file_and_step(path: Path) -> None:
    with pytest.raises(FlowErrors) as caught:
        load_flow_file(path)
    message = str(caught.value)
    assert _expected(path) in message
    assert str(path) in message


def test_corpus_covers_many_kinds_of_mistake() -> None:
    assert len(BROKEN) >= 15


def test_oversized_flow_is_refused() -> None:
    with pytest.raises(FlowErrors, match="larger than"):
        load_flow_text(b"#" * (MAX_FLOW_BYTES + 1), "big.yaml")


def test_every_shipped_flow_is_valid_and_translated() -> None:
    registry = FlowRegistry.load()
    ids = {flow.id for flow in registry}
    assert {"onboarding", "language", "erase"} <= ids
    assert len(ids) == len(list(library_path().glob("*.yaml")))


def test_registry_reports_every_broken_file_at_once() -> None:
    with pytest.raises(FlowErrors) as caught:
        FlowRegistry.load(BROKEN[:3])
    assert len({e.source for e in caught.value.errors}) == 3

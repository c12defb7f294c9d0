"""The import direction of DESIGN.md: bot → flows → (storage, i18n); no vendor SDK below bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "flows", "storage", "i18n")
ALLOWED = {
    "bot": {"bot", "flows", "storage", "i18n"},
    "flows": {"flows", "storage", "i18n"},
    "storage": {"storage"},
    "i18n": {"i18n"},
}
VENDORS = {"telegram", "twilio", "starlette", "uvicorn"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path) & set(PACKAGES):
            if name not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


@pytest.mark.parametrize("package", ["flows", "storage", "i18n"])
def test_no_vendor_sdk_below_the_channels(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imports(path) & VENDORS
    ]
    assert wrong == []


def test_only_the_machine_module_touches_transitions() -> None:
    users = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "transitions" in _imports(path)
    ]
    assert users == ["flows/machine.py"]

"""The import direction of DESIGN.md: bot → flows → (storage, i18n); no vendor SDK below bot."""

from __future__ import annotations

import ast
import subprocess
import sys
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


# Inside bot/: which packages each kind of package may import (its own always).
FEATURES = (
    "participants",
    "facilitation",
    "rounds",
    "followup",
    "results",
    "live",
    "reporting",
)
BOT_ALLOWED = {
    # Channels speak to platforms and know nothing of what the bot does with a message.
    "channels": {"channels", "config", "conversation.inbound", "plumbing"},
    # The frame of one message knows no feature: features plug into it.
    "conversation": {"conversation", "plumbing"},
    "plumbing": {"plumbing"},
    "drawing": {"drawing"},
    "sending": {"sending", "channels", "config", "drawing", "plumbing"},
    # Features use the frame and each other, never the web app or the command line.
    **{
        feature: {*FEATURES, "conversation", "drawing", "plumbing", "config", "channels", "app"}
        for feature in FEATURES
    },
}


def _bot_imports(path: Path) -> set[str]:
    """The bot subpackages (or bot.conversation.inbound) a module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[0] == "bot" and len(parts) > 1:
                inbound = parts[1:3] == ["conversation", "inbound"]
                found.add("conversation.inbound" if inbound else parts[1])
    return found


@pytest.mark.parametrize("package", sorted(BOT_ALLOWED))
def test_bot_packages_import_one_way(package: str) -> None:
    allowed = BOT_ALLOWED[package]
    wrong = [
        f"{path.relative_to(ROOT)} imports bot.{name}"
        for path in sorted((ROOT / "bot" / package).rglob("*.py"))
        for name in _bot_imports(path)
        if name not in allowed
        and not (name == "conversation.inbound" and "conversation" in allowed)
    ]
    assert wrong == []


def test_the_top_of_bot_keeps_only_a_handful_of_modules() -> None:
    top = sorted(p.name for p in (ROOT / "bot").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "app.py", "config.py", "handlers.py"]


def test_the_engine_loads_no_vendor_sdk_until_a_channel_needs_it() -> None:
    # Importing twilio (and aiohttp, requests) into every process cost 14 MB and, through the
    # collector scanning them, a third more reply latency at the 99th percentile (bench/engine).
    code = (
        "import sys, bot.app, bot.handlers; "
        "print(sorted(m for m in ('twilio', 'aiohttp', 'requests', 'telegram', 'matplotlib', "
        "'openpyxl') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert loaded == "[]"
